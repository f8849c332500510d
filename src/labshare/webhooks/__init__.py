"""Signed webhooks: an application's endpoints, fed from the record of changes, delivered by
`labshare worker` (services.py, delivery.py)."""


def metrics_snapshot() -> dict[str, int]:
    """The delivery queue's depth: deliveries waiting to be delivered or retried."""
    from labshare.webhooks.models import Delivery, Status

    return {"pending_deliveries": Delivery.objects.filter(status=Status.PENDING).count()}
