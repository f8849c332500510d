"""List items rendered by PostgreSQL, field for field as api/shapes.py shapes them.

Shaping a page of 100 bookings in Python costs more than the statement that reads it: 400
time stamps loaded and formatted, 100 dicts built and serialised. On PostgreSQL the busiest
lists select each item as JSON text instead (`item`), which the view passes through
(`orjson.Fragment`); SQLite, and every detail, keep the Python shapes.
tests/api/test_rendered_items.py proves both give the same bytes.
"""

from collections.abc import Collection

from labshare.api.timestamps import zone_names


def string(expression: str) -> str:
    """A JSON string (escaped as orjson escapes it), or null."""
    return f"COALESCE(to_json({expression})::text, 'null')"


def integer(expression: str) -> str:
    return f"COALESCE(({expression})::text, 'null')"


def utc_time(expression: str) -> str:
    """As timestamps.utc_time: 2024-01-10T14:30:00.000Z (to_char truncates to milliseconds)."""
    text = f"""to_char({expression} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"""
    return f"""COALESCE('"' || {text} || '"', 'null')"""


def local_time(local: str, utc: str) -> str:
    """As timestamps.local_time, of a time stamp in the lab's zone and in UTC (`local_times`):
    2022-03-29T09:45:00.000+01:00, seconds in the offset only when it has some (as Python)."""
    offset = f"({local} - {utc})"
    size = f"(CASE WHEN {offset} < INTERVAL '0' THEN -{offset} ELSE {offset} END)"
    return (
        f"""'"' || to_char({local}, 'YYYY-MM-DD"T"HH24:MI:SS.MS')"""
        f" || CASE WHEN {offset} < INTERVAL '0' THEN '-' ELSE '+' END || to_char({size}, 'HH24:MI')"
        f" || CASE WHEN extract(second FROM {size}) = 0 THEN '' ELSE to_char({size}, ':SS') END || '\"'"
    )


def with_local_times(item: str, columns: list[str], zone_column: str) -> str:
    """`item`, a scalar subquery that reads each of `columns` in the lab's zone (`local_<name>`) and
    in UTC (`utc_<name>`), each converted once a row (OFFSET 0 keeps PostgreSQL from folding the
    conversions back into every use, and the zone's test with them)."""
    converted = ", ".join(
        f"{column} AT TIME ZONE zone.name AS local_{column.split('.')[-1]}, "
        f"{column} AT TIME ZONE 'UTC' AS utc_{column.split('.')[-1]}"
        for column in columns
    )
    zone_name = f"(SELECT {zone(zone_column)} AS name OFFSET 0) zone"
    return f"(SELECT {item} FROM (SELECT {converted} FROM {zone_name} OFFSET 0) times)"  # noqa: S608


def json_object(fields: list[tuple[str, str]]) -> str:
    """An object of `(key, JSON text expression)` pairs, in their order, without spaces."""
    parts = [f"""'{"{" if n == 0 else ","}"{key}":' || {value}""" for n, (key, value) in enumerate(fields)]
    return " || ".join(parts) + " || '}'"


def zone(column: str) -> str:
    """The lab's time zone as timestamps.zone reads it: a name outside its list, UTC. The names
    are written into the statement, which PostgreSQL tests with a hash table."""
    names = ", ".join("'" + name.replace("'", "''") + "'" for name in sorted(zone_names()))
    return f"CASE WHEN {column} IN ({names}) THEN {column} ELSE 'UTC' END"


KNOWN_ZONES = "SELECT name FROM pg_timezone_names"


def renders_every_zone(names: Collection[str]) -> bool:
    """Whether PostgreSQL, knowing the zones `names` (from KNOWN_ZONES), renders a lab's times
    as Python does: it must know every zone Python does, or a lab in one would be an error."""
    return zone_names() <= frozenset(names)


def change_times(alias: str) -> list[tuple[str, str]]:
    return [("created_at", utc_time(f"{alias}.created_at")), ("updated_at", utc_time(f"{alias}.updated_at"))]


def booking_item(note: str) -> str:
    """shapes.booking_item, of `b` with `e` (its equipment) and `lab` (its provider lab); `note`
    selects the last public note."""
    item = json_object(
        [
            ("id", integer("b.id")),
            ("start_time", local_time("times.local_start_time", "times.utc_start_time")),
            ("end_time", local_time("times.local_end_time", "times.utc_end_time")),
            ("status", string("b.status")),
            ("booking_type", string("b.booking_type")),
            ("equipment_id", integer("b.equipment_id")),
            ("user_id", integer("b.requester_id")),
            ("equipment", json_object([("name", string("e.name"))])),
            ("last_public_note", f"""COALESCE('{{"message":' || to_json({note})::text || '}}', 'null')"""),
            *change_times("b"),
        ]
    )
    return with_local_times(item, ["b.start_time", "b.end_time"], "lab.timezone")


def equipment_booking_item() -> str:
    """shapes.equipment_booking_item, of `b` with `lab` (its provider lab)."""
    item = json_object(
        [
            ("id", integer("b.id")),
            ("asset_id", integer("b.equipment_id")),
            ("start_time", local_time("times.local_start_time", "times.utc_start_time")),
            ("end_time", local_time("times.local_end_time", "times.utc_end_time")),
            ("status", string("b.status")),
            *change_times("b"),
        ]
    )
    return with_local_times(item, ["b.start_time", "b.end_time"], "lab.timezone")


def account_item() -> str:
    """shapes.account_item, of `a`."""
    return json_object(
        [
            ("id", integer("a.id")),
            ("name", string("a.name")),
            ("account_type", string("a.account_type")),
            ("organisation", integer("a.organisation_id")),
            ("department", integer("a.department_id")),
            *change_times("a"),
        ]
    )
