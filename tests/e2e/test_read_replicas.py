"""`/v1` reads from a real streaming replica; writes, OAuth and pages on the primary.

The test builds a primary and a hot-standby replica of its own (tests/e2e/replication.py),
copies the test's committed rows into the primary (the replica follows), and runs
two `labshare serve` processes (sharing Redis) with `DATABASE_URL` on the primary and
`DATABASE_REPLICA_URLS` on the replica. With the replica's WAL replay paused, a booking written
through the write API is on the primary and the pages at once, yet `/v1` still answers without
it: that is where the reads go. Then the replica stops, and `/v1` reads the primary.
"""

import itertools
import os
import re
import time
from collections.abc import Iterator
from datetime import timedelta

import httpx
import psycopg
import pytest
import redis
from django.db import connection
from django.test import Client
from django.urls import resolve
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
# A Redis database these tests own: emptied before each test.
REDIS_URL = os.environ.get("LABSHARE_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
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
    """Two servers reading the replica and sharing Redis, over a copy of the test's rows."""
    primary, replica = clusters
    tokens = issue_tokens(alice, application, [optics_lab], SCOPES)
    browser = Client()
    browser.force_login(alice)
    name = f"labshare_{next(_databases)}"
    primary.copy_database(suite_database_url(), name)
    replica.catch_up_with(primary)
    redis.Redis.from_url(REDIS_URL).flushdb()
    environment = {
        "DATABASE_URL": primary.url(name),
        "DATABASE_REPLICA_URLS": replica.url(name),
        "REDIS_URL": REDIS_URL,
        "LABSHARE_RATE_LIMIT": "100000/minute",
    }
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    servers = []
    try:
        for log in logs:
            servers.append(start_labshare_serve(environment, log=log))
        yield {
            "servers": [base_url for _, base_url in servers],
            "database": name,
            "tokens": tokens,
            "session": browser.cookies["sessionid"].value,
            "laser": world.laser.pk,
            "logs": logs,
        }
    finally:
        for process, _ in servers:
            stop_process_group(process)


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


def listed(base_url: str, token: str) -> tuple[set[int], int]:
    """The ids of the token's bookings and their total (X-Total-Records)."""
    answer = httpx.get(f"{base_url}/v1/bookings?per_page=100", headers=bearer(token), timeout=10)
    assert answer.status_code == 200, answer.text
    return {booking["id"] for booking in answer.json()}, int(answer.headers["X-Total-Records"])


def status_of(base_url: str, path: str, token: str) -> int:
    return httpx.get(f"{base_url}{path}", headers=bearer(token), timeout=10).status_code


def wait_for(condition, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_reads_come_from_the_replica_while_writes_oauth_and_pages_stay_on_the_primary(replicated, clusters):
    primary, replica = clusters
    first, second = replicated["servers"]
    token = replicated["tokens"]["access_token"]
    before = listed(first, token)
    assert listed(second, token) == before
    assert replica.client_connections(replicated["database"]) >= 1  # the servers read the replica

    replica.pause_replay()
    booked = request_booking(first, token, replicated["laser"], days=10)
    # The write's own answer is right, and the row is on the primary at once...
    assert booked["status"] == "Requested" and booked["equipment"]["id"] == replicated["laser"]
    assert on_primary(primary, replicated["database"], booked["id"])
    # ... the next page, in either server, shows it...
    for base_url in (first, second):
        page = httpx.get(
            f"{base_url}/bookings/{booked['id']}", cookies={"sessionid": replicated["session"]}, timeout=10
        )
        assert page.status_code == 200 and "Ti:Sapphire laser" in page.text
    # ... and /v1, reading the paused replica, does not have it yet: neither the record nor
    # the list, nor a total counted meanwhile.
    for base_url in (first, second):
        assert status_of(base_url, f"/v1/bookings/{booked['id']}", token) == 404
        assert listed(base_url, token) == before

    # A token issued now exists only on the primary: the bearer check reads it there; and the
    # token it replaces, deleted on the primary alone, is refused by both servers at once.
    refreshed = httpx.post(
        f"{first}/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": replicated["tokens"]["refresh_token"],
            "client_id": Application.objects.get().client_id,
            "client_secret": CLIENT_SECRET,
        },
        timeout=10,
    )
    assert refreshed.status_code == 200, refreshed.text
    token = refreshed.json()["access_token"]
    assert listed(second, token) == before
    assert status_of(first, "/oauth/token/info", token) == 200
    replaced = replicated["tokens"]["access_token"]
    assert wait_for(lambda: {status_of(url, "/v1/bookings", replaced) for url in (first, second)} == {401}, 1)

    replica.resume_replay()
    after = (before[0] | {booked["id"]}, before[1] + 1)
    for base_url in (first, second):
        assert wait_for(lambda base_url=base_url: listed(base_url, token) == after), base_url
        assert status_of(base_url, f"/v1/bookings/{booked['id']}", token) == 200

    # A replica that stops leaves the reads on the primary, which has what it had not replayed.
    replica.pause_replay()
    second_booking = request_booking(second, token, replicated["laser"], days=11)
    assert listed(first, token) == after  # still the replica
    replica.stop_now()
    try:
        for base_url in (first, second):
            for _ in range(3):
                assert listed(base_url, token) == (after[0] | {second_booking["id"]}, after[1] + 1)
            assert status_of(base_url, f"/v1/bookings/{second_booking['id']}", token) == 200
    finally:
        replica.start()
    for log in replicated["logs"]:
        output = log.read_text()
        assert len(re.findall("A read replica is unavailable; reading the primary", output)) == 1
        assert "Traceback" not in output


def change_feed_served() -> bool:
    return resolve("/v1/changes").url_name == "api-changes"


@pytest.mark.skipif(not change_feed_served(), reason="/v1/changes has not landed yet")
def test_the_change_feed_reads_the_primary_while_the_replica_lags(replicated, clusters):
    _, replica = clusters
    first, second = replicated["servers"]
    token = replicated["tokens"]["access_token"]
    # Without `after` the feed answers from now: take that cursor before the booking is made.
    start = httpx.get(f"{second}/v1/changes", params={"types": "bookings"}, headers=bearer(token), timeout=10)
    assert start.status_code == 200, start.text
    replica.pause_replay()
    booked = request_booking(first, token, replicated["laser"], days=12)
    assert status_of(second, f"/v1/bookings/{booked['id']}", token) == 404  # the replica lags
    changes, cursor = [], start.json()["cursor"]
    for _ in range(100):
        query = {"types": "bookings", "after": cursor}
        answer = httpx.get(f"{second}/v1/changes", params=query, headers=bearer(token), timeout=10)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        changes.extend(body["changes"])
        cursor = body["cursor"]
        if not body["has_more"]:
            break
    # The feed has the booking the replica has not replayed: it read the primary.
    assert any(change["type"] == "bookings" and change["id"] == booked["id"] for change in changes)
