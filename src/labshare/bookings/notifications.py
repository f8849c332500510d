"""E-mail about a booking to its requester and its provider lab's administrators, with the
booking as an iCalendar event, sent once the transaction that changed it has committed."""

import logging
from datetime import UTC, datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction

from labshare.accounts.models import Membership, Role
from labshare.rfc5545 import calendar, sequence

logger = logging.getLogger(__name__)

SUBJECTS = {
    "requested": "Booking requested",
    "booked": "Booking confirmed",
    "declined": "Booking declined",
    "cancelled": "Booking cancelled",
}


def recipients(booking) -> list[str]:
    administrators = Membership.objects.filter(lab_id=booking.provider_lab_id, role=Role.ADMINISTRATOR)
    emails = [booking.requester.email, *administrators.values_list("user__email", flat=True)]
    return sorted({email for email in emails if email})


def ics_event(booking) -> bytes:
    note = booking.notes.filter(is_public=True).order_by("-created_at", "-id").first()
    event = {
        "id": booking.pk,
        "equipment_name": booking.equipment.name,
        "requester_name": booking.requester.name or booking.requester.email,
        "status": booking.status,
        "booking_type": booking.booking_type,
        "start_time": booking.start_time,
        "end_time": booking.end_time,
        "synced_at": booking.updated_at,
        "note": note.message if note else None,
        # The calendar feeds' UID and SEQUENCE: the invitation and the subscribed event are one.
        "sequence": sequence(booking.created_at, booking.updated_at),
        "last_modified": booking.updated_at,
        "location": booking.equipment.location,
    }
    return calendar(
        f"{booking.equipment.name} booking", [event], settings.LABSHARE_ICS_DOMAIN, datetime.now(UTC)
    )


def message(booking, event: str) -> EmailMessage:
    zone = booking.provider_lab.zoneinfo
    start, end = booking.start_time.astimezone(zone), booking.end_time.astimezone(zone)
    subject = f"{SUBJECTS[event]}: {booking.equipment.name}, {start:%a %d %b %Y %H:%M}"
    lines = [
        f"{SUBJECTS[event]}: booking {booking.pk} of {booking.equipment.name} ({booking.provider_lab.name}).",
        f"From {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} ({zone.key}), for {booking.requester}.",
        f"Status: {booking.status}. Cost: {booking.cost} {booking.currency}.",
    ]
    note = booking.notes.filter(is_public=True).order_by("-created_at", "-id").first()
    if note:
        lines.append(f"Note: {note.message}")
    mail = EmailMessage(subject, "\n".join(lines) + "\n", to=recipients(booking))
    mail.attach(f"booking-{booking.pk}.ics", ics_event(booking), "text/calendar")
    return mail


def notify(booking, event: str) -> None:
    """Send the e-mail for `event` after the current transaction commits (never before)."""
    booking_id = booking.pk

    def send() -> None:
        from labshare.bookings.models import Booking

        current = Booking.objects.select_related("equipment", "provider_lab", "requester").get(pk=booking_id)
        try:
            message(current, event).send()
        except OSError:  # the booking stands; a mail server that is down must not undo it
            logger.exception("could not send the %s e-mail of booking %s", event, booking_id)

    transaction.on_commit(send)
