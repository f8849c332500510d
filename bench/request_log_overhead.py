"""What the request line and the metrics (labshare/request_log.py) cost on a /v1 list, in process.

Runs one `GET /v1/bookings` (100 rows) through Django's whole handler, alternately with the
middleware and without it, in rounds, and prints the median time of each and their ratio.
The request lines go to /dev/null, as to a log file; metrics are on. Needs a database with the
demo data (`labshare demo`) and its administrator: DATABASE_URL as for the server.

    .venv/bin/python bench/request_log_overhead.py [--requests 200] [--rounds 7]
"""

import argparse
import logging
import os
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "labshare.settings")
os.environ.setdefault("LABSHARE_METRICS_TOKEN", "bench")
import django

django.setup()
from django.conf import settings  # noqa: E402 - after django.setup()
from django.test import Client  # noqa: E402

from labshare.accounts.models import User  # noqa: E402
from labshare.demo.generate import ADMIN_EMAIL  # noqa: E402
from labshare.oauth.models import SCOPES, held_labs  # noqa: E402
from labshare.oauth.tokens import demo_application, issue_tokens  # noqa: E402

MIDDLEWARE = "labshare.request_log.RequestLogMiddleware"


def client(with_middleware: bool) -> Client:
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if with_middleware or m != MIDDLEWARE]
    return Client()  # its handler loads the middleware now


def seconds_per_request(http: Client, token: str, requests: int) -> float:
    started = time.perf_counter()
    for _ in range(requests):
        response = http.get("/v1/bookings", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 200
    return (time.perf_counter() - started) / requests


def middleware_alone(requests: int) -> float:
    """Seconds the middleware adds around a view that answers at once: the same work, without
    the list request's noise."""
    from django.http import HttpResponse
    from django.test import RequestFactory
    from django.urls import resolve

    from labshare.request_log import RequestLogMiddleware

    match = resolve("/v1/bookings")

    def view(request):
        request.resolver_match = match
        return HttpResponse(b"[]")

    request = RequestFactory().get("/v1/bookings?per_page=100")
    wrapped = RequestLogMiddleware(view)
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(requests):
            view(request)
        bare = time.perf_counter() - started
        started = time.perf_counter()
        for _ in range(requests):
            wrapped(request)
        timings.append((time.perf_counter() - started - bare) / requests)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=7)
    options = parser.parse_args()
    for handler in logging.getLogger("labshare.requests").handlers:
        handler.setStream(open(os.devnull, "w"))  # noqa: SIM115 - as to a log file
    admin = User.objects.get(email=ADMIN_EMAIL)
    token = issue_tokens(admin, demo_application(owner=admin), held_labs(admin.pk), SCOPES, refresh=False)[
        "access_token"
    ]
    full = list(settings.MIDDLEWARE)
    clients = {True: client(True), False: client(False)}
    settings.MIDDLEWARE = full
    for http in clients.values():
        seconds_per_request(http, token, 20)  # warm: caches, prepared statements
    timings: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(options.rounds):
        for with_middleware, http in clients.items():
            timings[with_middleware].append(seconds_per_request(http, token, options.requests))
    with_ms, without_ms = (statistics.median(timings[key]) * 1000 for key in (True, False))
    print(f"GET /v1/bookings in process, {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[1]}:")
    print(f"  with the request line and metrics:    {with_ms:.3f} ms")
    print(f"  without:                              {without_ms:.3f} ms")
    print(f"  ratio: {with_ms / without_ms:.3f}  ({(with_ms - without_ms) * 1000:.0f} µs a request)")
    alone_ms = middleware_alone(options.requests * 20) * 1000
    print(f"  the middleware alone, around a view that answers at once: {alone_ms * 1000:.0f} µs")
    print(f"  ratio from it: {(without_ms + alone_ms) / without_ms:.3f}")


if __name__ == "__main__":
    main()
