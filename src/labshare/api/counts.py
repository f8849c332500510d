"""A short-lived cache of list totals (X-Total-Records), cleared by any write.

Every total is stored under the current data version; a save or delete of a listed model
(api/signals.py) sets a new version, so older totals are never read again and expire.
Bulk writes that send no signals are bounded by COUNT_CACHE_SECONDS.
With read replicas a version carries the primary's WAL position, and a replica that has not
replayed that far counts under a version of its own (`replicas.settled`).
"""

import hashlib
import uuid
from collections.abc import Callable

from django.core.cache import cache

from labshare import replicas

COUNT_CACHE_SECONDS = 60
VERSION_KEY = "api:data-version"


def data_version(stored: str | None = None) -> str:
    """The current data version; `stored` is the one already read from the cache (with the
    token, api/auth.py), if it held one."""
    version = stored or cache.get_or_set(VERSION_KEY, lambda: uuid.uuid4().hex, timeout=None)
    return replicas.settled(version)


def bump_data_version() -> None:
    cache.set(VERSION_KEY, uuid.uuid4().hex + replicas.written_up_to(), timeout=None)


def count_key(name: str, parameters: list, version: str) -> str:
    """Where the total for a list (`name` and its SQL parameters identify it) is kept under
    the data version (`data_version()`)."""
    digest = hashlib.sha256(repr((name, parameters)).encode()).hexdigest()
    return f"api:count:{version}:{digest}"


def cached_count(key: str, cached: int | None, count: Callable[[], int | None]) -> int | None:
    """The total `cached` under `key` (read by the caller with the page's other keys, in one
    round trip), or counted and kept on a miss."""
    if cached is None:
        total = count()
        # None ("no such parent") is cached too, as -1.
        cache.set(key, -1 if total is None else total, COUNT_CACHE_SECONDS)
        return total
    return None if cached == -1 else cached
