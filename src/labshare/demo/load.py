"""Bulk-load demo batches: COPY on PostgreSQL, large executemany batches on SQLite."""

from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, models
from psycopg import sql

from labshare.accounts.models import Account, Group, Membership, User
from labshare.bookings.models import Booking, BookingNote, CustomForm, CustomFormResponse, CustomFormVersion
from labshare.changes.recording import record_every_row, triggers_suspended
from labshare.demo.generate import Batch
from labshare.equipment.models import Category, Equipment
from labshare.projects.models import FundingCode, Project

DEMO_MODELS: tuple[type[models.Model], ...] = (
    Account,
    User,
    Membership,
    Category,
    Equipment,
    Group,
    Group.members.through,
    Group.equipment.through,
    Project,
    FundingCode,
    Project.selected_users.through,
    CustomForm,
    CustomFormVersion,
    Booking,
    BookingNote,
    Booking.projects.through,
    CustomFormResponse,
)
# --replace empties these apps' tables: the demo's own and everything that hangs from users.
REPLACED_APPS = {
    "accounts",
    "equipment",
    "projects",
    "bookings",
    "oauth",
    "oauth2_provider",
    "admin",
    "sessions",
}


def holds_accounts() -> bool:
    return User.objects.exists() or Account.objects.exists()


def holds_demo_rows() -> bool:
    return any(model.objects.exists() for model in DEMO_MODELS)


def empty_demo_tables() -> None:
    """Delete every row the demo loads and everything that refers to its users."""
    tables = [
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in REPLACED_APPS and model._meta.managed and not model._meta.proxy
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # TRUNCATE fires no row triggers: record the deletions first.
            record_every_row(tables, "deleted")
            # TRUNCATE refuses tables with deferred foreign-key checks pending: run them first.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                f"TRUNCATE {', '.join(map(connection.ops.quote_name, tables))} RESTART IDENTITY CASCADE"
            )
        else:
            # SQLite checks the foreign keys at commit, so the order does not matter.
            for table in tables:
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")  # noqa: S608


def load(batches: Iterable[Batch]) -> Counter:
    """Write every batch inside the caller's transaction; return the rows per table.

    The record of changes gets one `created` per record, written in bulk after the load
    with its triggers suspended (row by row they would make the load half as slow again)."""
    tables = [model._meta.db_table for model in DEMO_MODELS]
    with triggers_suspended(tables):
        counts = _load(batches)
    record_every_row(tables, "created")
    return counts


def _load(batches: Iterable[Batch]) -> Counter:
    counts: Counter = Counter()
    if connection.vendor != "postgresql":
        for batch in batches:
            _insert(batch)
            counts[batch.model._meta.db_table] += len(batch.rows)
        return counts
    with _indexes_and_constraints_deferred():
        for batch in batches:
            _copy(batch)
            counts[batch.model._meta.db_table] += len(batch.rows)
    _reset_sequences_and_analyse()
    return counts


@contextmanager
def _indexes_and_constraints_deferred() -> Iterator[None]:
    """Drop the demo tables' plain indexes, foreign keys and exclusion constraints (bookings'
    no-overlap rule), and build them again after the load.

    As pg_restore does: building an index once and checking a foreign key with one join is
    many times faster than keeping them up row by row; an exclusion constraint added back
    checks every row at once, so a load that overlaps fails as a whole. It all happens in the caller's
    transaction, so a failed load leaves the schema as it was.
    """
    tables = [model._meta.db_table for model in DEMO_MODELS]
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
               JOIN pg_class t ON t.oid = i.indrelid
               WHERE t.relname = ANY(%s) AND t.relnamespace = current_schema()::regnamespace
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""",
            [tables],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            """SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c
               JOIN pg_class t ON t.oid = c.conrelid
               WHERE c.contype IN ('f', 'x') AND t.relname = ANY(%s)
                 AND t.relnamespace = current_schema()::regnamespace""",
            [tables],
        )
        constraints = cursor.fetchall()
        for table, name, _ in constraints:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for _, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in constraints:
            cursor.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}"
            )


def _copy(batch: Batch) -> None:
    if not batch.rows:
        return
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(batch.model._meta.db_table), sql.SQL(", ").join(map(sql.Identifier, batch.columns))
    )
    connection.ensure_connection()
    with connection.connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in batch.rows:
            copy.write_row(row)


def _insert(batch: Batch) -> None:
    if not batch.rows:
        return
    quote = connection.ops.quote_name
    statement = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        quote(batch.model._meta.db_table),
        ", ".join(map(quote, batch.columns)),
        ", ".join(["%s"] * len(batch.columns)),
    )
    with connection.cursor() as cursor:
        cursor.executemany(statement, batch.rows)


def _reset_sequences_and_analyse() -> None:
    """Rows came with explicit ids: move each id sequence past them, then refresh statistics."""
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), DEMO_MODELS):
            cursor.execute(statement)
        for model in DEMO_MODELS:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
