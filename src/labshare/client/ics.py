"""`labshare export ics`: bookings as an iCalendar feed (RFC 5545) per equipment or per lab,
from a pulled DuckDB file (`rfc5545` writes the feed)."""

from datetime import UTC, datetime
from pathlib import Path

import duckdb

from labshare.client.errors import LocalDataError
from labshare.rfc5545 import calendar

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
