"""Fixed-window request counters in the Django cache, so every process shares them under Redis.

A limit reads "N/second", "N/minute" or "N/hour". Settings (from the environment):
LABSHARE_RATE_LIMIT for the token, revoke and introspect endpoints and for sign-in per
client address, LABSHARE_SIGN_IN_RATE_LIMIT for sign-in per account.
"""

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
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


def hit(bucket: str, key: str, limit: Limit) -> int:
    """Count one request; return 0 if it is within the limit, else the seconds until the window ends."""
    now = time.time()
    window = int(now // limit.period)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    cache_key = f"ratelimit:{bucket}:{digest}:{window}"
    if cache.add(cache_key, 1, timeout=limit.period + 1):
        count = 1
    else:
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.add(cache_key, 1, timeout=limit.period + 1)
            count = 1
    if count <= limit.count:
        return 0
    return max(1, math.ceil((window + 1) * limit.period - now))
