"""Which database a request reads (labshare/replicas.py); the real replica is in tests/e2e/test_read_replicas.py."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test import RequestFactory

from labshare.accounts.models import User
from labshare.replicas import ReplicaRouter, reading_from, reads_a_replica
from tests.e2e.conftest import free_port
from tests.e2e.conftest import test_database_url as suite_database_url

LABSHARE = str(Path(sys.executable).with_name("labshare"))
requests = RequestFactory()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/bookings"),
        ("HEAD", "/v1/bookings"),
        ("GET", "/v1/bookings/12"),
        ("GET", "/v1/equipment/3/bookings?page=2"),
        ("GET", "/v1/user"),
    ],
)
def test_it_reads_the_api_on_a_replica(method, path):
    assert reads_a_replica(requests.generic(method, path))


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/bookings"),
        ("POST", "/v1/bookings/12/cancel"),
        ("OPTIONS", "/v1/bookings"),
        # The change feed never reads behind the primary.
        ("GET", "/v1/changes"),
        ("GET", "/v1/changes?after=abc"),
        ("HEAD", "/v1/changes"),
        ("GET", "/oauth/token/info"),
        ("POST", "/oauth/token"),
        ("GET", "/equipment"),
        ("GET", "/bookings"),
        ("GET", "/admin/"),
        ("GET", "/v1x/bookings"),
    ],
)
def test_it_keeps_everything_else_on_the_primary(method, path):
    assert not reads_a_replica(requests.generic(method, path))


def test_the_router_reads_where_the_request_reads_and_writes_on_the_primary():
    router = ReplicaRouter()
    assert router.db_for_read(User) is None
    token = reading_from.set("replica_2")
    try:
        assert router.db_for_read(User) == "replica_2"
        assert router.db_for_write(User) == "default"
        # An object read from a replica is still saved on the primary.
        user = User(email="read@example.test")
        user._state.db = "replica_2"
        assert router.db_for_write(User, instance=user) == "default"
    finally:
        reading_from.reset(token)
    assert router.allow_migrate("default", "bookings")
    assert not router.allow_migrate("replica_1", "bookings")


def run_labshare(code: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [LABSHARE, "shell", "--no-imports", "-c", code],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


SHOW_DATABASES = """
import json
from django.conf import settings
print(json.dumps({
    "aliases": list(settings.DATABASES),
    "replica": {k: settings.DATABASES["replica_2"][k] for k in ("PORT", "NAME", "OPTIONS", "TEST")},
    "routers": settings.DATABASE_ROUTERS,
}))
"""


def test_each_replica_url_becomes_a_database_connected_as_the_primary_is(tmp_path):
    shown = run_labshare(
        SHOW_DATABASES,
        LABSHARE_VAR_DIR=str(tmp_path),
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/primary",
        DATABASE_REPLICA_URLS="postgres://postgres@10.0.0.1:5433/one, postgres://postgres@10.0.0.2:5434/two",
    )
    assert shown.returncode == 0, shown.stderr
    answer = json.loads(shown.stdout)
    assert answer["aliases"] == ["default", "replica_1", "replica_2"]
    assert answer["replica"]["PORT"] == 5434 and answer["replica"]["NAME"] == "two"
    assert answer["replica"]["OPTIONS"] == {
        "server_side_binding": True,
        "prepare_threshold": 5,
        "connect_timeout": 3,
    }
    assert answer["replica"]["TEST"]["MIRROR"] == "default"
    assert answer["routers"] == ["labshare.replicas.ReplicaRouter"]


@pytest.mark.parametrize(
    ("primary", "replicas"),
    [
        ("sqlite:///labshare.sqlite3", "postgres://postgres@127.0.0.1:5433/labshare"),
        ("postgres://postgres@127.0.0.1:5432/labshare", "sqlite:///replica.sqlite3"),
    ],
)
def test_replicas_need_postgresql(tmp_path, primary, replicas):
    shown = run_labshare(
        SHOW_DATABASES, LABSHARE_VAR_DIR=str(tmp_path), DATABASE_URL=primary, DATABASE_REPLICA_URLS=replicas
    )
    assert shown.returncode != 0
    assert "DATABASE_REPLICA_URLS" in shown.stderr


WRITE_POSITION = """
from labshare.replicas import reading_from, settled, written_up_to
written = written_up_to()
reading_from.set("replica_1")
print(written, settled("v1" + written))
"""
CHOOSE_FIVE_TIMES = """
from labshare.replicas import choose_replica
print(" ".join(str(choose_replica()) for _ in range(5)))
"""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="replicas are PostgreSQL's")
def test_it_takes_the_replicas_in_turn_and_leaves_out_one_that_does_not_answer(db, tmp_path):
    suite = suite_database_url()
    closed = f"postgres://postgres@127.0.0.1:{free_port()}/nothing"
    both = run_labshare(
        CHOOSE_FIVE_TIMES,
        LABSHARE_VAR_DIR=str(tmp_path),
        DATABASE_URL=suite,
        DATABASE_REPLICA_URLS=f"{suite},{suite}",
    )
    assert both.returncode == 0, both.stderr
    assert both.stdout.split() == ["replica_1", "replica_2", "replica_1", "replica_2", "replica_1"]

    one_down = run_labshare(
        CHOOSE_FIVE_TIMES,
        LABSHARE_VAR_DIR=str(tmp_path),
        DATABASE_URL=suite,
        DATABASE_REPLICA_URLS=f"{closed},{suite}",
    )
    assert one_down.returncode == 0, one_down.stderr
    assert one_down.stdout.split() == ["replica_2"] * 5
    # Said once, not once per request.
    assert one_down.stderr.count("A read replica is unavailable; reading the primary") == 1

    all_down = run_labshare(
        CHOOSE_FIVE_TIMES, LABSHARE_VAR_DIR=str(tmp_path), DATABASE_URL=suite, DATABASE_REPLICA_URLS=closed
    )
    assert all_down.returncode == 0, all_down.stderr
    assert all_down.stdout.split() == ["None"] * 5


@pytest.mark.skipif(connection.vendor != "postgresql", reason="replicas are PostgreSQL's")
def test_a_new_data_version_carries_the_primarys_wal_position(db, tmp_path):
    suite = suite_database_url()
    positions = run_labshare(
        WRITE_POSITION, LABSHARE_VAR_DIR=str(tmp_path), DATABASE_URL=suite, DATABASE_REPLICA_URLS=suite
    )
    assert positions.returncode == 0, positions.stderr
    written, settled_on_primary = positions.stdout.split()
    assert re.fullmatch(r"@[0-9A-F]+/[0-9A-F]+", written)
    # A primary named as a replica has nothing left to replay: the version stands as it is.
    assert settled_on_primary == f"v1{written}"
