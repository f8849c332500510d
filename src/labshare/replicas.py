"""Read replicas (README: Running in production, Read replicas).

`DATABASE_REPLICA_URLS` adds a database `replica_1`, `replica_2`, ... per PostgreSQL streaming
replica. A `/v1` read (GET or HEAD) runs on one of them, taken in turn per request; everything
else stays on the primary (`default`): every write, OAuth and the bearer check (a token issued
or revoked a moment ago counts at once), the web pages, and `/v1/changes` (a change feed is never
behind the writes a client has already been answered).

The middleware sets `reading_from` for the request; the router gives it to the ORM, and
`read_connection()` to the API's own statements, which run on a connection, not a model.
A replica that cannot be reached is left out for DOWN_SECONDS, and its requests read the primary.
A new data version (api/counts.py) carries the primary's WAL position, so that the totals a replica
counts before it has replayed that far are kept apart from the newer data's (`settled`).
"""

import itertools
import logging
import time
from contextvars import ContextVar

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest, HttpResponse

REPLICA_PREFIX = "replica_"
READ_METHODS = ("GET", "HEAD")
# Under /v1 but read on the primary.
PRIMARY_PATHS = ("/v1/changes",)
DOWN_SECONDS = 10
# Whether the replica has replayed the primary's WAL up to a position, and where it is.
REPLAYED_UP_TO = "SELECT coalesce(pg_last_wal_replay_lsn() >= %s::pg_lsn, true), pg_last_wal_replay_lsn()"

reading_from: ContextVar[str | None] = ContextVar("labshare_reading_from", default=None)
log = logging.getLogger("labshare.replicas")
_turns = itertools.count()
_down_until: dict[str, float] = {}


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith(REPLICA_PREFIX)]


def reads_a_replica(request: HttpRequest) -> bool:
    return (
        request.method in READ_METHODS
        and request.path_info.startswith("/v1/")
        and not request.path_info.startswith(PRIMARY_PATHS)
    )


def available(alias: str) -> bool:
    """Whether the replica answers (its connection checked, or opened), as the first cursor of a
    request would find it; one that does not is left out for DOWN_SECONDS."""
    if _down_until.get(alias, 0.0) > time.monotonic():
        return False
    connection = connections[alias]
    try:
        connection.close_if_health_check_failed()
        connection.ensure_connection()
    except (OperationalError, InterfaceError) as error:
        log.warning("A read replica is unavailable; reading the primary", exc_info=error)
        _down_until[alias] = time.monotonic() + DOWN_SECONDS
        return False
    return True


def choose_replica() -> str | None:
    """The next replica in turn that is available, or None (the primary)."""
    aliases = replica_aliases()
    for _ in aliases:
        alias = aliases[next(_turns) % len(aliases)]
        if available(alias):
            return alias
    return None


def read_connection() -> BaseDatabaseWrapper:
    """The connection the API's statements run on: the request's replica, else the primary."""
    return connections[reading_from.get() or DEFAULT_DB_ALIAS]


def written_up_to() -> str:
    """For a new data version (api/counts.py), when replicas read: `@` and the primary's WAL
    position, which a replica must have replayed to see every write so far (the insert
    position: with asynchronous commit a commit may not have been written out yet)."""
    if not replica_aliases():
        return ""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_insert_lsn()")
        return f"@{cursor.fetchone()[0]}"


def settled(version: str) -> str:
    """The data version as this request's replica sees it: `version` once the replica has
    replayed the writes it stands for, else `version` and the replica's own position, so that
    a total or a page start it counts before then is never served as the newer data's."""
    alias = reading_from.get()
    written = version.partition("@")[2]
    if alias is None or not written:
        return version
    with connections[alias].cursor() as cursor:
        # NULL: not in recovery (a primary named as a replica), so nothing left to replay.
        cursor.execute(REPLAYED_UP_TO, [written])
        caught_up, replayed = cursor.fetchone()
    return version if caught_up else f"{version}:{replayed}"


class ReplicaReadsMiddleware:
    """Serves a `/v1` read from a replica when one is configured and available."""

    def __init__(self, get_response) -> None:
        if not replica_aliases():
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        alias = choose_replica() if reads_a_replica(request) else None
        if alias is None:
            return self.get_response(request)
        token = reading_from.set(alias)
        try:
            return self.get_response(request)
        finally:
            reading_from.reset(token)


class ReplicaRouter:
    """The ORM's reads follow `reading_from`; writes and migrations always go to the primary."""

    def db_for_read(self, model, **hints) -> str | None:
        return reading_from.get()

    def db_for_write(self, model, **hints) -> str:
        # Explicit: left to Django, an object read from a replica would be saved back to it.
        return DEFAULT_DB_ALIAS

    def allow_relation(self, first, second, **hints) -> bool:
        return True  # every database holds the same rows

    def allow_migrate(self, db: str, app_label: str, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS
