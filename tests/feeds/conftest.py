"""Feeds of the booking workflow's people and equipment (tests/bookings/fixtures.py), and a
reader that parses each feed as calendar programs do."""

from datetime import timedelta

import icalendar
import pytest
import recurring_ical_events
from django.test import Client
from django.utils import timezone

from labshare.bookings.models import Booking
from labshare.bookings.services import request_booking
from labshare.feeds import services
from labshare.feeds.models import FeedKind
from labshare.feeds.tokens import feed_token
from tests.bookings.fixtures import slot
from tests.conftest import FAST_PASSWORD_HASHERS


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_PASSWORD_HASHERS


def feed_path(feed) -> str:
    return f"/feeds/{feed_token(feed)}.ics"


def parsed(body: bytes) -> icalendar.Calendar:
    """The feed parsed strictly, with its events expanded over the whole window."""
    calendar = icalendar.Calendar.from_ical(body)
    assert calendar["VERSION"] == "2.0"
    return calendar


def events_of(body: bytes) -> dict[str, icalendar.Event]:
    """The feed's events by UID, as recurring-ical-events lists them over two years."""
    now = timezone.now()
    occurrences = recurring_ical_events.of(parsed(body)).between(
        now - timedelta(days=400), now + timedelta(days=400)
    )
    return {str(event["UID"]): event for event in occurrences}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def an_hour_old(booking: Booking) -> Booking:
    """As if requested an hour ago: a change made now then comes a whole hour later."""
    earlier = timezone.now() - timedelta(hours=1)
    Booking.objects.filter(pk=booking.pk).update(created_at=earlier, requested_at=earlier, updated_at=earlier)
    booking.refresh_from_db()
    return booking


@pytest.fixture
def requested(microscope, bob) -> Booking:
    """Bob (external) asks for the microscope: Requested until Alice approves it."""
    start, end = slot(days=7)
    return an_hour_old(
        request_booking(equipment=microscope, start=start, end=end, requester=bob, note="Thin films")
    )


@pytest.fixture
def microscope_feed_of_dana(microscope, dana):
    return services.subscribe(user=dana, kind=FeedKind.EQUIPMENT, equipment=microscope)


@pytest.fixture
def microscope_feed_of_bob(microscope, bob):
    return services.subscribe(user=bob, kind=FeedKind.EQUIPMENT, equipment=microscope)


@pytest.fixture
def graphene_feed_of_dana(graphene_lab, dana):
    return services.subscribe(user=dana, kind=FeedKind.LAB, lab=graphene_lab)


@pytest.fixture
def bob_own_feed(bob):
    return services.subscribe(user=bob, kind=FeedKind.USER)
