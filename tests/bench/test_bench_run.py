"""`make bench` end to end at a tiny size: the harness builds its data, starts both servers,
checks they answer alike, drives them with wrk and writes its results."""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the bench runs on PostgreSQL only"),
]

RUN = Path(__file__).resolve().parents[2] / "bench" / "run.py"
IN_PROCESS = RUN.parent / "in_process.py"
# A Redis database the smoke run may empty (the real bench uses 13, the multi-process tests 14).
REDIS_URL = os.environ.get("LABSHARE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REPOSITORY = RUN.parents[1]
FIGURES = {"bookings_page_1", "bookings_page_5000", "booking_detail", "equipment_bookings", "accounts"}
# Two windows, a status, a sync, on both lists, for two tokens; and the one-lab token's
# unfiltered pages.
FILTERED = 2 * (4 + 3) + 2


def before_last_migration() -> str:
    """The commit before the newest one that added a migration: the smoke run times that one."""
    added = subprocess.run(
        [
            "git",
            "-C",
            str(REPOSITORY),
            "log",
            "-1",
            "--diff-filter=A",
            "--format=%H",
            "--",
            "src/labshare/*/migrations/0*.py",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return f"{added}~1"


def server_url(database: str) -> str:
    settings = connection.settings_dict
    password = f":{quote(settings['PASSWORD'])}" if settings.get("PASSWORD") else ""
    host = f"{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
    return f"postgres://{quote(settings['USER'] or '')}{password}@{host}/{database}"


@pytest.fixture
def bench_database() -> str:
    name = f"{connection.settings_dict['NAME'].removeprefix('test_')}_bench_smoke"
    yield server_url(name)
    with psycopg.connect(server_url("postgres"), autocommit=True) as maintenance:
        maintenance.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_it_measures_the_api_and_the_baseline_end_to_end(bench_database, tmp_path):
    finished = subprocess.run(
        [
            sys.executable,
            str(RUN),
            "--size",
            "2000",
            "--duration",
            "1",
            "--connections",
            "4",
            "--scaling-workers",
            "1",
            # Counted, but without waiting for PostgreSQL's counters: the figures are not checked.
            "--statement-pause",
            "0.2",
            "--filtered-duration",
            "1",
            "--windows",
            "2",
            "--migrations-since",
            before_last_migration(),
            "--database-url",
            bench_database,
            "--redis-url",
            REDIS_URL,
            "--results",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=420,
    )
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    assert "bookings list, page 1" in finished.stdout

    results = json.loads((tmp_path / "latest.json").read_text())
    assert results["data"]["bookings"] == 2000
    assert results["data"]["visible_bookings"] == 2000
    assert {figure["name"] for figure in results["figures"]} == FIGURES
    for figure in results["figures"]:
        for server in ("api", "baseline"):
            assert figure[server]["requests"] > 0, (figure["name"], server)
            assert figure[server]["errors"] == 0, (figure["name"], server)
        assert figure["ratio"] > 0
        if figure["name"] == "bookings_page_5000":  # past the end of 2,000 bookings: no SQL
            assert figure["postgresql_alone"]["transactions_per_second"] is None
            continue
        assert figure["postgresql_alone"]["transactions_per_second"] > 0, figure["name"]
        assert figure["postgresql_alone"]["statements_per_transaction"] >= 1, figure["name"]
    assert len(results["filtered_figures"]) == FILTERED
    for figure in results["filtered_figures"]:
        assert figure["api"]["requests"] > 0 and figure["api"]["errors"] == 0, figure["name"]
        if figure["postgresql_alone"]["statements_per_transaction"]:  # none when the list is empty
            assert figure["postgresql_alone"]["transactions_per_second"] > 0, figure["name"]
    compared = [figure for figure in results["filtered_figures"] if figure["reference"]]
    assert len(compared) == FILTERED - 2 and all(figure["ratio_to_unfiltered"] > 0 for figure in compared)
    assert results["migrations"]["applied"], results["migrations"]
    assert results["migrations"]["seconds"] > 0
    assert "PG alone tps" in finished.stdout and "filtered figure" in finished.stdout
    assert [row["workers"] for row in results["scaling"]] == [1]
    assert all(results["memory_kib"][server] for server in ("api", "baseline"))
    assert len(list(tmp_path.glob("2*.json"))) == 1

    # The in-process timer runs the same figures on the data the run left.
    timed = subprocess.run(
        [sys.executable, str(IN_PROCESS), "--requests", "5", "--rounds", "1"],
        env={**os.environ, "DATABASE_URL": bench_database, "REDIS_URL": REDIS_URL},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert timed.returncode == 0, timed.stdout[-3000:] + timed.stderr[-3000:]
    assert {line.split(",")[0] for line in timed.stdout.splitlines()} == FIGURES
