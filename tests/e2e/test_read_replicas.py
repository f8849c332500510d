"""`/v1` reads from a real streaming replica; writes, OAuth and pages on the primary.

The test builds a primary and a hot-standby replica of its own (tests/e2e/replication.py),
copies the test's committed rows into the primary (the replica follows), and runs
`labshare serve` with `DATABASE_URL` on the primary and `DATABASE_REPLICA_URLS` on the replica.
With the replica's WAL replay paused, a booking written through the write API is on the
primary at once, yet `/v1` still answers without it: that is where the reads go.
"""

import itertools
import re
import time
from collections.abc import Iterator
from datetime import timedelta

import httpx
import psycopg
import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from labshare.oauth.models import Application
from labshare.oauth.tokens import issue_tokens
from tests.api.conftest import fast_password_hashing, world  # noqa: F401  (fixtures)
from tests.e2e.conftest import start_labshare_serve, stop_process_group
from tests.e2e.conftest import test_database_url as suite_database_url
from tests.e2e.replication import Cluster, Replica, primary_and_replica

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="streaming replicas are PostgreSQL's"),
]

CLIENT_SECRET = "replica-client-secret"
SCOPES = ("read_user", "read_bookings", "write_bookings")
_databases = itertools.count(1)


@pytest.fixture(scope="module")
def clusters() -> Iterator[tuple[Cluster, Replica]]:
    with primary_and_replica() as pair:
        yield pair


@pytest.fixture
def application(alice) -> Application:
    return Application.objects.create(
        name="Replica client",
        user=alice,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://client.example.test/callback",
        client_secret=CLIENT_SECRET,
        scopes=" ".join(SCOPES),
    )


@pytest.fixture
def replicated(transactional_db, world, alice, optics_lab, application, clusters, tmp_path) -> Iterator[dict]:  # noqa: F811
    """A server reading the replica, over a copy of the test's rows, and what to call it with."""
    primary, replica = clusters
    tokens = issue_tokens(alice, application, [optics_lab], SCOPES)
    browser = Client()
    browser.force_login(alice)
    name = f"labshare_{next(_databases)}"
    primary.copy_database(suite_database_url(), name)
    replica.catch_up_with(primary)
    log = tmp_path / "server.log"
    server, base_url = start_labshare_serve(
        {
            "DATABASE_URL": primary.url(name),
            "DATABASE_REPLICA_URLS": replica.url(name),
            "REDIS_URL": "",
            "LABSHARE_RATE_LIMIT": "100000/minute",
        },
        log=log,
    )
    try:
        yield {
            "base_url": base_url,
            "database": name,
            "tokens": tokens,
            "session": browser.cookies["sessionid"].value,
            "laser": world.laser.pk,
            "log": log,
        }
    finally:
        stop_process_group(server)
        replica.resume_replay()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def request_booking(base_url: str, token: str, equipment_id: int, days: int) -> dict:
    day = (timezone.now() + timedelta(days=days)).date().isoformat()
    body = {"equipment_id": equipment_id, "start_time": f"{day}T10:00:00", "end_time": f"{day}T12:00:00"}
    answer = httpx.post(f"{base_url}/v1/bookings", json=body, headers=bearer(token), timeout=30)
    assert answer.status_code == 201, answer.text
    return answer.json()


def on_primary(primary: Cluster, database: str, booking_id: int) -> bool:
    with psycopg.connect(primary.url(database)) as connection:
        row = connection.execute("SELECT 1 FROM bookings_booking WHERE id = %s", [booking_id]).fetchone()
    return row is not None


def listed_ids(base_url: str, token: str) -> set[int]:
    answer = httpx.get(f"{base_url}/v1/bookings?per_page=100", headers=bearer(token), timeout=10)
    assert answer.status_code == 200, answer.text
    return {booking["id"] for booking in answer.json()}


def test_reads_come_from_the_replica_while_writes_and_oauth_stay_on_the_primary(replicated, clusters):
    primary, replica = clusters
    base_url, token = replicated["base_url"], replicated["tokens"]["access_token"]
    before = listed_ids(base_url, token)
    assert replica.client_connections(replicated["database"]) >= 1  # the server reads the replica

    replica.pause_replay()
    booked = request_booking(base_url, token, replicated["laser"], days=10)
    # The write's own answer is right, and the row is on the primary at once...
    assert booked["status"] == "Requested" and booked["equipment"]["id"] == replicated["laser"]
    assert on_primary(primary, replicated["database"], booked["id"])
    # ... the next page (the primary) shows it...
    page = httpx.get(
        f"{base_url}/bookings/{booked['id']}", cookies={"sessionid": replicated["session"]}, timeout=10
    )
    assert page.status_code == 200 and "Ti:Sapphire laser" in page.text
    # ... and /v1, reading the paused replica, does not have it yet.
    assert (
        httpx.get(f"{base_url}/v1/bookings/{booked['id']}", headers=bearer(token), timeout=10).status_code
        == 404
    )
    assert listed_ids(base_url, token) == before

    # A token issued now exists only on the primary: the bearer check reads it there.
    refreshed = httpx.post(
        f"{base_url}/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": replicated["tokens"]["refresh_token"],
            "client_id": Application.objects.get().client_id,
            "client_secret": CLIENT_SECRET,
        },
        timeout=10,
    )
    assert refreshed.status_code == 200, refreshed.text
    fresh = refreshed.json()["access_token"]
    assert listed_ids(base_url, fresh) == before
    assert httpx.get(f"{base_url}/oauth/token/info", headers=bearer(fresh), timeout=10).status_code == 200

    replica.resume_replay()
    deadline = time.monotonic() + 10
    while booked["id"] not in listed_ids(base_url, fresh) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert booked["id"] in listed_ids(base_url, fresh)
    answer = httpx.get(f"{base_url}/v1/bookings/{booked['id']}", headers=bearer(fresh), timeout=10)
    assert answer.status_code == 200 and answer.json()["id"] == booked["id"]


def test_a_replica_that_is_down_leaves_the_reads_on_the_primary(replicated, clusters):
    _, replica = clusters
    base_url, token = replicated["base_url"], replicated["tokens"]["access_token"]
    before = listed_ids(base_url, token)
    replica.pause_replay()
    booked = request_booking(base_url, token, replicated["laser"], days=11)
    assert listed_ids(base_url, token) == before  # still the replica

    replica.stop_now()
    try:
        # Every read is answered, from the primary: it has the booking the replica had not replayed.
        for _ in range(5):
            assert listed_ids(base_url, token) == before | {booked["id"]}
        answer = httpx.get(f"{base_url}/v1/bookings/{booked['id']}", headers=bearer(token), timeout=10)
        assert answer.status_code == 200 and answer.json()["id"] == booked["id"]
    finally:
        replica.start()
    output = replicated["log"].read_text()
    assert len(re.findall("A read replica is unavailable; reading the primary", output)) == 1
    assert "Traceback" not in output
