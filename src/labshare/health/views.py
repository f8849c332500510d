"""Probes for load balancers and orchestrators: no authentication, no session, never cached.

`live`: the process answers (it touches nothing). `ready`: it can serve, which needs the
database and, when REDIS_URL is set, Redis; each is asked one cheap question within a short
timeout (settings: 3 s to connect to PostgreSQL, 0.25 s for Redis), and a 503 names what is down.
"""

import logging

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from redis.exceptions import RedisError

from labshare import metrics
from labshare.api.errors import json_response
from labshare.outages import RETRY_AFTER_SECONDS

database_log = logging.getLogger("labshare.outages.database")
redis_log = logging.getLogger("labshare.outages.redis")


def database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        database_log.warning("The database is unavailable", exc_info=error)
        metrics.count_database_error()
        connection.close()  # broken: the next request connects afresh
        return False
    return True


def redis_answers() -> bool:
    from django_redis import get_redis_connection

    try:
        get_redis_connection("default").ping()
    except RedisError as error:
        redis_log.warning("Redis is unavailable", exc_info=error)
        metrics.count_cache_error()
        return False
    return True


@never_cache
@require_safe
def live(request: HttpRequest) -> HttpResponse:
    return json_response({"status": "ok"})


@never_cache
@require_safe
def ready(request: HttpRequest) -> HttpResponse:
    checks = {"database": "ok" if database_answers() else "unavailable"}
    if settings.REDIS_URL:
        checks["redis"] = "ok" if redis_answers() else "unavailable"
    down = [name for name, state in checks.items() if state != "ok"]
    if not down:
        return json_response({"status": "ok", "checks": checks})
    response = json_response(
        {
            "status": "unavailable",
            "checks": checks,
            "error": "temporarily_unavailable",
            "error_description": f"Unavailable: {', '.join(down)}.",
        },
        503,
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
