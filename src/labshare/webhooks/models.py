"""Webhook endpoints and their deliveries: the record of changes is the outbox, each endpoint
holds its position in it, and each change it is to receive becomes one Delivery row."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Endpoint(models.Model):
    """A URL an application's owner registered to receive its labs' changes."""

    application = models.ForeignKey(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(max_length=2000)
    event_types = models.CharField(max_length=200, help_text="Space-separated change types.")
    enabled = models.BooleanField(default=True)
    # The signing key is an HMAC of SECRET_KEY and this salt (signing.py): never stored itself.
    secret_salt = models.CharField(max_length=64)
    # While a rotation overlaps, deliveries are signed with the previous key too.
    previous_secret_salt = models.CharField(max_length=64, blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    # The position in the record of changes (labshare.changes.feed) fanned out through.
    cursor = models.CharField(max_length=200)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.url

    @property
    def type_list(self) -> list[str]:
        return self.event_types.split()


class Status(models.TextChoices):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    # Not sent: by the time it was due, the application could no longer read its record.
    WITHDRAWN = "withdrawn"


class Kind(models.TextChoices):
    CHANGE = "change"
    REPLAY = "replay"
    PING = "ping"


class Delivery(models.Model):
    """One message to one endpoint, with its attempts so far. Deliveries of one record
    (`record_key`) go in id order: one waits until the one before it is no longer pending."""

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.CHANGE)
    message_id = models.CharField(max_length=64)  # webhook-id: the same on every attempt and replay
    event_type = models.CharField(max_length=32)
    record_id = models.BigIntegerField(null=True)
    action = models.CharField(max_length=16)
    record_key = models.CharField(max_length=64)
    body = models.TextField()  # the JSON sent, exactly
    occurred_at = models.DateTimeField()  # when the change was written: latency is counted from it
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # A worker holds a delivery it is sending until this time; one killed lets it go by expiring.
    leased_until = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)
    response_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.FloatField(null=True, blank=True)  # the last attempt's request
    delivered_at = models.DateTimeField(null=True, blank=True)
    latency_ms = models.FloatField(null=True, blank=True)  # from occurred_at to the answer
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
            models.Index(fields=["endpoint", "record_key", "id"], name="delivery_record_order"),
            models.Index(fields=["endpoint", "-id"], name="delivery_log"),
            models.Index(fields=["created_at"], name="delivery_created"),  # pruning
        ]

    def __str__(self) -> str:
        return f"{self.message_id} to {self.endpoint_id}"
