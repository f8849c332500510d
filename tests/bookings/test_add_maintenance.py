"""add_maintenance: a lab administrator blocks an instrument's family, free of charge."""

import pytest

from labshare.bookings.models import BookingStatus, BookingType
from labshare.bookings.services import NotAllowed, SlotTaken, add_maintenance, request_booking
from tests.bookings.conftest import slot


def test_an_administrator_adds_a_free_booked_slot(microscope, alice):
    start, end = slot(hours=4)
    booking = add_maintenance(equipment=microscope, start=start, end=end, by=alice, note="Laser alignment")
    assert (booking.status, booking.booking_type, booking.cost) == (
        BookingStatus.BOOKED,
        BookingType.MAINTENANCE,
        0,
    )
    assert booking.requester == alice and booking.requester_lab == microscope.lab
    assert booking.notes.get().message == "Laser alignment"


def test_a_member_may_not(microscope, dana):
    with pytest.raises(NotAllowed):
        add_maintenance(equipment=microscope, start=slot()[0], end=slot()[1], by=dana)


def test_maintenance_of_the_parent_blocks_its_child_assets(microscope, stage, alice, dana):
    start, end = slot(hours=4)
    add_maintenance(equipment=microscope, start=start, end=end, by=alice)
    with pytest.raises(SlotTaken):
        request_booking(equipment=stage, start=start, end=end, requester=dana)
