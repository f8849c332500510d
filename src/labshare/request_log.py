"""One log line per request, with a request id, and the request metrics (README: Health, metrics and logs).

The id is the client's `X-Request-Id` when it is a sane token, else a fresh one; it is echoed
in the response's `X-Request-Id`. The line holds the method, the route name, the path without
its query string (a query may carry a code or a token), the status, the duration, the client
address and the user's id when the request already knows it; never a header, cookie or body.
It goes to the `labshare.requests` logger: text or JSON by LOG_FORMAT (settings.LOGGING).
"""

import logging
import os
import re
import time

from django.http import HttpRequest, HttpResponse

from labshare import metrics
from labshare.feeds.log_filter import REDACTED_PATH, TOKEN_IN_PATH
from labshare.oauth.ratelimit import client_address

SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@=+/-]{1,128}")
UNMATCHED = "unmatched"
logger = logging.getLogger("labshare.requests")


def request_id_of(request: HttpRequest) -> str:
    given = request.META.get("HTTP_X_REQUEST_ID", "")
    return given if SANE_REQUEST_ID.fullmatch(given) else os.urandom(16).hex()


def route_name(request: HttpRequest) -> str:
    """The URL pattern's name (or its route when it has none): a bounded set, never the path."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return UNMATCHED
    return match.view_name or match.route or UNMATCHED


def user_id_of(request: HttpRequest) -> int | None:
    """The user the request already resolved (a bearer token's, or a session's); never a lookup of its own."""
    token = getattr(request, "token", None)
    if token is not None:
        return token.user_id
    user = request.__dict__.get("_cached_user")  # set only once something asked for request.user
    return user.pk if user is not None and user.is_authenticated else None


class RequestLogMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        request.request_id = request_id = request_id_of(request)
        response = self.get_response(request)
        seconds = time.perf_counter() - started
        response["X-Request-Id"] = request_id
        route = route_name(request)
        if metrics.enabled():
            metrics.count_request(route, request.method, response.status_code, seconds)
        if logger.isEnabledFor(logging.INFO):
            fields = {
                "request_id": request_id,
                "method": request.method,
                "route": route,
                "path": TOKEN_IN_PATH.sub(REDACTED_PATH, request.path),
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 3),
                "client": client_address(request),
                "user_id": user_id_of(request),
            }
            logger.info(
                '%(client)s "%(method)s %(path)s" %(status)s %(duration_ms).3f ms route=%(route)s '
                "user=%(user_id)s request_id=%(request_id)s",
                fields,
                extra=fields,
            )
        return response
