"""Bookings as an iCalendar feed (RFC 5545), with nothing but the standard library: the
toolkit's `export ics` and the server's e-mails both write with it.

Times are written in UTC (`...Z`); UIDs are `booking-<id>@<domain>`, stable across
feeds, so calendar programs update events instead of duplicating them.
"""

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

STATUS = {
    "Booked": "CONFIRMED",
    "Completed": "CONFIRMED",
    "Requested": "TENTATIVE",
    "Cancelled": "CANCELLED",
    "Declined": "CANCELLED",
}


def escape_text(value: str) -> str:
    """RFC 5545 §3.3.11 TEXT escaping."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """RFC 5545 §3.1: lines of at most 75 octets, continued with CRLF and a space;
    never splitting a UTF-8 character."""
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line
    parts: list[str] = []
    limit = 75
    while encoded:
        cut = min(limit, len(encoded))
        while cut < len(encoded) and (encoded[cut] & 0xC0) == 0x80:  # a continuation byte
            cut -= 1
        parts.append(encoded[:cut].decode("utf-8"))
        encoded = encoded[cut:]
        limit = 74  # the leading space counts
    return "\r\n ".join(parts)


def utc(moment: datetime) -> str:
    """A UTC date-time; a naive one is taken as UTC already."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y%m%dT%H%M%SZ")


def calendar(name: str, bookings: Iterable[dict[str, Any]], uid_domain: str, stamp: datetime) -> bytes:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Labshare//labshare export ics//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    for booking in bookings:
        summary = (
            f"{booking['equipment_name'] or 'Equipment'}: {booking['requester_name'] or booking['status']}"
        )
        description = f"Booking {booking['id']}, {booking['status']}, {booking['booking_type']}"
        if booking.get("note"):
            description += f"\n{booking['note']}"
        lines += [
            "BEGIN:VEVENT",
            f"UID:booking-{booking['id']}@{uid_domain}",
            f"DTSTAMP:{utc(booking.get('synced_at') or stamp)}",
            f"DTSTART:{utc(booking['start_time'])}",
            f"DTEND:{utc(booking['end_time'])}",
            f"SUMMARY:{escape_text(summary)}",
            f"DESCRIPTION:{escape_text(description)}",
            f"STATUS:{STATUS.get(booking['status'], 'TENTATIVE')}",
            f"CATEGORIES:{escape_text(booking['booking_type'] or 'booking')}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode("utf-8")
