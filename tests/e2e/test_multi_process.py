"""Two server processes sharing PostgreSQL and Redis behave as one server.

Nothing a process keeps may be needed by another: both give the same answers, a token
revoked through one is refused by both within a second, and a write made anywhere
changes the list totals (X-Total-Records) both serve.
"""

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import redis
from django.db import connection
from django.test import override_settings

from labshare.accounts.models import Account, User
from labshare.bookings.models import Booking
from labshare.equipment.models import Equipment
from labshare.oauth.models import SCOPES, Application
from labshare.oauth.tokens import issue_tokens
from tests.e2e.conftest import start_server

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="several processes share a database only on PostgreSQL; SQLite is one file for one host",
    ),
]

# A Redis database these tests own: emptied before each test.
REDIS_URL = os.environ.get("LABSHARE_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
SHARED_CACHE = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
CLIENT_SECRET = "multi-process-secret"
REVOCATION_BUDGET_SECONDS = 1.0
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def two_servers(transactional_db) -> Iterator[tuple[str, str]]:
    redis.Redis.from_url(REDIS_URL).flushdb()
    processes = []
    try:
        for _ in range(2):
            processes.append(start_server(extra_env={"REDIS_URL": REDIS_URL}))
        yield processes[0][1], processes[1][1]
    finally:
        for process, _ in processes:
            process.terminate()
            process.wait(10)


@pytest.fixture
def confidential_app(alice) -> Application:
    return Application.objects.create(
        name="Two-process client",
        user=alice,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://client.example.test/callback",
        client_secret=CLIENT_SECRET,
        scopes=" ".join(SCOPES),
    )


@pytest.fixture
def microscope(graphene_lab) -> Equipment:
    return Equipment.objects.create(lab=graphene_lab, name="Titan Krios", model="Krios G4")


def book(equipment: Equipment, requester: User, requester_lab: Account, hours: int) -> Booking:
    start = T0 + timedelta(hours=hours)
    return Booking.objects.create(
        equipment=equipment,
        requester=requester,
        requester_lab=requester_lab,
        creator=requester,
        start_time=start,
        end_time=start + timedelta(hours=1),
        created_at=start - timedelta(days=7),
    )


@pytest.fixture
def bookings(microscope, alice, graphene_lab) -> list[Booking]:
    return [book(microscope, alice, graphene_lab, hours) for hours in range(0, 72, 3)]


@pytest.fixture
def token(alice, confidential_app, graphene_lab, optics_lab) -> str:
    return issue_tokens(alice, confidential_app, [graphene_lab, optics_lab], SCOPES)["access_token"]


def get(base_url: str, path: str, token: str) -> httpx.Response:
    return httpx.get(base_url + path, headers={"Authorization": f"Bearer {token}"}, timeout=10)


def test_it_gives_the_same_answers_from_both_processes(two_servers, token, bookings, microscope):
    first, second = two_servers
    paths = [
        "/v1/bookings",
        "/v1/bookings?page=2&per_page=5",
        f"/v1/bookings/{bookings[3].id}",
        f"/v1/equipment/{microscope.id}",
        f"/v1/equipment/{microscope.id}/bookings",
        "/v1/accounts",
        "/v1/user",
    ]
    for path in paths:
        ours, theirs = get(first, path, token), get(second, path, token)
        assert ours.status_code == theirs.status_code == 200, path
        assert ours.content == theirs.content, path
        for header in ("X-Total-Records", "X-Current-Page", "X-Per-Page"):
            assert ours.headers.get(header) == theirs.headers.get(header), (path, header)
        assert ours.headers.get("Link", "").replace(first, "") == theirs.headers.get("Link", "").replace(
            second, ""
        )
    assert get(first, "/v1/bookings", token).headers["X-Total-Records"] == str(len(bookings))


def test_it_refuses_a_token_revoked_through_one_process_on_both_within_a_second(two_servers, token, bookings):
    first, second = two_servers
    # Both processes have read (and cached) the token before it is revoked.
    assert get(first, "/v1/bookings", token).status_code == 200
    assert get(second, "/v1/bookings", token).status_code == 200

    revoked = httpx.post(
        f"{first}/oauth/revoke",
        data={
            "token": token,
            "client_id": Application.objects.get().client_id,
            "client_secret": CLIENT_SECRET,
        },
        timeout=10,
    )
    assert revoked.status_code == 200

    deadline = time.monotonic() + REVOCATION_BUDGET_SECONDS
    still_accepted = {first, second}
    while still_accepted and time.monotonic() < deadline:
        still_accepted = {
            base for base in still_accepted if get(base, "/v1/bookings", token).status_code != 401
        }
    assert not still_accepted, f"still accepted {REVOCATION_BUDGET_SECONDS} s after revocation"
    for base in (first, second):
        refused = get(base, "/v1/bookings", token)
        assert refused.status_code == 401
        assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]


def test_it_counts_a_new_booking_in_the_totals_of_both_processes(
    two_servers, token, bookings, microscope, alice, graphene_lab
):
    first, second = two_servers
    for base in (first, second):
        assert get(base, "/v1/bookings", token).headers["X-Total-Records"] == str(len(bookings))
        assert get(base, f"/v1/equipment/{microscope.id}/bookings", token).headers["X-Total-Records"] == str(
            len(bookings)
        )

    # A write by a third process (this one) on the shared cache, as an admin edit would be.
    with override_settings(CACHES=SHARED_CACHE):
        added = book(microscope, alice, graphene_lab, 200)

    for base in (first, second):
        listed = get(base, "/v1/bookings", token)
        assert listed.headers["X-Total-Records"] == str(len(bookings) + 1)
        assert listed.json()[0]["id"] == added.id
        assert get(base, f"/v1/equipment/{microscope.id}/bookings", token).headers["X-Total-Records"] == str(
            len(bookings) + 1
        )
