"""What Labshare answers and logs while PostgreSQL or Redis is unavailable (README: Running in production).

The database: a request that fails on it answers 503, as JSON on the API and the OAuth
endpoints and as a plain page elsewhere, with `Retry-After`; the broken connection is
dropped, so that the next request connects afresh and the server heals by itself.
Redis is a cache (settings: django-redis with IGNORE_EXCEPTIONS): while it is down, reads
miss and go to the database, and the rate limits count in process memory (oauth/ratelimit.py).
Either outage logs one line in each server process, not a traceback per request.
"""

import logging
import threading
import time

from django.db import InterfaceError, OperationalError, close_old_connections
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from labshare import metrics
from labshare.api.errors import json_response

RETRY_AFTER_SECONDS = 5
# Paths that speak JSON; every other path is a page.
JSON_PREFIXES = ("/v1", "/oauth/token", "/oauth/revoke", "/oauth/introspect")
database_log = logging.getLogger("labshare.outages.database")
# django-redis logs "Exception ignored" (settings: DJANGO_REDIS_LOGGER); this says what it means.
SAID_INSTEAD = {
    "labshare.outages.redis": "Redis is unavailable: the cache misses, rate limits count in process memory"
}


def service_unavailable(request: HttpRequest, what: str) -> HttpResponse:
    description = f"The {what} is unavailable; try again in a few seconds."
    if request.path.startswith(JSON_PREFIXES):
        response = json_response({"error": "temporarily_unavailable", "error_description": description}, 503)
    else:
        response = HttpResponse(render_to_string("503.html", {"description": description}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    # Said once per outage by OncePerOutage below, not once per request by django.request.
    request.labshare_outage = True
    return response


class DatabaseUnavailableMiddleware:
    """503 for a view that failed on the database (it cannot connect, or the connection broke)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        database_log.warning("The database is unavailable", exc_info=exception)
        metrics.count_database_error()
        # Django would drop a broken connection at the end of the request too; do it now.
        close_old_connections()
        return service_unavailable(request, "database")


class OncePerOutage(logging.Filter):
    """Lets one record through per logger and outage, as one line (its exception's first line,
    no traceback). An outage ends after `quiet_seconds` without a record; a later one is new."""

    def __init__(self, quiet_seconds: float = 30) -> None:
        super().__init__()
        self.quiet_seconds = quiet_seconds
        self._last_seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        now = time.monotonic()
        with self._lock:
            last = self._last_seen.get(record.name)
            self._last_seen[record.name] = now
        if last is not None and now - last < self.quiet_seconds:
            return False
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            first_line = (str(error).strip().splitlines() or [""])[0]
            said = SAID_INSTEAD.get(record.name, record.getMessage())
            record.msg = f"{said} ({type(error).__name__}: {first_line})"
            record.args = ()
            record.exc_info = None
            record.exc_text = None
        return True


class CountCacheErrors(logging.Filter):
    """Counts each failed cache call in the metrics: django-redis swallows it, and says so only here."""

    def filter(self, record: logging.LogRecord) -> bool:
        metrics.count_cache_error()
        return True


class DropOutageAnswers(logging.Filter):
    """Keeps django.request from logging each 503 that an outage answered."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(getattr(record, "request", None), "labshare_outage", False)
