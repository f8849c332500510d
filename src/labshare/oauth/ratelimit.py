"""The client address every limit counts by, and fixed-window request counters in the Django cache.

A limit reads "N/second", "N/minute" or "N/hour"; LABSHARE_RATE_LIMIT is the one for the
token, revoke and introspect endpoints. Sign-in failures are counted by django-axes
(settings.AXES_*), with the same client address.

While Redis is unavailable each server process counts in its own memory (the "local"
cache), so a limit then holds per process: N processes let up to N times the limit through.
"""

import hashlib
import ipaddress
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.http import HttpRequest

from labshare import metrics

PERIODS = {"second": 1, "minute": 60, "hour": 3600}
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


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


def parse_address(text: str) -> IPAddress | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def is_trusted_proxy(address: IPAddress) -> bool:
    return any(address in network for network in settings.LABSHARE_TRUSTED_PROXIES)


def client_address(request: HttpRequest) -> str:
    """The address a request is counted under: the peer, or behind trusted proxies the client.

    X-Forwarded-For is read only when the peer (REMOTE_ADDR) is a trusted proxy, and then
    from the right: each trusted proxy appends the address it was connected from, so the
    right-most hop that is not a trusted proxy is the client; anything left of it is the
    client's to invent. An IPv6 client is counted by its /64, which one host usually holds.
    """
    peer = parse_address(request.META.get("REMOTE_ADDR", ""))
    if peer is None:
        return ""
    client = peer
    if is_trusted_proxy(peer):
        hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        for hop in reversed(hops):
            address = parse_address(hop)
            if address is None:
                break  # not written by a proxy: stop at the last hop a trusted proxy vouched for
            client = address
            if not is_trusted_proxy(address):
                break
    if isinstance(client, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((client, 64), strict=False).network_address)
    return str(client)


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
    metrics.count_rate_limit_refusal(bucket)
    return max(1, math.ceil((window + 1) * limit.period - now))
