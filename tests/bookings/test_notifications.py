"""Booking e-mail through a real SMTP server (aiosmtpd) on a free port: who is told of what,
with the booking as an iCalendar event, and only once the change has committed."""

from datetime import UTC
from email.message import Message

from labshare.bookings.services import (
    approve_booking,
    cancel_booking,
    decline_booking,
    preview_booking,
    request_booking,
)
from tests.bookings.fixtures import slot


def calendar_of(message: Message) -> str:
    parts = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    return parts[0].get_payload(decode=True).decode()


def test_requester_and_administrators_hear_of_a_request_and_its_approval(
    inbox, microscope, bob, alice, django_capture_on_commit_callbacks
):
    start, end = slot()
    with django_capture_on_commit_callbacks(execute=True):
        booking = request_booking(equipment=microscope, start=start, end=end, requester=bob, note="Hi")
    ((recipients, message),) = inbox.messages
    assert recipients == sorted([bob.email, alice.email])
    assert message["Subject"].startswith("Booking requested: Confocal microscope")
    ics = calendar_of(message)
    assert f"UID:booking-{booking.pk}@" in ics and "STATUS:TENTATIVE" in ics
    assert f"DTSTART:{start.astimezone(UTC):%Y%m%dT%H%M%SZ}" in ics

    with django_capture_on_commit_callbacks(execute=True):
        approve_booking(booking=booking, by=alice, note="See you")
    recipients, message = inbox.messages[-1]
    assert message["Subject"].startswith("Booking confirmed") and "STATUS:CONFIRMED" in calendar_of(message)
    assert "See you" in message.get_payload(0).get_payload(decode=True).decode()


def test_declines_and_cancellations_are_told(
    inbox, microscope, bob, alice, django_capture_on_commit_callbacks
):
    first = request_booking(equipment=microscope, start=slot(days=3)[0], end=slot(days=3)[1], requester=bob)
    second = request_booking(equipment=microscope, start=slot(days=4)[0], end=slot(days=4)[1], requester=bob)
    with django_capture_on_commit_callbacks(execute=True):
        decline_booking(booking=first, by=alice)
        cancel_booking(booking=second, by=bob, reason="Plans changed")
    subjects = [message["Subject"].split(":")[0] for _, message in inbox.messages]
    assert subjects == ["Booking declined", "Booking cancelled"]
    assert all("STATUS:CANCELLED" in calendar_of(message) for _, message in inbox.messages)


def test_nothing_is_sent_for_what_was_rolled_back(inbox, microscope, bob, django_capture_on_commit_callbacks):
    start, end = slot()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        preview = preview_booking(equipment=microscope, start=start, end=end, requester=bob)
    assert preview.cost > 0 and preview.pk is None
    assert callbacks == [] and inbox.messages == []
