"""The record of changes: one row per create, update and delete of a record /v1 serves,
written by database triggers (migrations/0002) in the writing transaction."""

from django.db import models
from django.db.models.functions import Now


class Action(models.TextChoices):
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"


class Change(models.Model):
    """Read in `(txid, id)` order (labshare.changes.feed). `txid` is the writing transaction's
    id on PostgreSQL (`pg_current_xact_id()`), 0 on SQLite, which serialises writers."""

    id = models.BigAutoField(primary_key=True)
    txid = models.BigIntegerField()
    # The /v1 resource the record is served as (labshare.changes.recording.TYPES), or one of
    # the rows that decide what a token sees (`memberships`, `authorisations`).
    type = models.CharField(max_length=32)
    record_id = models.BigIntegerField()
    action = models.CharField(max_length=7, choices=Action.choices)
    # The lab whose tokens see the record after the change (before it, for a delete), and the
    # lab before an update that moved the record to another one.
    lab_id = models.BigIntegerField(null=True)
    old_lab_id = models.BigIntegerField(null=True)
    occurred_at = models.DateTimeField(db_default=Now())

    class Meta:
        indexes = [
            models.Index(fields=["txid", "id"], name="change_in_order"),
            models.Index(fields=["occurred_at"], name="change_occurred"),
            # The access changes alone, read for each page of the feed (feed.ACCESS_CHANGED_LABS).
            models.Index(
                fields=["txid", "id"],
                condition=models.Q(type__in=["memberships", "authorisations"]),
                name="change_access_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.record_id} {self.action}"


class PrunedThrough(models.Model):
    """The last position the retention job deleted (one row): a cursor at or before it
    has lost changes and is answered 410."""

    txid = models.BigIntegerField()
    change_id = models.BigIntegerField()
    pruned_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"pruned through {self.txid}.{self.change_id}"
