"""What `labshare worker` does for webhooks, again and again: fan every enabled endpoint's new
changes out into deliveries, then send the due deliveries, a batch at a time, side by side
(each attempt ends by the timeout, so a slow receiver holds back no other).

At least once: a delivery is recorded as delivered only after a 2xx answer; a worker killed
while sending leaves its lease to expire, and another worker sends it again."""

from django.utils import timezone

from labshare.webhooks import signing
from labshare.webhooks.models import Delivery, Endpoint
from labshare.webhooks.services import claim_due, fan_out, record_attempts, still_readable
from labshare.webhooks.transport import post_all

BATCH = 16


def headers_for(delivery: Delivery) -> dict[str, str]:
    """Standard Webhooks headers, signed now, with the previous secret too while it overlaps."""
    endpoint: Endpoint = delivery.endpoint
    timestamp = int(timezone.now().timestamp())
    salts = [endpoint.secret_salt]
    if (
        endpoint.previous_secret_salt
        and endpoint.previous_secret_until
        and endpoint.previous_secret_until > timezone.now()
    ):
        salts.append(endpoint.previous_secret_salt)
    return {
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signing.signature(salts, delivery.message_id, timestamp, delivery.body),
    }


def fan_out_all() -> int:
    fanned = 0
    for endpoint_id in Endpoint.objects.filter(enabled=True).order_by("pk").values_list("pk", flat=True):
        while True:
            count = fan_out(endpoint_id=endpoint_id)
            fanned += count
            if count == 0:
                break
    return fanned


def deliver_due() -> int:
    """Send one batch of due deliveries; answers how many were attempted."""
    token, claimed = claim_due(limit=BATCH)
    batch = still_readable(claimed)
    if batch:
        answers = post_all([(d.endpoint.url, d.body.encode(), headers_for(d)) for d in batch])
        record_attempts(lease_token=token, attempts=list(zip(batch, answers, strict=True)))
    return len(claimed)


def run() -> int:
    """One round: answers how many deliveries were attempted (the worker runs again at once if any)."""
    fan_out_all()
    return deliver_due()
