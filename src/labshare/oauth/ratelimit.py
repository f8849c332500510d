"""Fixed-window request counters in the Django cache, so every process shares them under Redis.

While Redis is unavailable each server process counts in its own memory (the "local"
cache), so a limit then holds per process: N processes let up to N times the limit through.

A limit reads "N/second", "N/minute" or "N/hour". Settings (from the environment):
LABSHARE_RATE_LIMIT for the token, revoke and introspect endpoints and for sign-in per
client address, LABSHARE_SIGN_IN_RATE_LIMIT for sign-in per account.
"""

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.http import HttpRequest

PERIODS = {"second": 1, "minute": 60, "hour": 3600}


@dataclass(frozen=True)
class Limit:
    count: int
    period: int

    @classmethod
    def parse(cls, text: str) -> "Limit":
        count, _, period = text.strip().partition("/")
        if not count.isdigit() or period not in PERIODS:
            raise ValueError(f"{text!r} is not a rate limit like 60/minute")
        return cls(int(count), PERIODS[period])


def token_endpoint_limit() -> Limit:
    return Limit.parse(settings.LABSHARE_RATE_LIMIT)


def sign_in_limit() -> Limit:
    return Limit.parse(settings.LABSHARE_SIGN_IN_RATE_LIMIT)


def client_address(request: HttpRequest) -> str:
    # REMOTE_ADDR only: a forwarded-for header is the client's to invent.
    return request.META.get("REMOTE_ADDR", "")


def count_in(cache: BaseCache, cache_key: str, limit: Limit) -> int | None:
    """Add one to the counter; None when the cache did not answer (django-redis, IGNORE_EXCEPTIONS)."""
    added = cache.add(cache_key, 1, timeout=limit.period + 1)
    if added is None:
        return None
    if added:
        return 1
    try:
        return cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        return 1 if cache.add(cache_key, 1, timeout=limit.period + 1) else None


def hit(bucket: str, key: str, limit: Limit) -> int:
    """Count one request; return 0 if it is within the limit, else the seconds until the window ends."""
    now = time.time()
    window = int(now // limit.period)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    cache_key = f"ratelimit:{bucket}:{digest}:{window}"
    count = count_in(caches["default"], cache_key, limit)
    if count is None:  # the shared cache (Redis) is unavailable: count in this process meanwhile
        count = count_in(caches["local"], cache_key, limit)
    if count <= limit.count:
        return 0
    return max(1, math.ceil((window + 1) * limit.period - now))
