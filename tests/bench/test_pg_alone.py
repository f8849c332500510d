"""The bench's PostgreSQL-alone column: a captured statement, its values written in, answers
as the original does and holds nothing pgbench would read as a variable; pgbench runs it."""

import re
import sys
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from django.db import connection

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import pg_alone

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="pgbench runs on PostgreSQL")

# What pgbench would take for a variable: a colon before a name character, but not a cast.
PGBENCH_VARIABLE = re.compile(r"(?<!:):[A-Za-z0-9_]")
STATEMENT = (
    "SELECT to_char(%s::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') AS moment, "
    "%s::int AS number, 'a''b:c\\d' AS quoted, %s::text AS label, %s::bigint[] AS ids"
)
PARAMETERS = [datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), 7, "10:30 o'clock", [1, 2, 3]]


@pytest.fixture
def raw(db) -> psycopg.Connection:
    settings = connection.settings_dict
    with psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        autocommit=True,
    ) as raw:
        yield raw


def test_an_inlined_statement_answers_as_the_original(raw):
    inlined = pg_alone.inline(STATEMENT, PARAMETERS, raw)

    assert not PGBENCH_VARIABLE.search(inlined), inlined
    assert raw.execute(inlined).fetchone() == raw.execute(STATEMENT, PARAMETERS).fetchone()
    assert raw.execute(inlined).fetchone()[0] == "2026-01-02T03:04:05"


def test_pgbench_runs_the_captured_statements(raw):
    statement = pg_alone.inline(STATEMENT, PARAMETERS, raw)
    captured = [pg_alone.Captured("/v1/example", 200, [statement, "SELECT 1"])]
    settings = connection.settings_dict
    url = f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"

    figure = pg_alone.pgbench(url, captured, connections=2, cpus=[0], duration=1)

    assert figure["transactions_per_second"] > 0
    assert figure["statements_per_transaction"] == 2
    assert (
        pg_alone.pgbench(url, [pg_alone.Captured("/v1/x", 200, [])], 2, [0], 1)["transactions_per_second"]
        is None
    )
