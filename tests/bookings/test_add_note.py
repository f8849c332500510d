"""add_note: public notes by the requester or the lab's administrators, private ones by administrators."""

import pytest

from labshare.bookings.services import InvalidBooking, NotAllowed, add_note, request_booking
from tests.bookings.conftest import slot


@pytest.fixture
def booking(microscope, bob):
    start, end = slot()
    return request_booking(equipment=microscope, start=start, end=end, requester=bob)


def test_the_requester_adds_a_public_note_and_the_booking_changes(booking, bob):
    before = booking.updated_at
    note = add_note(booking=booking, by=bob, message="Bringing 4 samples", public=True)
    booking.refresh_from_db()
    assert note.is_public and note.author == bob and booking.updated_at > before


def test_only_administrators_add_private_notes(booking, bob, alice):
    with pytest.raises(NotAllowed):
        add_note(booking=booking, by=bob, message="psst", public=False)
    assert not add_note(booking=booking, by=alice, message="Slow payer", public=False).is_public


def test_others_add_no_notes(booking, dana):
    with pytest.raises(NotAllowed):
        add_note(booking=booking, by=dana, message="hello", public=True)


def test_an_empty_note_is_refused(booking, bob):
    with pytest.raises(InvalidBooking) as refused:
        add_note(booking=booking, by=bob, message="  ", public=True)
    assert refused.value.field == "message"
