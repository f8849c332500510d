"""The one write of the record of changes itself: pruning what is past the retention."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from labshare.changes.feed import horizon
from labshare.changes.models import PrunedThrough

# The last change older than the cutoff, among those every reader may read: the feed is cut
# in its own order, so that what remains is everything after one position.
LAST_EXPIRED = """
SELECT txid, id FROM changes_change
WHERE occurred_at < %s AND (txid, id) <= (%s, %s)
ORDER BY txid DESC, id DESC
LIMIT 1
"""
DELETE_THROUGH = "DELETE FROM changes_change WHERE (txid, id) <= (%s, %s)"


@transaction.atomic
def prune_changes(*, now: datetime | None = None) -> int:
    """Delete the changes older than LABSHARE_CHANGES_RETENTION_DAYS and remember where the
    record now starts, so that a cursor from before it answers 410. Returns how many."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.CHANGES_RETENTION_DAYS)
    bound = horizon()
    with connection.cursor() as cursor:
        cursor.execute(LAST_EXPIRED, [cutoff, bound.txid, bound.id])
        last = cursor.fetchone()
        if last is None:
            return 0
        cursor.execute(DELETE_THROUGH, list(last))
        deleted = cursor.rowcount
    PrunedThrough.objects.update_or_create(
        pk=1, defaults={"txid": last[0], "change_id": last[1], "pruned_at": timezone.now()}
    )
    return deleted
