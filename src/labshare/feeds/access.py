"""Who may read which feed, and how much of it: access follows membership, on every poll."""

from enum import StrEnum

from labshare.bookings import rules
from labshare.feeds.models import CalendarFeed, FeedKind


class View(StrEnum):
    FULL = "full"  # names, types and public notes
    BUSY = "busy"  # times only: "Busy"


def feed_view(feed: CalendarFeed) -> View | None:
    """What the feed's user may see in it now, or None when it must not answer at all.

    A user feed: its user, while active. A lab feed: the lab's members. An equipment feed:
    anyone who may see the equipment's page; in full for the lab's members, busy time only
    for everyone else."""
    user = feed.user
    if not user.is_active:
        return None
    if feed.kind == FeedKind.USER:
        return View.FULL
    if feed.kind == FeedKind.LAB:
        return View.FULL if rules.is_member(user, feed.lab_id) else None
    if rules.is_member(user, feed.equipment.lab_id):
        return View.FULL
    if rules.bookable_equipment(user).filter(pk=feed.equipment_id).exists():
        return View.BUSY
    return None
