"""complete_ended_bookings: Booked bookings that have ended become Completed, and the API sees it."""

from datetime import timedelta

from labshare.api.counts import data_version
from labshare.bookings.models import Booking, BookingStatus
from labshare.bookings.services import approve_booking, complete_ended_bookings, request_booking
from tests.bookings.conftest import slot


def test_it_completes_only_booked_bookings_that_have_ended(microscope, bob, dana, alice):
    early = request_booking(equipment=microscope, start=slot(days=2)[0], end=slot(days=2)[1], requester=bob)
    approve_booking(booking=early, by=alice)
    pending = request_booking(
        equipment=microscope, start=slot(days=3)[0], end=slot(days=3)[1], requester=dana
    )
    later = request_booking(equipment=microscope, start=slot(days=9)[0], end=slot(days=9)[1], requester=bob)
    approve_booking(booking=later, by=alice)
    version = data_version()

    assert complete_ended_bookings(now=pending.end_time + timedelta(minutes=1)) == 1
    statuses = dict(Booking.objects.values_list("pk", "status"))
    assert statuses == {
        early.pk: BookingStatus.COMPLETED,
        pending.pk: BookingStatus.REQUESTED,
        later.pk: BookingStatus.BOOKED,
    }
    assert data_version() != version
    assert complete_ended_bookings(now=pending.end_time + timedelta(minutes=1)) == 0
