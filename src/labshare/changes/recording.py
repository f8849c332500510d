"""What the database records, as one table (RECORDINGS), and the triggers made from it for
SQLite and PostgreSQL alike (migrations/0002), so that every write path records its change in
its own transaction: the pages, the write API, the admin, the demo, a queryset update().

A row of a served record (a booking) records that record's creation, update or deletion; a
row that is part of another record's served shape (a booking's note, a project's funding
code, a group's equipment) records an update of that record. `memberships` and
`authorisations` are not served: they say when a lab entered or left what a token reads.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection

# The /v1 resources a change may be served as: the type names of /v1/changes.
TYPES = ("accounts", "bookings", "custom_form_responses", "equipment", "groups", "projects", "users")
# Each type is read with the scope of its resource's list (/v1/changes and webhooks alike).
SCOPE_OF_TYPE = {
    "accounts": "read_accounts",
    "groups": "read_accounts",
    "bookings": "read_bookings",
    "custom_form_responses": "read_bookings",
    "equipment": "read_equipment",
    "projects": "read_projects",
    "users": "read_user",
}
# Changes to what a token may read, expanded for that token when read (feed.py).
ACCESS_TYPES = ("memberships", "authorisations")
OPERATIONS = ("insert", "update", "delete")


@dataclass(frozen=True)
class Recording:
    """A write to `table` records a change of `type` for the record `record` names, in the
    lab `lab` names. Both are SQL in which `{row}` is the written row (NEW or OLD) and, with
    `source` (a FROM ... WHERE ... clause), the columns of the rows it selects: one change
    per row. `part` says the written row is part of the record's shape: its every write is
    an update of that record; `parent` (SQL in `{row}`, default `record`) names what it is a
    part of, so that a row moved to another one updates both."""

    table: str
    type: str
    record: str
    lab: str
    part: bool = False
    source: str = ""
    parent: str = ""


def lab_of_booking(column: str) -> str:
    return f"(SELECT provider_lab_id FROM bookings_booking WHERE id = {{row}}.{column})"  # noqa: S608


def lab_of(table: str, column: str) -> str:
    lab = "account_id" if table == "projects_project" else "lab_id"
    return f"(SELECT {lab} FROM {table} WHERE id = {{row}}.{column})"  # noqa: S608


BOOKINGS_OF_PROJECT = """FROM bookings_booking_projects bp JOIN bookings_booking b ON b.id = bp.booking_id
    WHERE bp.project_id = {row}.project_id"""

RECORDINGS: tuple[Recording, ...] = (
    Recording("accounts_account", "accounts", "{row}.id", "{row}.id"),
    Recording("accounts_user", "users", "{row}.id", "CAST(NULL AS BIGINT)"),
    Recording("accounts_membership", "memberships", "{row}.user_id", "{row}.lab_id"),
    Recording("accounts_group", "groups", "{row}.id", "{row}.lab_id"),
    Recording(
        "accounts_group_equipment", "groups", "{row}.group_id", lab_of("accounts_group", "group_id"), True
    ),
    Recording(
        "accounts_group_members", "groups", "{row}.group_id", lab_of("accounts_group", "group_id"), True
    ),
    Recording("equipment_equipment", "equipment", "{row}.id", "{row}.lab_id"),
    Recording("projects_project", "projects", "{row}.id", "{row}.account_id"),
    Recording(
        "projects_project_selected_users",
        "projects",
        "{row}.project_id",
        lab_of("projects_project", "project_id"),
        True,
    ),
    Recording(
        "projects_fundingcode", "projects", "{row}.project_id", lab_of("projects_project", "project_id"), True
    ),
    # A booking shows its projects' funding codes.
    Recording(
        "projects_fundingcode",
        "bookings",
        "bp.booking_id",
        "b.provider_lab_id",
        part=True,
        source=BOOKINGS_OF_PROJECT,
        parent="{row}.project_id",
    ),
    Recording("bookings_booking", "bookings", "{row}.id", "{row}.provider_lab_id"),
    Recording("bookings_bookingnote", "bookings", "{row}.booking_id", lab_of_booking("booking_id"), True),
    Recording(
        "bookings_booking_projects", "bookings", "{row}.booking_id", lab_of_booking("booking_id"), True
    ),
    Recording(
        "bookings_booking_funding_codes", "bookings", "{row}.booking_id", lab_of_booking("booking_id"), True
    ),
    Recording(
        "bookings_customformresponse", "custom_form_responses", "{row}.id", lab_of_booking("booking_id")
    ),
    Recording(
        "bookings_customformresponse", "bookings", "{row}.booking_id", lab_of_booking("booking_id"), True
    ),
    Recording("oauth_authorisation_labs", "authorisations", "{row}.authorisation_id", "{row}.account_id"),
)


@dataclass(frozen=True)
class Dialect:
    txid: str
    distinct: str  # a null-safe "differs from"


DIALECTS = {
    "sqlite": Dialect(txid="0", distinct="IS NOT"),
    # xid8 has no cast to bigint; through text it is the 64-bit, epoch-extended id.
    "postgresql": Dialect(txid="pg_current_xact_id()::text::bigint", distinct="IS DISTINCT FROM"),
}


def insert(
    dialect: Dialect, recording: Recording, row: str, action: str, old_lab: str, condition: str
) -> str:
    """INSERT INTO changes_change ... SELECT: one change, or one per row of `source`."""
    record = recording.record.format(row=row)
    lab = recording.lab.format(row=row)
    source = recording.source.format(row=row)
    if condition:
        source += f" AND {condition}" if source else f" WHERE {condition}"
    return (
        "INSERT INTO changes_change (txid, type, record_id, action, lab_id, old_lab_id) "
        f"SELECT {dialect.txid}, '{recording.type}', {record}, '{action}', {lab}, {old_lab} {source}".rstrip()
    )


def statements(dialect: Dialect, recording: Recording, operation: str) -> list[str]:
    """The statements a trigger runs after `operation` on a row of the recording's table."""
    if recording.part:
        if operation == "insert":
            return [insert(dialect, recording, "NEW", "updated", "NULL", "")]
        if operation == "delete":
            return [insert(dialect, recording, "OLD", "updated", "NULL", "")]
        # A row moved from one record to another updates both.
        parent = recording.parent or recording.record
        moved = f"{parent.format(row='OLD')} {dialect.distinct} {parent.format(row='NEW')}"
        return [
            insert(dialect, recording, "NEW", "updated", "NULL", ""),
            insert(dialect, recording, "OLD", "updated", "NULL", moved),
        ]
    if operation == "insert":
        return [insert(dialect, recording, "NEW", "created", "NULL", "")]
    if operation == "delete":
        return [insert(dialect, recording, "OLD", "deleted", "NULL", "")]
    old, new = recording.lab.format(row="OLD"), recording.lab.format(row="NEW")
    old_lab = f"CASE WHEN {old} {dialect.distinct} {new} THEN {old} END"
    return [insert(dialect, recording, "NEW", "updated", old_lab, "")]


def tables() -> list[str]:
    return list(dict.fromkeys(recording.table for recording in RECORDINGS))


def trigger_name(table: str, operation: str) -> str:
    return f"changes_{table}_{operation}"


def body(dialect: Dialect, table: str, operation: str, indent: str) -> str:
    return "".join(
        f"{indent}{statement};\n"
        for recording in RECORDINGS
        if recording.table == table
        for statement in statements(dialect, recording, operation)
    )


def sqlite_trigger(table: str, operation: str) -> tuple[str, str]:
    """CREATE and DROP of the trigger after `operation` on `table`."""
    name = trigger_name(table, operation)
    statements_ = body(DIALECTS["sqlite"], table, operation, "    ")
    create = (
        f"CREATE TRIGGER {name} AFTER {operation.upper()} ON {table} FOR EACH ROW BEGIN\n{statements_}END;"
    )
    return create, f"DROP TRIGGER IF EXISTS {name};"


def postgresql_function(table: str, operation: str) -> tuple[str, str]:
    name = trigger_name(table, operation)
    statements_ = body(DIALECTS["postgresql"], table, operation, "    ")
    create = (
        f"CREATE FUNCTION {name}() RETURNS trigger AS $$\nBEGIN\n{statements_}    RETURN NULL;\nEND;\n"
        "$$ LANGUAGE plpgsql;"
    )
    return create, f"DROP FUNCTION IF EXISTS {name}();"


def postgresql_trigger(table: str, operation: str) -> tuple[str, str]:
    name = trigger_name(table, operation)
    create = (
        f"CREATE TRIGGER {name} AFTER {operation.upper()} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}();"
    )
    return create, f"DROP TRIGGER IF EXISTS {name} ON {table};"


def triggers(vendor: str, on: Iterable[str] | None = None) -> tuple[list[str], list[str]]:
    """The statements that create the triggers on the tables `on` (all by default), and those
    that drop them. On PostgreSQL the trigger functions are made (and dropped) only for all."""
    every = on is None
    chosen = tables() if on is None else [table for table in tables() if table in set(on)]
    create, drop = [], []
    for table in chosen:
        for operation in OPERATIONS:
            if vendor == "sqlite":
                parts = [sqlite_trigger(table, operation)]
            else:
                parts = [postgresql_function(table, operation)] if every else []
                parts.append(postgresql_trigger(table, operation))
            create += [made for made, _ in parts]
            drop += [dropped for _, dropped in reversed(parts)]
    return create, drop


def record_every_row(on: Iterable[str], action: str) -> None:
    """One change `action` for each row now in the tables `on`, for each record it is: what
    the triggers record for rows written with them suspended (a bulk load)."""
    dialect = DIALECTS[connection.vendor]
    chosen = set(on)
    with connection.cursor() as cursor:
        for recording in RECORDINGS:
            if recording.table in chosen and not recording.part:
                record = recording.record.format(row="t")
                lab = recording.lab.format(row="t")
                # S608: module constants only, never input.
                statement = (
                    "INSERT INTO changes_change (txid, type, record_id, action, lab_id, old_lab_id) "  # noqa: S608
                    f"SELECT {dialect.txid}, '{recording.type}', {record}, %s, {lab}, NULL "
                    f"FROM {recording.table} t ORDER BY t.id"
                )
                cursor.execute(statement, [action])


@contextmanager
def triggers_suspended(on: Iterable[str]) -> Iterator[None]:
    """Drop the recording triggers of the tables `on` inside the caller's transaction, and
    make them again after: for a bulk load, which then calls record_every_row."""
    create, drop = triggers(connection.vendor, list(on))
    with connection.cursor() as cursor:
        for statement in drop:
            cursor.execute(statement)
    yield
    with connection.cursor() as cursor:
        for statement in create:
            cursor.execute(statement)
