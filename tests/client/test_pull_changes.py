"""`labshare pull` following /v1/changes: a real server with demo data, changes made with the
domain functions, and the requests the client made counted by a hook on its own HTTP client."""

import json
import random
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.db.models import Max
from django.utils import timezone

from labshare.accounts import services as accounts
from labshare.accounts.models import Account, Group, User
from labshare.bookings import rules
from labshare.bookings import services as bookings
from labshare.bookings.models import Booking, BookingStatus
from labshare.changes.services import prune_changes
from labshare.client import Client, Credentials, TokenStore
from labshare.client.store import Store
from labshare.client.sync import Puller, cursor_key
from labshare.client.tables import RESOURCES, TABLES
from labshare.demo.generate import _answers as demo_answers
from labshare.equipment import services as equipment
from labshare.equipment.models import AvailabilityStatus, Equipment
from tests.client.support import DEMO_ADMIN, connect, fresh_server, load_demo
from tests.e2e.conftest import start_server, stop_process_group

pytestmark = pytest.mark.e2e

BOOKKEEPING = ("_list_hash", "_synced_at", "_details_at")


@pytest.fixture
def server(transactional_db) -> Iterator[str]:
    process, base_url = start_server()
    yield base_url
    stop_process_group(process)


def counted_client(home: Path, server: str, paths: list[str]) -> Client:
    """The saved connection, read from `server`, with every request's path written to `paths`."""
    client = Client.from_store(TokenStore(home))
    client.session.http.base_url = f"{server}/v1/"
    client.session.http.event_hooks = {"request": [lambda request: paths.append(request.url.path)]}
    return client


def pull(home: Path, server: str, store: Store, **options) -> tuple[dict, list[str]]:
    paths: list[str] = []
    with counted_client(home, server, paths) as client:
        summaries = Puller(client, store, **options).pull()
    return {summary.resource: summary for summary in summaries}, paths


def table_rows(store: Store, table: str) -> list[tuple]:
    # As text: no time zone library needed to read TIMESTAMPTZ into Python.
    columns = ", ".join(
        f'CAST("{name}" AS VARCHAR)' for name in TABLES[table].column_names if name not in BOOKKEEPING
    )
    return store.db.execute(f'SELECT {columns} FROM "{table}" ORDER BY "{TABLES[table].key}"').fetchall()


def demo_lab(name_of_role: str) -> Account:
    admin = User.objects.get(email=DEMO_ADMIN)
    return admin.memberships.filter(role=name_of_role).order_by("lab_id").first().lab


def test_it_follows_the_changes_and_gives_the_tables_a_full_pull_gives(server, tmp_path):
    load_demo("small")
    admin = User.objects.get(email=DEMO_ADMIN)
    own_lab, left_lab = demo_lab("administrator"), demo_lab("member")
    spare = equipment.add_equipment(lab=own_lab, by=admin, name="Spare stage")
    home = tmp_path / "home"
    connect(home, server)
    store = Store(tmp_path / "labs.duckdb")

    first, _ = pull(home, server, store)
    assert {summary.mode for summary in first.values()} <= {"full"}
    assert all(store.info(cursor_key(table)) for table in RESOURCES)
    assert store.count("bookings", f"provider_lab->>'id' = '{left_lab.pk}'") > 0

    # Changes through the domain functions (and a model save where there is none, as the admin's).
    last_end = Booking.objects.aggregate(last=Max("end_time"))["last"]
    start = max(timezone.now(), last_end) + timedelta(days=3)
    instrument = (
        Equipment.objects.filter(lab=own_lab, availability_status=AvailabilityStatus.AVAILABLE)
        .exclude(pk=spare.pk)
        .order_by("id")
        .first()
    )
    form = rules.current_form_version(own_lab)
    created = bookings.request_booking(
        equipment=instrument,
        start=start,
        end=start + timedelta(hours=2),
        requester=admin,
        answers=demo_answers(random.Random(1), form.fields, 1) if form else None,
    )
    upcoming = Booking.objects.filter(
        provider_lab=own_lab,
        status__in=(BookingStatus.REQUESTED, BookingStatus.BOOKED),
        start_time__gt=timezone.now(),
    ).exclude(pk=created.pk)
    cancelled = bookings.cancel_booking(booking=upcoming.first(), by=admin, reason="Plans changed")
    deleted = Booking.objects.filter(provider_lab=own_lab).exclude(pk__in=(created.pk, cancelled.pk)).first()
    bookings.delete_booking(booking=deleted, by=admin)
    added = equipment.add_equipment(lab=own_lab, by=admin, name="New microscope")
    instrument.availability_status = AvailabilityStatus.MAINTENANCE  # a field of the list only
    instrument.room = "B.12"  # a field of the details
    instrument.save()
    spare_id = spare.pk
    spare.delete()
    group = Group.objects.filter(lab=own_lab).first()
    group.name = "Renamed group"
    group.save()
    accounts.leave_lab(user=admin, lab=left_lab)  # the token no longer reads that lab

    with fresh_server() as second_server:  # its caches have not seen the changes either
        second, paths = pull(home, second_server, store)
        fresh_store = Store(tmp_path / "fresh.duckdb")
        pull(home, second_server, fresh_store, full=True)

    assert {summary.mode for summary in second.values()} == {"changes"}
    # 1: the cursor of now (the probe); 2: the changes; then the list records the changes lack:
    # equipment (its availability) and the group (its lab), one page each, of that lab only.
    assert sorted(paths) == sorted(["/v1/changes", "/v1/changes", "/v1/equipment", "/v1/groups"])
    assert second["bookings"].deleted > 1  # the one deleted and those of the lab left
    assert store.count("bookings", f"id = {deleted.pk} OR provider_lab->>'id' = '{left_lab.pk}'") == 0
    assert store.db.execute("SELECT status FROM bookings WHERE id = ?", [cancelled.pk]).fetchone() == (
        "Cancelled",
    )
    assert store.db.execute("SELECT status FROM bookings WHERE id = ?", [created.pk]).fetchone() is not None
    assert store.db.execute(
        "SELECT availability_status, room FROM equipment WHERE id = ?", [instrument.pk]
    ).fetchone() == (AvailabilityStatus.MAINTENANCE.value, "B.12")
    assert store.count("equipment", f"id = {spare_id}") == 0
    assert store.count("equipment", f"id = {added.pk} AND lab_id = {own_lab.pk}") == 1
    assert store.db.execute("SELECT name FROM groups WHERE id = ?", [group.pk]).fetchone() == (
        "Renamed group",
    )
    for table in RESOURCES:
        assert table_rows(store, table) == table_rows(fresh_store, table), table
    store.close()
    fresh_store.close()


def test_it_reads_in_full_when_the_cursor_expired_and_follows_from_the_cursor_given(server, tmp_path):
    load_demo("small")
    admin = User.objects.get(email=DEMO_ADMIN)
    own_lab = demo_lab("administrator")
    home = tmp_path / "home"
    connect(home, server)
    store = Store(tmp_path / "labs.duckdb")
    pull(home, server, store)
    stale = store.info(cursor_key("bookings"))
    gone = Booking.objects.filter(provider_lab=own_lab).order_by("id").first()
    bookings.delete_booking(booking=gone, by=admin)
    prune_changes(now=timezone.now() + timedelta(days=365))  # the deletion is past the retention
    # A change after the pruning: on SQLite a record of changes pruned empty gives a cursor of
    # now that is itself before the pruned position (the horizon is the largest id left, 0).
    renamed = Group.objects.filter(lab=own_lab).order_by("id").first()
    renamed.name = "After the pruning"
    renamed.save()

    with fresh_server() as second_server:
        second, paths = pull(home, second_server, store)
        third, third_paths = pull(home, second_server, store)

    assert second["bookings"].mode != "changes" and second["bookings"].deletions_checked
    assert "the stored cursor expired: read in full" in second["bookings"].notes
    assert store.count("bookings", f"id = {gone.pk}") == 0
    assert "/v1/bookings" in paths
    assert store.info(cursor_key("bookings")) not in (None, stale)
    # Then the changes are followed again, from the cursor the 410 gave.
    assert {summary.mode for summary in third.values()} == {"changes"}
    assert set(third_paths) == {"/v1/changes"}
    store.close()


# A server without the extension (the real service) -------------------------------------

BOOKING_ITEMS = [
    {
        "id": number,
        "start_time": "2026-01-05T09:00:00+00:00",
        "end_time": "2026-01-05T10:00:00+00:00",
        "status": "Booked",
        "booking_type": "Regular",
        "equipment_id": 1,
        "user_id": 1,
        "equipment": {"name": "Microscope"},
        "last_public_note": None,
    }
    for number in (3, 2, 1)
]


@pytest.fixture
def without_changes() -> Iterator[tuple[str, list[str]]]:
    """Lists as the real service answers them (`updated_since` and `view` ignored), and no
    /v1/changes: 404."""
    paths: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = urlparse(self.path).path
            paths.append(path)
            records = {"/v1/accounts": [], "/v1/bookings": BOOKING_ITEMS}.get(path)
            body = json.dumps(records if records is not None else {"error": "not_found"}).encode()
            self.send_response(404 if records is None else 200)
            self.send_header("Content-Type", "application/json")
            self.send_header("X-Total-Records", str(len(records or ())))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{http.server_port}", paths
    http.shutdown()


def test_it_pulls_as_today_from_a_server_without_the_change_feed(without_changes, tmp_path):
    base_url, paths = without_changes
    credentials = Credentials(
        web_url=base_url + "/",
        api_url=base_url + "/v1/",
        client_id="client",
        client_secret=None,
        access_token="token",
        refresh_token=None,
        expires_at=4102444800,
        scope="read_bookings",
    )
    store = Store(tmp_path / "labs.duckdb")
    runs = []
    for _ in range(2):
        paths.clear()
        with Client.from_credentials(credentials) as client:
            summary = Puller(client, store, details=False).pull(["bookings"])[0]
        runs.append((summary.mode, summary.read, sorted(paths)))

    # The probe answered 404, then the lists as without the extension: the second pull also
    # probes `updated_since` (a page of /v1/bookings), which this server ignores.
    assert runs == [
        ("full", 3, ["/v1/accounts", "/v1/bookings", "/v1/changes"]),
        ("full", 3, ["/v1/accounts", "/v1/bookings", "/v1/bookings", "/v1/changes"]),
    ]
    assert store.info(cursor_key("bookings")) is None
    store.close()
