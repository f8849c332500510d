"""Prometheus metrics (README: Health, metrics and logs), with prometheus_client.

Off unless LABSHARE_METRICS_TOKEN is set; then every request is counted by route name (the
URL pattern's name, never the raw path, so label values stay few), method and status, with
its latency. `labshare serve` with several workers sets PROMETHEUS_MULTIPROC_DIR, so that
each worker process writes its values to files there and a scrape of any one adds them all.
Other parts count through the functions below; what only the database knows at scrape time
(a queue's depth) is a gauge whose value a callback gives: `register_gauge_callback`.
"""

import logging
import os
from collections.abc import Callable, Iterator

from django.conf import settings
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY, Collector

MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
logger = logging.getLogger("labshare.metrics")

REQUESTS = Counter(
    "labshare_http_requests",
    "HTTP requests answered, by route name, method and status",
    ["route", "method", "status"],
)
REQUEST_SECONDS = Histogram(
    "labshare_http_request_duration_seconds",
    "Time from the request reaching Labshare to its answer, by route name and method",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
DATABASE_ERRORS = Counter("labshare_database_errors", "Requests that failed on the database (answered 503)")
CACHE_ERRORS = Counter("labshare_cache_errors", "Cache (Redis) calls that failed and counted as misses")
RATE_LIMIT_REFUSALS = Counter(
    "labshare_rate_limit_refusals", "Requests refused by a rate limit (429), by limit", ["limit"]
)

_gauge_callbacks: dict[str, tuple[str, Callable[[], float]]] = {}
# Each (route, method, status)'s counter and histogram, found once: labels() checks and locks.
_request_series: dict[tuple[str, str, int], tuple] = {}


def enabled() -> bool:
    return bool(settings.LABSHARE_METRICS_TOKEN)


def count_request(route: str, method: str, status: int, seconds: float) -> None:
    method = method if method in METHODS else "other"  # any word is a method: keep the set bounded
    series = _request_series.get((route, method, status))
    if series is None:
        series = REQUESTS.labels(route, method, str(status)), REQUEST_SECONDS.labels(route, method)
        _request_series[(route, method, status)] = series
    series[0].inc()
    series[1].observe(seconds)


def count_database_error() -> None:
    if enabled():
        DATABASE_ERRORS.inc()


def count_cache_error() -> None:
    if enabled():
        CACHE_ERRORS.inc()


def count_rate_limit_refusal(limit: str) -> None:
    if enabled():
        RATE_LIMIT_REFUSALS.labels(limit).inc()


def register_gauge_callback(name: str, documentation: str, value: Callable[[], float]) -> None:
    """A gauge read at every scrape, in the process that answers it, so that it needs no worker
    process of its own: e.g. the webhook deliveries due and not yet made, counted in the database
    (`labshare_webhook_queue_depth`), or the age of the oldest of them
    (`labshare_webhook_delivery_lag_seconds`). Registering a name again replaces it."""
    _gauge_callbacks[name] = (documentation, value)


def unregister_gauge_callback(name: str) -> None:
    _gauge_callbacks.pop(name, None)


class GaugeCallbacks(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        for name, (documentation, value) in list(_gauge_callbacks.items()):
            try:
                current = float(value())
            except Exception:  # one broken gauge must not take the others down
                logger.warning("The gauge %s could not be read", name, exc_info=True)
                continue
            yield GaugeMetricFamily(name, documentation, value=current)


REGISTRY.register(GaugeCallbacks())


def exposition() -> bytes:
    """Every metric in Prometheus's text format: of all the server's worker processes when
    PROMETHEUS_MULTIPROC_DIR is set, else of this process."""
    if not os.environ.get(MULTIPROCESS_DIR_VARIABLE):
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    registry.register(GaugeCallbacks())
    return generate_latest(registry)
