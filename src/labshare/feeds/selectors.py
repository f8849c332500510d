"""The bookings a feed shows, and the one query its ETag and Last-Modified come from."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from hashlib import sha256

from django.conf import settings
from django.db import connections
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from labshare.bookings.models import ACTIVE_STATUSES, Booking, BookingNote, BookingStatus
from labshare.feeds.access import View
from labshare.feeds.models import CalendarFeed, FeedKind
from labshare.rfc5545 import sequence

SHOWN_STATUSES = (*ACTIVE_STATUSES, BookingStatus.COMPLETED)
CANCELLED_STATUSES = (BookingStatus.CANCELLED, BookingStatus.DECLINED)
# Part of every ETag: a change to what a feed writes must not match copies written before it.
FORMAT = "2"


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


# Every field an event is written from, as it is, so that a rename or a queryset update()
# that sets no updated_at changes the ETag too (keep in step with `_event`). The two changes
# come first, for Last-Modified.
BUSY_COLUMNS = (
    "updated_at",
    "equipment__updated_at",
    "id",
    "start_time",
    "end_time",
    "status",
    "created_at",
    "equipment__room",
    "equipment__city",
)
VERSION_COLUMNS = {
    View.BUSY: BUSY_COLUMNS,
    View.FULL: (
        *BUSY_COLUMNS,
        "booking_type",
        "equipment__name",
        "requester__first_name",
        "requester__last_name",
        "requester__email",
        "note",
    ),
}


def feed_state(feed: CalendarFeed, view: View, window: Window) -> FeedState:
    """The ETag, a hash of everything the feed is written from (the events' rows, so that a
    deletion, a booking leaving the window or a rename changes it too), and Last-Modified,
    the newest change of a booking or its equipment, which cannot see deletions or renames."""
    rows = _database_rows(_shown(feed_bookings(feed, window), view).values_list(*VERSION_COLUMNS[view]))
    parts = [
        FORMAT,
        feed.pk,
        feed.generation,
        view,
        feed_title(feed),
        settings.LABSHARE_ICS_DOMAIN,
        settings.LABSHARE_FEEDS_REFRESH_MINUTES,
        rows,
    ]
    etag = sha256(repr(parts).encode()).hexdigest()[:32]
    changes = [
        _aware(moment)
        for booking_changed, equipment_changed, *_ in rows
        for moment in (booking_changed, equipment_changed)
    ]
    return FeedState(etag=etag, last_modified=max([window.today, *changes]))


def _database_rows(query: QuerySet) -> list[tuple]:
    """The query's rows as the database driver gives them: a hash needs no more, and Django's
    conversion of every value would cost most of a poll (50 ms for 600 events on SQLite)."""
    sql, params = query.query.sql_with_params()
    with connections[query.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _aware(moment: datetime) -> datetime:
    # SQLite's driver gives UTC times without their zone.
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=UTC)


def feed_title(feed: CalendarFeed) -> str:
    if feed.kind == FeedKind.EQUIPMENT:
        return f"{feed.equipment.name} bookings"
    if feed.kind == FeedKind.LAB:
        return f"{feed.lab.name} bookings"
    return f"Bookings of {feed.user}"


def events(feed: CalendarFeed, view: View, window: Window) -> list[dict]:
    """The feed's bookings in start order, at most LABSHARE_FEEDS_MAX_EVENTS, as the writer's
    dicts (rfc5545.py)."""
    bookings = _shown(feed_bookings(feed, window).select_related("equipment", "requester"), view)
    return [_event(booking, view) for booking in bookings]


def _shown(bookings: QuerySet[Booking], view: View) -> QuerySet[Booking]:
    """The bookings the feed writes, in its order, with the latest public note where it shows one."""
    bookings = bookings.order_by("start_time", "id")[: settings.LABSHARE_FEEDS_MAX_EVENTS]
    if view == View.FULL:
        latest_public_note = BookingNote.objects.filter(booking=OuterRef("pk"), is_public=True).order_by(
            "-created_at", "-id"
        )
        bookings = bookings.annotate(note=Subquery(latest_public_note.values("message")[:1]))
    return bookings


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
