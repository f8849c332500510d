"""`labshare export ics`: bookings as an iCalendar feed (RFC 5545) per equipment or per lab.

Times are written in UTC (`...Z`); UIDs are `booking-<id>@<api host>`, stable across
exports, so calendar programs update events instead of duplicating them.
"""

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from labshare.client.errors import LocalDataError

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


QUERY = """
SELECT b.id, timezone('UTC', b.start_time) AS start_time, timezone('UTC', b.end_time) AS end_time,
       b.status, b.booking_type, timezone('UTC', b._synced_at) AS synced_at,
       coalesce(b.equipment->>'name', e.name) AS equipment_name,
       b.requester->>'name' AS requester_name, b.last_public_note->>'message' AS note
FROM bookings b LEFT JOIN equipment e ON e.id = b.equipment_id
WHERE {where}
ORDER BY b.start_time, b.id
"""


def export_ics(
    db_path: Path,
    out: Path,
    equipment_id: int | None = None,
    lab_id: int | None = None,
    uid_domain: str | None = None,
) -> int:
    """Write the feed for one equipment or one provider lab; return the number of events."""
    if (equipment_id is None) == (lab_id is None):
        raise ValueError("Give exactly one of --equipment or --lab.")
    db = duckdb.connect(str(db_path), read_only=True)
    try:
        db.execute("SET TimeZone = 'UTC'")
        if equipment_id is not None:
            where, value = "b.equipment_id = ? OR e.parent_id = ?", [equipment_id, equipment_id]
            name_row = db.execute("SELECT name FROM equipment WHERE id = ?", [equipment_id]).fetchone()
        else:
            where = "coalesce(TRY_CAST(b.provider_lab->>'id' AS BIGINT), e.lab_id) = ?"
            value = [lab_id]
            name_row = db.execute("SELECT name FROM accounts WHERE id = ?", [lab_id]).fetchone()
        cursor = db.execute(QUERY.format(where=where), value)
        columns = [column[0] for column in cursor.description]
        bookings = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        domain = uid_domain or _api_host(db)
    finally:
        db.close()
    if name_row is None and not bookings:
        kind, table = ("Equipment", "equipment") if equipment_id is not None else ("Lab", "accounts")
        raise LocalDataError(
            f"{kind} {equipment_id or lab_id} is not in the pulled data at {db_path}.",
            f"Check the id (the {table} table lists them), or pull again.",
        )
    name = (
        name_row[0]
        if name_row
        else f"{'Equipment' if equipment_id is not None else 'Lab'} {equipment_id or lab_id}"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(calendar(f"{name} bookings", bookings, domain, datetime.now(UTC)))
    return len(bookings)


def _api_host(db: duckdb.DuckDBPyConnection) -> str:
    row = db.execute("SELECT value FROM _pull_info WHERE key = 'api_host'").fetchone()
    return row[0] if row and row[0] else "labshare"
