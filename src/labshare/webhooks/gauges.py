"""The worker's gauges, counted in the database when /metrics is scraped, so that any server
process answers them and the worker needs no metrics port of its own."""

from collections.abc import Callable
from statistics import median

from django.utils import timezone

from labshare.webhooks.models import Delivery, Status

LATEST = 100  # deliveries the latency gauge looks back over
PREFIX = "labshare_webhook_"


def queue_depth() -> float:
    return Delivery.objects.filter(status=Status.PENDING).count()


def oldest_pending_seconds() -> float:
    oldest = Delivery.objects.filter(status=Status.PENDING).order_by("id").values_list("occurred_at").first()
    return 0.0 if oldest is None else max(0.0, (timezone.now() - oldest[0]).total_seconds())


def delivery_latency_seconds() -> float:
    latencies = Delivery.objects.filter(status=Status.DELIVERED, latency_ms__isnull=False).order_by("-id")
    latest = list(latencies.values_list("latency_ms", flat=True)[:LATEST])
    return median(latest) / 1000 if latest else 0.0


# Prometheus name: (help, read); metrics_snapshot() names them without PREFIX.
GAUGES: dict[str, tuple[str, Callable[[], float]]] = {
    "labshare_webhook_queue_depth": ("Webhook deliveries waiting to be sent or retried", queue_depth),
    "labshare_webhook_oldest_pending_seconds": (
        "Age of the oldest webhook delivery waiting, from the change's commit",
        oldest_pending_seconds,
    ),
    "labshare_webhook_delivery_latency_seconds": (
        f"Median time from a change's commit to its receipt, over the latest {LATEST} deliveries",
        delivery_latency_seconds,
    ),
}


def register() -> None:
    from labshare import metrics

    for name, (documentation, read) in GAUGES.items():
        metrics.register_gauge_callback(name, documentation, read)
