"""Outages answer clearly and heal by themselves (README: Running in production › Outages).

Each test runs its own PostgreSQL cluster or Redis server, drives `labshare serve` with a
bounded load from one thread, restarts and stops the service under it, and checks every
answer: the right body, or a clear 503 while the database is away; never a 500; and all
answers right again once the service is back, without restarting Labshare.
"""

import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from django.db import connection
from django.test import Client

from labshare.bookings.models import Booking
from labshare.equipment.models import Equipment
from labshare.oauth.models import SCOPES, Application
from labshare.oauth.tokens import issue_tokens
from tests.e2e.conftest import start_labshare_serve, stop_process_group
from tests.e2e.conftest import test_database_url as suite_database_url
from tests.e2e.own_services import PostgresCluster, RedisServer

pytestmark = pytest.mark.e2e

CLIENT_SECRET = "outage-client-secret"
MAX_REQUESTS = 10_000  # a bound the test's minute never reaches, however fast the server
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


@dataclass
class Answer:
    at: float
    name: str
    status: int | str
    right: bool


@dataclass
class Load:
    """One thread sending the requests of `checks` in turn, at most MAX_REQUESTS of them."""

    base_url: str
    checks: dict[str, Callable[[httpx.Client], tuple[int, bool]]]
    answers: list[Answer] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def _run(self) -> None:
        started = time.monotonic()
        with httpx.Client(base_url=self.base_url, timeout=10) as client:
            while not self._stop.is_set() and len(self.answers) < MAX_REQUESTS:
                for name, check in self.checks.items():
                    try:
                        status, right = check(client)
                    except httpx.TransportError as error:
                        status, right = type(error).__name__, False
                    self.answers.append(Answer(time.monotonic() - started, name, status, right))
                time.sleep(0.05)

    def __enter__(self) -> "Load":
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(30)

    def since(self, offset: float) -> list[Answer]:
        return [answer for answer in self.answers if answer.at >= offset]

    def now(self) -> float:
        return self.answers[-1].at if self.answers else 0.0

    def wait_until_all_right(self, seconds: float) -> None:
        """Until a whole round of every check came back right (or `seconds` pass)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            last_round = self.answers[-len(self.checks) :]
            if len(last_round) == len(self.checks) and all(answer.status == 200 for answer in last_round):
                return
            time.sleep(0.1)

    def next_answers(self, count: int, seconds: float) -> list[Answer]:
        """The next `count` answers (fewer if `seconds` pass first)."""
        start = len(self.answers)
        deadline = time.monotonic() + seconds
        while len(self.answers) < start + count and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.answers[start : start + count]


@pytest.fixture
def application(alice) -> Application:
    return Application.objects.create(
        name="Outage client",
        user=alice,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://client.example.test/callback",
        client_secret=CLIENT_SECRET,
        scopes=" ".join(SCOPES),
    )


@pytest.fixture
def world(transactional_db, alice, graphene_lab, application) -> dict:
    """Committed rows a server process sees: bookings, a token, a signed-in session."""
    microscope = Equipment.objects.create(lab=graphene_lab, name="Titan Krios", model="Krios G4")
    bookings = [
        Booking.objects.create(
            equipment=microscope,
            requester=alice,
            requester_lab=graphene_lab,
            creator=alice,
            start_time=T0 + timedelta(hours=hours),
            end_time=T0 + timedelta(hours=hours + 1),
        )
        for hours in range(3)
    ]
    tokens = issue_tokens(alice, application, [graphene_lab], SCOPES)
    browser = Client()
    browser.force_login(alice)
    return {
        "token": tokens["access_token"],
        "booking_ids": sorted(booking.id for booking in bookings),
        "session": browser.cookies["sessionid"].value,
        "client_id": application.client_id,
    }


def api_checks(world: dict, with_pages: bool = True) -> dict[str, Callable]:
    """What each request must answer: the right body, else (database away) a clear 503."""
    bearer = {"Authorization": f"Bearer {world['token']}"}
    first_id = world["booking_ids"][0]

    def unavailable_json(response: httpx.Response) -> bool:
        return (
            response.status_code == 503
            and response.headers["Content-Type"] == "application/json"
            and response.json()["error"] == "temporarily_unavailable"
            and bool(response.json()["error_description"])
            and int(response.headers["Retry-After"]) > 0
        )

    def bookings(client: httpx.Client) -> tuple[int, bool]:
        response = client.get("/v1/bookings", headers=bearer)
        if response.status_code == 200:
            return 200, sorted(item["id"] for item in response.json()) == world["booking_ids"]
        return response.status_code, unavailable_json(response)

    def booking(client: httpx.Client) -> tuple[int, bool]:
        response = client.get(f"/v1/bookings/{first_id}", headers=bearer)
        if response.status_code == 200:
            return 200, response.json()["id"] == first_id
        return response.status_code, unavailable_json(response)

    def introspect(client: httpx.Client) -> tuple[int, bool]:
        response = client.post(
            "/oauth/introspect", data={"token": world["token"]}, auth=(world["client_id"], CLIENT_SECRET)
        )
        if response.status_code == 200:
            return 200, response.json()["active"] is True
        return response.status_code, unavailable_json(response)

    def page(client: httpx.Client) -> tuple[int, bool]:
        response = client.get("/oauth/applications", headers={"Cookie": f"sessionid={world['session']}"})
        if response.status_code == 200:
            return 200, "Outage client" in response.text
        return response.status_code, (
            response.status_code == 503
            and response.headers["Content-Type"].startswith("text/html")
            and "Temporarily unavailable" in response.text
            and int(response.headers["Retry-After"]) > 0
        )

    checks = {"bookings": bookings, "booking": booking, "introspect": introspect}
    if with_pages:
        checks["page"] = page
    return checks


def print_statuses(what: str, answers: list[Answer]) -> None:
    """The figure the README quotes (pytest -s shows it): answers by status during an outage."""
    counts = Counter(str(answer.status) for answer in answers)
    print(f"\n{what}: {len(answers)} answers, " + ", ".join(f"{n} x {s}" for s, n in sorted(counts.items())))


def assert_no_500_and_no_wrong_answer(load: Load) -> None:
    statuses = {answer.status for answer in load.answers}
    assert 500 not in statuses
    wrong = [answer for answer in load.answers if not answer.right]
    # A wrong answer is only ever a 503 of the outage itself... and even those must be right 503s.
    assert not wrong, wrong[:5]


@pytest.fixture
def own_postgres() -> Iterator[PostgresCluster]:
    cluster = PostgresCluster()
    try:
        cluster.create()
        yield cluster
    finally:
        cluster.remove()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the database outage is a PostgreSQL server's outage"
)
def test_a_database_restart_and_a_10_second_stop_answer_503_and_heal(world, own_postgres, tmp_path):
    database_url = own_postgres.copy_database(suite_database_url(), "labshare_outage")
    log = tmp_path / "server.log"
    server, base_url = start_labshare_serve(
        {"DATABASE_URL": database_url, "LABSHARE_RATE_LIMIT": "100000/minute", "REDIS_URL": ""}, log=log
    )
    try:
        with Load(base_url, api_checks(world)) as load:
            time.sleep(2)
            own_postgres.restart()
            time.sleep(2)
            own_postgres.stop()
            stopped_at = load.now()
            time.sleep(10)
            started_at = load.now()  # before start(): answers may turn 200 while it waits for it
            own_postgres.start()
            load.wait_until_all_right(15)
            healed = load.next_answers(8, 15)
    finally:
        stop_process_group(server)

    print_statuses("database stopped", [a for a in load.answers if stopped_at <= a.at < started_at])
    assert_no_500_and_no_wrong_answer(load)
    during_stop = [a for a in load.answers if stopped_at + 0.5 <= a.at < started_at]
    assert during_stop and all(answer.status == 503 for answer in during_stop)
    assert {answer.name for answer in during_stop} == {"bookings", "booking", "introspect", "page"}
    assert len(healed) == 8 and all(answer.status == 200 for answer in healed)
    output = log.read_text()
    # One line per outage in the one worker: the restart may cost none, the stop one.
    assert 1 <= len(re.findall("The database is unavailable", output)) <= 2
    assert "Traceback" not in output
    assert "Service Unavailable" not in output


@pytest.fixture
def own_redis(tmp_path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


def test_the_api_answers_from_the_database_while_redis_is_down_and_limits_still_hold(
    world, own_redis, tmp_path
):
    log = tmp_path / "server.log"
    server, base_url = start_labshare_serve(
        {"REDIS_URL": own_redis.url, "LABSHARE_RATE_LIMIT": "5/hour"}, log=log
    )
    checks = api_checks(world, with_pages=False)
    # The introspection endpoint is rate-limited; the limit is tried on its own below.
    del checks["introspect"]
    try:
        with Load(base_url, checks) as load:
            time.sleep(2)
            assert own_redis.key_count() > 0  # the API caches in Redis
            own_redis.stop()
            own_redis.start()  # a restart: empty, on the same port
            time.sleep(2)
            own_redis.stop()
            stopped_at = load.now()
            time.sleep(5)
            # While Redis is down the limit holds per process: 5 refused clients, then 429.
            statuses = [
                httpx.post(
                    f"{base_url}/oauth/revoke", data={"token": "x"}, auth=("nobody", "wrong")
                ).status_code
                for _ in range(6)
            ]
            own_redis.start()
            back_at = load.now()
            time.sleep(3)
            assert own_redis.key_count() > 0  # back in use, without restarting Labshare
    finally:
        stop_process_group(server)

    print_statuses("Redis stopped", [a for a in load.answers if stopped_at <= a.at < back_at])
    assert_no_500_and_no_wrong_answer(load)
    assert {answer.status for answer in load.answers} == {200}
    assert len(load.since(back_at)) >= 4
    assert statuses == [401] * 5 + [429]
    output = log.read_text()
    assert "Traceback" not in output
    assert 1 <= len(re.findall("Redis is unavailable", output)) <= 2
