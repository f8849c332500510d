"""cancel_booking: the requester before the start; the provider lab's administrators any time."""

from datetime import timedelta

import pytest
import time_machine

from labshare.bookings.models import BookingStatus
from labshare.bookings.services import InvalidBooking, NotAllowed, cancel_booking, request_booking
from tests.bookings.conftest import slot


@pytest.fixture
def booking(microscope, bob):
    start, end = slot()
    return request_booking(equipment=microscope, start=start, end=end, requester=bob)


def test_the_requester_cancels_before_the_start_with_a_reason(booking, bob):
    cancel_booking(booking=booking, by=bob, reason="Samples not ready")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert booking.notes.get().message == "Cancelled: Samples not ready"


def test_after_the_start_only_an_administrator_cancels(booking, bob, alice):
    with time_machine.travel(booking.start_time + timedelta(minutes=5)):
        with pytest.raises(NotAllowed, match="has started"):
            cancel_booking(booking=booking, by=bob)
        cancel_booking(booking=booking, by=alice, reason="Instrument fault")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def test_others_may_not_cancel(booking, dana):
    with pytest.raises(NotAllowed):
        cancel_booking(booking=booking, by=dana)


def test_a_cancelled_booking_is_not_cancelled_again(booking, bob):
    cancel_booking(booking=booking, by=bob)
    with pytest.raises(InvalidBooking):
        cancel_booking(booking=booking, by=bob)


def test_a_cancelled_slot_is_free_again(booking, bob, microscope, dana):
    cancel_booking(booking=booking, by=bob)
    again = request_booking(
        equipment=microscope, start=booking.start_time, end=booking.end_time, requester=dana
    )
    assert again.status == BookingStatus.REQUESTED
