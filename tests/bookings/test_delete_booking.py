"""delete_booking: the provider lab's administrators only, with the booking's notes."""

import pytest

from labshare.bookings.models import Booking, BookingNote
from labshare.bookings.services import NotAllowed, delete_booking, request_booking
from tests.bookings.fixtures import slot


@pytest.fixture
def booking(microscope, bob):
    start, end = slot()
    return request_booking(equipment=microscope, start=start, end=end, requester=bob, note="Please")


def test_an_administrator_of_the_providing_lab_deletes_it(booking, alice):
    delete_booking(booking=booking, by=alice)
    assert not Booking.objects.filter(pk=booking.pk).exists()
    assert not BookingNote.objects.filter(booking_id=booking.pk).exists()


def test_nobody_else_may(booking, bob, dana):
    for somebody in (bob, dana):
        with pytest.raises(NotAllowed):
            delete_booking(booking=booking, by=somebody)
    assert Booking.objects.filter(pk=booking.pk).exists()
