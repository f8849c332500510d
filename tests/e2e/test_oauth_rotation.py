"""Refresh-token rotation that real clients survive, against a real server (two processes).

Several refreshes of one refresh token at the same moment (Airbyte's streams, dlt's
resources, a client retrying) all answer 200 within the reuse period, each with a pair of
tokens that works, and none of them revokes another's.
"""

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from labshare.bookings.models import Booking
from labshare.equipment.models import Equipment
from labshare.oauth.models import Application
from labshare.oauth.tokens import issue_tokens
from tests.e2e.conftest import start_server

pytestmark = pytest.mark.e2e

SECRET = "rotation-secret-for-tests"
CONCURRENT_REFRESHES = 8
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def base_url(django_db_setup, django_db_blocker) -> Iterator[str]:
    process, url = start_server(workers=2)
    yield url
    process.terminate()
    process.wait(10)


@pytest.fixture
def application(transactional_db, alice) -> Application:
    return Application.objects.create(
        name="Warehouse loader",
        user=alice,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://loader.example.test/callback",
        scopes="read_bookings read_equipment",
        client_secret=SECRET,
    )


@pytest.fixture
def refresh_token(alice, application, graphene_lab) -> str:
    return issue_tokens(alice, application, [graphene_lab], ["read_bookings", "read_equipment"])[
        "refresh_token"
    ]


@pytest.fixture
def bookings(graphene_lab, alice) -> list[Booking]:
    microscope = Equipment.objects.create(lab=graphene_lab, name="Titan Krios")
    return [
        Booking.objects.create(
            equipment=microscope,
            requester=alice,
            requester_lab=graphene_lab,
            creator=alice,
            start_time=T0 + timedelta(hours=3 * i),
            end_time=T0 + timedelta(hours=3 * i + 1),
        )
        for i in range(7)
    ]


def refresh(base_url: str, application: Application, refresh_token: str) -> httpx.Response:
    body = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": application.client_id,
        "client_secret": SECRET,
    }
    return httpx.post(f"{base_url}/oauth/token", data=body, timeout=60)


def at_once(count: int, action) -> list:
    """Run `action(i)` for i in range(count), in `count` threads released together."""
    barrier = threading.Barrier(count)

    def run(i):
        barrier.wait()
        return action(i)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def booking_ids(base_url: str, access_token: str) -> list[int]:
    """Every booking, two a page, following the Link header as a generic client does."""
    ids, url = [], f"{base_url}/v1/bookings?per_page=2"
    while url:
        page = httpx.get(url, headers={"Authorization": f"Bearer {access_token}"}, timeout=30)
        assert page.status_code == 200, page.text
        ids += [booking["id"] for booking in page.json()]
        url = page.links.get("next", {}).get("url")
    return ids


def test_concurrent_refreshes_of_one_token_all_succeed(base_url, application, refresh_token, bookings):
    answers = at_once(CONCURRENT_REFRESHES, lambda _: refresh(base_url, application, refresh_token))

    assert [answer.status_code for answer in answers] == [200] * CONCURRENT_REFRESHES, [
        answer.text for answer in answers
    ]
    pairs = [answer.json() for answer in answers]
    assert len({pair["access_token"] for pair in pairs}) == CONCURRENT_REFRESHES
    assert len({pair["refresh_token"] for pair in pairs}) == CONCURRENT_REFRESHES
    assert {pair["scope"] for pair in pairs} == {"read_bookings read_equipment"}
    expected = sorted(booking.id for booking in bookings)
    for pair in pairs:
        assert sorted(booking_ids(base_url, pair["access_token"])) == expected
    # Each new refresh token rotates on, and the pair it gives reads too.
    renewed = at_once(
        CONCURRENT_REFRESHES, lambda i: refresh(base_url, application, pairs[i]["refresh_token"])
    )
    assert [answer.status_code for answer in renewed] == [200] * CONCURRENT_REFRESHES
    for answer in renewed:
        assert sorted(booking_ids(base_url, answer.json()["access_token"])) == expected


class RefreshingAuthenticator:
    """Like Airbyte's declarative OAuthAuthenticator: one per stream, each holding the
    connector's configured refresh token, refreshing when it has no access token."""

    def __init__(self, base_url: str, application: Application, refresh_token: str) -> None:
        self.base_url, self.application, self.refresh_token = base_url, application, refresh_token
        self.access_token: str | None = None

    def refresh(self) -> None:
        answer = refresh(self.base_url, self.application, self.refresh_token)
        answer.raise_for_status()
        token = answer.json()
        self.access_token, self.refresh_token = token["access_token"], token["refresh_token"]


def test_two_streams_refreshing_with_the_same_token_both_read(base_url, application, refresh_token, bookings):
    streams = [RefreshingAuthenticator(base_url, application, refresh_token) for _ in range(2)]
    barrier = threading.Barrier(len(streams))

    def sync(stream: RefreshingAuthenticator) -> list[int]:
        barrier.wait()
        stream.refresh()
        return booking_ids(base_url, stream.access_token)

    with ThreadPoolExecutor(len(streams)) as pool:
        results = list(pool.map(sync, streams))

    expected = sorted(booking.id for booking in bookings)
    assert [sorted(ids) for ids in results] == [expected, expected]
    # The next sync starts from what each stream saved.
    for stream in streams:
        stream.refresh()
        assert sorted(booking_ids(base_url, stream.access_token)) == expected
