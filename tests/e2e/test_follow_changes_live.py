"""Issue 13's "done means": under `labshare demo --live`, a client follows GET /v1/changes and a
webhook endpoint hears the same application's labs, side by side, against a real server and a
real `labshare worker`; both end with exactly what the database holds, deletions included.

The demo runs LABSHARE_E2E_LIVE_SECONDS (default 40) at LABSHARE_E2E_LIVE_RATE events a minute
(default 300/min); meanwhile the test takes a lab out of the authorisation and puts it back, and
its user leaves a lab, so that access changes are followed too. A calendar feed showing a
booking approved on the web within one poll is tests/e2e/test_calendar_feeds.py
(`test_the_equipment_page_gives_a_feed_that_shows_an_approval_made_on_the_web`).
"""

import io
import ipaddress
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from django.core.management import call_command
from standardwebhooks.webhooks import Webhook

from labshare.accounts.models import Membership, Role, User
from labshare.accounts.services import leave_lab
from labshare.changes import feed
from labshare.changes.models import Change
from labshare.demo.generate import ADMIN_EMAIL
from labshare.oauth.models import SCOPES, Application
from labshare.oauth.tokens import authorise, issue_tokens
from labshare.projects.models import Project
from labshare.webhooks.models import Delivery, Endpoint, Status
from labshare.webhooks.services import EVENT_TYPES, create_endpoint
from tests.conftest import redis_caches
from tests.e2e.conftest import start_server, stop_process_group
from tests.e2e.conftest import test_database_url as served_database_url
from tests.webhooks.receiver import Receiver
from tests.webhooks.workers import start_worker, stop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SECONDS = float(os.environ.get("LABSHARE_E2E_LIVE_SECONDS", "40"))
RATE = os.environ.get("LABSHARE_E2E_LIVE_RATE", "300/min")
TYPES = ",".join(EVENT_TYPES)
# On the shared PostgreSQL, other sessions' long transactions hold the feed's horizon back.
DRAIN_SECONDS = 180
# The production set-up: the server and the writing process share Redis, so that a membership
# or authorisation change clears the cached token labs in every process when it commits.
REDIS_URL = os.environ.get("LABSHARE_TEST_REDIS_URL", "redis://127.0.0.1:6379/11")


def position(cursor: str) -> tuple[int, ...]:
    at = feed.decode_cursor(cursor)
    return (at.txid, at.id, *(at.part or ()))


def past(cursor: str, recorded: tuple[int, int]) -> bool:
    """Whether a reader at `cursor` has read everything up to the change `recorded`."""
    at = feed.decode_cursor(cursor)
    return at.part is None and at.key() >= recorded


def detail_path(change: dict) -> str:
    kind, record_id = change["type"], change["id"]
    if kind == "projects":
        account_id = Project.objects.values_list("account_id", flat=True).get(pk=record_id)
        return f"/v1/accounts/{account_id}/projects/{record_id}"
    return f"/v1/{'custom_form_response' if kind == 'custom_form_responses' else kind}/{record_id}"


class Follower(threading.Thread):
    """GET /v1/changes, page after page, every half second until stopped (no ORM: httpx only)."""

    def __init__(self, api: httpx.Client, cursor: str) -> None:
        super().__init__(daemon=True)
        self.api, self.cursor = api, cursor
        self.seen: list[dict] = []
        self.stopping = threading.Event()
        self.failure: BaseException | None = None

    def read_up(self) -> None:
        while True:
            answer = self.api.get("/v1/changes", params={"after": self.cursor, "types": TYPES, "limit": 500})
            assert answer.status_code == 200, answer.text
            body = answer.json()
            self.seen += body["changes"]
            self.cursor = body["cursor"]
            if not body["has_more"]:
                return

    def run(self) -> None:
        try:
            while not self.stopping.wait(0.5):
                self.read_up()
        except BaseException as failure:  # reported by the test
            self.failure = failure


def last_seen(changes: list[dict]) -> dict[tuple[str, int], dict]:
    state: dict[tuple[str, int], dict] = {}
    for change in sorted(changes, key=lambda c: position(c["cursor"])):
        state[(change["type"], change["id"])] = change
    return state


def list_ids(api: httpx.Client, path: str) -> set[int]:
    ids, page = set(), 1
    while True:
        answer = api.get(path, params={"page": page, "per_page": 100})
        assert answer.status_code == 200, answer.text
        ids |= {row["id"] for row in answer.json()}
        if page * 100 >= int(answer.headers["X-Total-Records"]):
            return ids
        page += 1


def lists(api: httpx.Client) -> dict[str, set[int]]:
    return {kind: list_ids(api, f"/v1/{kind}") for kind in ("accounts", "bookings", "equipment", "groups")}


def last_change() -> tuple[int, int]:
    change = Change.objects.order_by("-txid", "-id").values_list("txid", "id").first()
    return change or (0, 0)


def wait_until(done, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < deadline, f"{what}: not within {seconds:.0f} s"
        time.sleep(0.2)


@pytest.fixture
def demo_facility() -> User:
    call_command("demo", "--size", "400", "--seed", "13", stdout=io.StringIO())
    return User.objects.get(email=ADMIN_EMAIL)


@pytest.fixture
def server(demo_facility, settings) -> Iterator[str]:
    settings.CACHES = redis_caches(REDIS_URL)
    process, base_url = start_server({"REDIS_URL": REDIS_URL})
    yield base_url
    stop_process_group(process)


@pytest.fixture
def worker() -> Iterator[subprocess.Popen]:
    process, log = start_worker()
    yield process
    stop(process)
    log.unlink(missing_ok=True)


def start_live_demo(log: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": served_database_url()}
    with log.open("ab") as output:
        return subprocess.Popen(
            [
                str(Path(sys.executable).with_name("labshare")),
                "demo",
                "--live",
                "--rate",
                RATE,
                "--seed",
                "13",
            ],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def test_the_change_feed_and_a_webhook_both_see_exactly_what_the_database_recorded(
    demo_facility, server, worker, settings
):
    # The receiver is on loopback over http, as the worker allows (tests/webhooks/workers.py).
    settings.LABSHARE_WEBHOOKS_ALLOW_PRIVATE = [ipaddress.ip_network("127.0.0.1/32")]
    admin = demo_facility
    memberships = Membership.objects.filter(user=admin).select_related("lab").order_by("lab_id")
    labs = [m.lab for m in memberships]
    administered = [m.lab for m in memberships if m.role == Role.ADMINISTRATOR]
    member_of = [m.lab for m in memberships if m.role == Role.MEMBER]
    application = Application.objects.create(
        name="Follower",
        user=admin,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://follower.example.test/callback",
        scopes=" ".join(SCOPES),
    )
    token = issue_tokens(admin, application, labs, SCOPES)["access_token"]
    api = httpx.Client(base_url=server, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    receiver = Receiver()
    receiver.__enter__()
    endpoint, secret = create_endpoint(
        application=application, by=admin, url=receiver.url, event_types=list(EVENT_TYPES)
    )
    start_cursor = api.get("/v1/changes", params={"types": TYPES}).json()["cursor"]
    before = lists(api)
    follower = Follower(api, start_cursor)
    follower.start()
    handle, name = tempfile.mkstemp(prefix="labshare-demo-live-", suffix=".log")
    os.close(handle)
    demo = start_live_demo(Path(name))
    try:
        # Access changes while the facility moves: a lab out of the authorisation and back,
        # and the user leaving a lab they are a plain member of.
        time.sleep(SECONDS / 4)
        authorise(admin, application, [lab for lab in labs if lab != administered[0]])
        time.sleep(SECONDS / 4)
        leave_lab(user=admin, lab=member_of[0])
        time.sleep(SECONDS / 4)
        authorise(admin, application, labs)
        time.sleep(SECONDS / 4)
    finally:
        # SIGTERM ends the demo between events (SIGINT may be ignored in a background job);
        # one stuck in a write must not outlive the test.
        demo.terminate()
        try:
            demo.wait(30)
        except subprocess.TimeoutExpired:
            demo.kill()
            demo.wait()
    demo_log = Path(name).read_text()
    Path(name).unlink()
    assert " events in " in demo_log.splitlines()[-1], demo_log[-2000:]  # stopped, not killed
    events = [line.split()[0] for line in demo_log.splitlines() if line.strip()]
    kinds_done = set(events)
    assert {"request", "approve", "cancel", "note"} <= kinds_done, demo_log[-2000:]

    # Drain: the worker and the follower past the last change the database recorded.
    while True:
        recorded = last_change()
        wait_until(
            lambda: (
                past(Endpoint.objects.get(pk=endpoint.pk).cursor, recorded)
                and not Delivery.objects.filter(status=Status.PENDING).exists()
            ),
            DRAIN_SECONDS,
            "the worker's drain",
        )
        wait_until(lambda: past(follower.cursor, recorded), DRAIN_SECONDS, "the follower")
        if last_change() == recorded:  # the worker completes ended bookings too
            break
    follower.stopping.set()
    follower.join(30)
    receiver.__exit__(None, None, None)
    assert follower.failure is None, follower.failure

    # The feed: cursors strictly increasing, so no change twice.
    cursors = [position(c["cursor"]) for c in follower.seen]
    assert cursors == sorted(set(cursors))
    assert len({(c["type"], c["id"], c["cursor"]) for c in follower.seen}) == len(follower.seen)

    # Webhooks: every delivery verified; a webhook-id repeated (at least once) repeats its body.
    bodies_by_id: dict[str, bytes] = {}
    delivered = []
    for request in receiver.received:
        body = Webhook(secret).verify(request.body, request.headers)
        message_id = request.headers["webhook-id"]
        if message_id in bodies_by_id:
            assert bodies_by_id[message_id] == request.body, message_id
        else:
            bodies_by_id[message_id] = request.body
            delivered.append(body)
    assert len(delivered) == Delivery.objects.filter(endpoint=endpoint, status=Status.DELIVERED).count()

    after = lists(api)
    assert after != before
    print(
        f"{len(events) - 2} demo events; /v1/changes: {len(follower.seen)} changes;"
        f" webhook: {len(delivered)} deliveries, {len(receiver.received)} requests"
    )
    recorded_keys = {
        (change.type, change.record_id)
        for change in Change.objects.filter(type__in=EVENT_TYPES)
        if feed.decode_cursor(start_cursor).key() < (change.txid, change.id)
    }
    for name_, changes in (("/v1/changes", follower.seen), ("webhook", delivered)):
        state = last_seen(changes)
        kinds = {change["action"] for change in changes}
        assert {"created", "updated", "deleted"} <= kinds, name_
        # Every id the lists no longer have was seen deleted; every new one seen.
        for kind, ids in before.items():
            for gone in ids - after[kind]:
                assert state[(kind, gone)]["action"] == "deleted", (name_, kind, gone)
            for new in after[kind] - ids:
                assert state.get((kind, new), {}).get("action") in ("created", "updated"), (name_, kind, new)
        # Every record's last seen state is what its detail reads now.
        for (kind, record_id), change in state.items():
            if change["action"] == "deleted":
                assert record_id not in after.get(kind, set()), (name_, kind, record_id)
                continue
            answer = api.get(detail_path(change))
            assert answer.status_code == 200, (name_, kind, record_id, answer.text)
            assert answer.json() == change["record"], (name_, kind, record_id)
        # What the database recorded for records still in sight was seen.
        visible = {key for key in recorded_keys if key[0] in after and key[1] in after[key[0]]}
        assert visible <= set(state), (name_, sorted(visible - set(state))[:10])
    api.close()
