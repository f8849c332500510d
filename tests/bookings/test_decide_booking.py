"""approve_booking and decline_booking: the provider lab's administrators decide on requests."""

import pytest

from labshare.bookings.models import BookingStatus
from labshare.bookings.services import (
    InvalidBooking,
    NotAllowed,
    approve_booking,
    decline_booking,
    request_booking,
)
from tests.bookings.conftest import slot


@pytest.fixture
def requested(microscope, bob):
    start, end = slot()
    return request_booking(equipment=microscope, start=start, end=end, requester=bob)


def test_an_administrator_approves_with_a_public_note(requested, alice):
    before = requested.updated_at
    booking = approve_booking(booking=requested, by=alice, note="See you at 10.")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.BOOKED and booking.updated_at > before
    note = booking.notes.get()
    assert (note.message, note.is_public, note.author) == ("See you at 10.", True, alice)


def test_an_administrator_declines(requested, alice):
    decline_booking(booking=requested, by=alice, note="The laser is out.")
    requested.refresh_from_db()
    assert requested.status == BookingStatus.DECLINED


@pytest.mark.parametrize("decide", [approve_booking, decline_booking])
def test_nobody_else_decides(requested, bob, dana, decide):
    for user in (bob, dana):
        with pytest.raises(NotAllowed):
            decide(booking=requested, by=user)
    requested.refresh_from_db()
    assert requested.status == BookingStatus.REQUESTED


def test_only_a_requested_booking_is_decided(requested, alice):
    approve_booking(booking=requested, by=alice)
    with pytest.raises(InvalidBooking, match="Only a Requested booking"):
        decline_booking(booking=requested, by=alice)
    with pytest.raises(InvalidBooking):
        approve_booking(booking=requested, by=alice)
