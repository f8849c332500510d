"""bench/pull_follow_bench.py end to end at a tiny size: a first pull, changes, the second pull
both ways and the fresh pull they are checked against (the timings are not checked)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.bench.test_bench_run import bench_database  # noqa: F401 (a fixture)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the bench runs on PostgreSQL only"),
]

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "pull_follow_bench.py"
REDIS_URL = os.environ.get("LABSHARE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def test_it_follows_the_changes_and_ends_with_a_fresh_pulls_rows(bench_database, tmp_path):  # noqa: F811
    finished = subprocess.run(
        [
            *(sys.executable, str(SCRIPT), "--size", "2000", "--changes", "30", "--copy-to", ""),
            *("--database-url", bench_database, "--redis-url", REDIS_URL, "--results", str(tmp_path)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    (path,) = tmp_path.glob("pull-follow-*.json")
    results = json.loads(path.read_text())["results"]
    assert results["changes"]["events"] == 30
    assert results["changes"]["recorded"].get("bookings created", 0) > 0
    follow, before = results["follow"], results["before"]
    assert {table["mode"] for table in follow["tables"].values()} == {"changes"}
    assert "changes" not in before["requests_by_kind"]
    assert results["fresh"]["rows"]["bookings"] == results["database"]["bookings"]
    assert set(follow["differences"].values()) == {0}, (follow["differing_keys"], results["changes"])
    assert before["differences"]["bookings"] == before["differences"]["equipment"] == 0
    assert 0 < follow["requests"] < before["requests"]
