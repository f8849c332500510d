"""The bookings a feed shows, and the one cheap aggregate its ETag and Last-Modified come from."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from hashlib import sha256

from django.conf import settings
from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery

from labshare.bookings.models import ACTIVE_STATUSES, Booking, BookingNote, BookingStatus
from labshare.feeds.access import View
from labshare.feeds.models import CalendarFeed, FeedKind
from labshare.rfc5545 import sequence

SHOWN_STATUSES = (*ACTIVE_STATUSES, BookingStatus.COMPLETED)
CANCELLED_STATUSES = (BookingStatus.CANCELLED, BookingStatus.DECLINED)
# Part of every ETag: a change to what a feed writes must not match copies written before it.
FORMAT = "1"


@dataclass(frozen=True)
class Window:
    """The feed's span, whole UTC days so that it moves once a day: bookings that end after
    `start` and start before `end`; cancelled and declined ones while changed since
    `cancelled_since`, so that calendars remove them."""

    today: datetime
    start: datetime
    end: datetime
    cancelled_since: datetime

    @classmethod
    def around(cls, now: datetime) -> "Window":
        today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        return cls(
            today=today,
            start=today - timedelta(days=settings.LABSHARE_FEEDS_PAST_DAYS),
            end=today + timedelta(days=settings.LABSHARE_FEEDS_FUTURE_DAYS + 1),
            cancelled_since=today - timedelta(days=settings.LABSHARE_FEEDS_CANCELLED_DAYS),
        )


def feed_bookings(feed: CalendarFeed, window: Window) -> QuerySet[Booking]:
    if feed.kind == FeedKind.EQUIPMENT:
        # The family the equipment page shows: a booking of its parent or child assets holds it too.
        bookings = Booking.objects.filter(root_equipment_id=feed.equipment.root_id)
    elif feed.kind == FeedKind.LAB:
        bookings = Booking.objects.filter(provider_lab_id=feed.lab_id)
    else:
        bookings = Booking.objects.filter(requester_id=feed.user_id)
    return bookings.filter(
        Q(status__in=SHOWN_STATUSES)
        | Q(status__in=CANCELLED_STATUSES, updated_at__gte=window.cancelled_since),
        end_time__gt=window.start,
        start_time__lt=window.end,
    )


@dataclass(frozen=True)
class FeedState:
    etag: str
    last_modified: datetime


def feed_state(feed: CalendarFeed, view: View, window: Window) -> FeedState:
    """One aggregate over the feed's bookings: their count and newest change, and the newest
    change of their equipment (its name and room are in the events)."""
    row = feed_bookings(feed, window).aggregate(
        count=Count("id"), booking_changed=Max("updated_at"), equipment_changed=Max("equipment__updated_at")
    )
    title = feed_title(feed)
    parts = [
        FORMAT,
        feed.pk,
        feed.generation,
        view,
        title,
        settings.LABSHARE_ICS_DOMAIN,
        settings.LABSHARE_FEEDS_MAX_EVENTS,
        window.start.isoformat(),
        window.cancelled_since.isoformat(),
        row["count"],
        row["booking_changed"] and row["booking_changed"].isoformat(),
        row["equipment_changed"] and row["equipment_changed"].isoformat(),
    ]
    etag = sha256(":".join(str(part) for part in parts).encode()).hexdigest()[:32]
    changes = [moment for moment in (row["booking_changed"], row["equipment_changed"]) if moment]
    return FeedState(etag=etag, last_modified=max([window.today, *changes]))


def feed_title(feed: CalendarFeed) -> str:
    if feed.kind == FeedKind.EQUIPMENT:
        return f"{feed.equipment.name} bookings"
    if feed.kind == FeedKind.LAB:
        return f"{feed.lab.name} bookings"
    return f"Bookings of {feed.user}"


def events(feed: CalendarFeed, view: View, window: Window) -> list[dict]:
    """The feed's bookings in start order, at most LABSHARE_FEEDS_MAX_EVENTS, as the writer's
    dicts (rfc5545.py)."""
    bookings = (
        feed_bookings(feed, window)
        .select_related("equipment", "requester")
        .order_by("start_time", "id")[: settings.LABSHARE_FEEDS_MAX_EVENTS]
    )
    if view == View.FULL:
        latest_public_note = BookingNote.objects.filter(booking=OuterRef("pk"), is_public=True).order_by(
            "-created_at", "-id"
        )
        bookings = bookings.annotate(note=Subquery(latest_public_note.values("message")[:1]))
    return [_event(booking, view) for booking in bookings]


def _event(booking: Booking, view: View) -> dict:
    event = {
        "id": booking.pk,
        "start_time": booking.start_time,
        "end_time": booking.end_time,
        "status": booking.status,
        "booking_type": booking.booking_type,
        "equipment_name": booking.equipment.name,
        "requester_name": booking.requester.name or booking.requester.email,
        "note": getattr(booking, "note", None),
        "synced_at": booking.updated_at,
        "sequence": sequence(booking.created_at, booking.updated_at),
        "created": booking.created_at,
        "last_modified": booking.updated_at,
        "location": booking.equipment.location,
    }
    if view == View.BUSY:
        event.update(summary="Busy", description=None, booking_type="booking", requester_name=None, note=None)
    return event
