"""`make bench` end to end at a tiny size: the harness builds its data, starts both servers,
checks they answer alike, drives them with wrk and writes its results."""

import json
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
# A Redis database the smoke run may empty (the real bench uses 13, the multi-process tests 14).
REDIS_URL = "redis://127.0.0.1:6379/15"
FIGURES = {"bookings_page_1", "bookings_page_5000", "booking_detail", "equipment_bookings", "accounts"}


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
            "--database-url",
            bench_database,
            "--redis-url",
            REDIS_URL,
            "--results",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=240,
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
    assert [row["workers"] for row in results["scaling"]] == [1]
    assert all(results["memory_kib"][server] for server in ("api", "baseline"))
    assert len(list(tmp_path.glob("2*.json"))) == 1
