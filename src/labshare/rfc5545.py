"""Bookings as an iCalendar feed (RFC 5545), with nothing but the standard library: the
toolkit's `export ics`, the server's e-mails and the subscribable calendar feeds all write
with it.

Times are written in UTC (`...Z`); UIDs are `booking-<id>@<domain>`, stable across
feeds, so calendar programs update events instead of duplicating them.

A booking is a dict: `id`, `start_time`, `end_time`, `status`, `booking_type`,
`equipment_name`, `requester_name`, `note`, `synced_at` (the DTSTAMP), and optionally
`summary` and `description` (replacing the ones written from the rest; a description of
None writes none), `sequence`, `created`, `last_modified` and `location`.
"""

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

STATUS = {
    "Booked": "CONFIRMED",
    "Completed": "CONFIRMED",
    "Requested": "TENTATIVE",
    "Cancelled": "CANCELLED",
    "Declined": "CANCELLED",
}


# RFC 5545 §3.3.11: TEXT holds no control characters but HTAB; line breaks are written as \n.
LINE_BREAK = re.compile(r"\r\n?|\n")
CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def escape_text(value: str) -> str:
    """RFC 5545 §3.3.11 TEXT escaping: CRLF, CR and LF become \\n, other controls but
    HTAB are dropped."""
    escaped = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return CONTROL.sub("", LINE_BREAK.sub("\\\\n", escaped))


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


# RFC 5545 §3.3.8: an INTEGER is a signed 32-bit number.
MAX_INTEGER = 2**31 - 1


def sequence(created_at: datetime, updated_at: datetime) -> int:
    """A booking's SEQUENCE: the whole seconds from its creation to its last change. Every
    change sets `updated_at` to the time of the change, so the number grows with each change
    made a second or more after the one before (changes within one second share it, and
    their LAST-MODIFIED too). Capped at the largest INTEGER, 68 years on."""
    return max(0, min(MAX_INTEGER, int((updated_at - created_at).total_seconds())))


def _event(booking: dict[str, Any], uid_domain: str, stamp: datetime) -> list[str]:
    summary = booking.get("summary") or (
        f"{booking['equipment_name'] or 'Equipment'}: {booking['requester_name'] or booking['status']}"
    )
    if "description" in booking:
        description = booking["description"]
    else:
        description = f"Booking {booking['id']}, {booking['status']}, {booking['booking_type']}"
        if booking.get("note"):
            description += f"\n{booking['note']}"
    lines = [
        "BEGIN:VEVENT",
        f"UID:booking-{booking['id']}@{uid_domain}",
        f"DTSTAMP:{utc(booking.get('synced_at') or stamp)}",
        f"DTSTART:{utc(booking['start_time'])}",
        f"DTEND:{utc(booking['end_time'])}",
    ]
    if booking.get("sequence") is not None:
        lines.append(f"SEQUENCE:{booking['sequence']}")
    if booking.get("created"):
        lines.append(f"CREATED:{utc(booking['created'])}")
    if booking.get("last_modified"):
        lines.append(f"LAST-MODIFIED:{utc(booking['last_modified'])}")
    lines.append(f"SUMMARY:{escape_text(summary)}")
    if description:
        lines.append(f"DESCRIPTION:{escape_text(description)}")
    if booking.get("location"):
        lines.append(f"LOCATION:{escape_text(booking['location'])}")
    lines += [
        f"STATUS:{STATUS.get(booking['status'], 'TENTATIVE')}",
        f"CATEGORIES:{escape_text(booking['booking_type'] or 'booking')}",
        "END:VEVENT",
    ]
    return lines


def calendar(
    name: str,
    bookings: Iterable[dict[str, Any]],
    uid_domain: str,
    stamp: datetime,
    *,
    product: str = "labshare export ics",
    refresh: timedelta | None = None,
) -> bytes:
    """The calendar of `bookings`; `refresh` tells subscribed calendars how often to poll
    (RFC 7986 REFRESH-INTERVAL, and X-PUBLISHED-TTL, which Outlook reads)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//Labshare//{product}//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    if refresh is not None:
        interval = f"PT{int(refresh.total_seconds() // 60)}M"  # an RFC 5545 §3.3.6 DURATION
        lines += [f"REFRESH-INTERVAL;VALUE=DURATION:{interval}", f"X-PUBLISHED-TTL:{interval}"]
    for booking in bookings:
        lines += _event(booking, uid_domain, stamp)
    lines.append("END:VCALENDAR")
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode("utf-8")
