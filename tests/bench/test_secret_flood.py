"""bench/secret_flood.py end to end at a tiny size: it floods with wrong secrets under each hasher
and writes its results (the figures themselves are not checked)."""

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

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "secret_flood.py"
REDIS_URL = os.environ.get("LABSHARE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def test_it_floods_under_each_hasher(bench_database, tmp_path):  # noqa: F811
    finished = subprocess.run(
        [
            *(sys.executable, str(SCRIPT), "--size", "2000", "--duration", "1", "--flood", "3"),
            *("--database-url", bench_database, "--redis-url", REDIS_URL, "--results", str(tmp_path)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    (path,) = tmp_path.glob("secret-flood-*.json")
    results = json.loads(path.read_text())["results"]
    assert set(results) == {"pbkdf2_sha256", "labshare_hmac_sha256"}
    for figures in results.values():
        assert figures["flood"]["statuses"] == {"401": 3}
        assert figures["api_quiet"]["requests"] > 0 and figures["api_during_flood"]["requests"] > 0
