"""`labshare pull` against a real server with demo data: full, incremental, deletions, formats."""

from datetime import timedelta

import duckdb
import httpx
import pyarrow.parquet as pq
import pytest
from django.db.models import Max
from django.utils import timezone

from labshare.bookings.models import Booking, BookingStatus
from labshare.client import Client, TokenStore
from labshare.client.flat import flat_tables
from labshare.client.store import Store
from labshare.client.sync import Puller
from labshare.client.tables import TABLES
from tests.client.support import connect, fresh_server, load_demo, run_cli

pytestmark = pytest.mark.e2e


def api_total(server: str, home, path: str) -> int:
    import json

    token = json.loads((home / "credentials.json").read_text())["access_token"]
    response = httpx.get(
        f"{server}/v1/{path}", params={"per_page": 1}, headers={"Authorization": f"Bearer {token}"}
    )
    return int(response.headers["X-Total-Records"])


def test_it_pulls_every_resource_into_duckdb_and_then_only_what_changed(server, tmp_path):
    load_demo("small")
    home = tmp_path / "home"
    connect(home, server)
    target = tmp_path / "labs.duckdb"

    first = run_cli(home, "pull", str(target))
    assert "bookings: full" in first.stdout
    assert "details read with the list pages" in first.stdout
    db = duckdb.connect(str(target), read_only=True)
    bookings = db.execute("SELECT count(*) FROM bookings").fetchone()[0]
    assert bookings == api_total(server, home, "bookings") > 0
    assert (
        db.execute("SELECT count(*) FROM bookings WHERE cost IS NULL OR requester_lab IS NULL").fetchone()[0]
        == 0
    )
    assert db.execute("SELECT count(*) FROM accounts").fetchone()[0] == api_total(server, home, "accounts")
    assert db.execute("SELECT count(*) FROM equipment").fetchone()[0] > 0
    assert db.execute("SELECT count(*) FROM projects").fetchone()[0] > 0
    assert db.execute("SELECT count(*) FROM custom_form_responses").fetchone()[0] > 0
    db.close()

    # The server changes: one booking cancelled, one deleted, one created.
    visible = list(Booking.objects.filter(pk__in=_ids(target)).order_by("id")[:2])
    cancelled, deleted = visible
    cancelled.status = BookingStatus.CANCELLED
    cancelled.save()
    Booking.objects.filter(pk=deleted.pk).delete()
    created = Booking.objects.get(pk=cancelled.pk)
    created.pk = None
    # After the demo's last booking, so that it takes no slot the demo holds.
    last_end = Booking.objects.aggregate(last=Max("end_time"))["last"]
    created.start_time = max(timezone.now(), last_end) + timedelta(days=3)
    created.end_time = created.start_time + timedelta(hours=2)
    created.status = BookingStatus.REQUESTED
    created.save()

    with fresh_server() as second_server:
        second = run_cli(home, "pull", str(target), "--resources", "bookings", api_url=f"{second_server}/v1/")
    # The server offers /v1/changes: the second pull follows it from the first pull's cursor,
    # deletion included, and reads no list.
    assert "bookings: changes, 3 read, 2 written, 1 deleted" in second.stdout
    db = duckdb.connect(str(target), read_only=True)
    assert db.execute("SELECT status FROM bookings WHERE id = ?", [cancelled.pk]).fetchone() == ("Cancelled",)
    assert db.execute("SELECT count(*) FROM bookings WHERE id = ?", [deleted.pk]).fetchone()[0] == 0
    assert db.execute("SELECT status FROM bookings WHERE id = ?", [created.pk]).fetchone() == ("Requested",)
    assert db.execute("SELECT count(*) FROM bookings").fetchone()[0] == bookings
    db.close()

    third = run_cli(home, "pull", str(target), "--resources", "bookings")
    assert "bookings: changes, 0 read, 0 written, 0 deleted" in third.stdout


def _ids(target) -> list[int]:
    db = duckdb.connect(str(target), read_only=True)
    try:
        return [row[0] for row in db.execute("SELECT id FROM bookings ORDER BY id").fetchall()]
    finally:
        db.close()


def test_it_finds_deletions_in_a_full_pull_as_against_a_server_without_the_extension(server, tmp_path):
    load_demo("small")
    home = tmp_path / "home"
    connect(home, server)
    target = tmp_path / "labs.duckdb"
    run_cli(home, "pull", str(target), "--resources", "bookings", "--no-details")
    gone = Booking.objects.filter(pk__in=_ids(target)).order_by("-id").first()
    Booking.objects.filter(pk=gone.pk).delete()

    with fresh_server() as second_server:
        result = run_cli(
            home,
            "pull",
            str(target),
            "--resources",
            "bookings",
            "--no-details",
            "--full",
            api_url=f"{second_server}/v1/",
        )

    assert "bookings: full" in result.stdout and "1 deleted" in result.stdout
    assert gone.pk not in _ids(target)


@pytest.mark.parametrize("file_format", ["parquet", "csv"])
def test_it_writes_parquet_and_csv_files(server, tmp_path, file_format):
    load_demo("small")
    home = tmp_path / "home"
    connect(home, server)
    folder = tmp_path / "out"

    run_cli(
        home,
        "pull",
        str(folder),
        "--format",
        file_format,
        "--resources",
        "accounts,equipment,bookings",
        "--no-details",
    )

    files = sorted(path.name for path in folder.iterdir() if not path.name.startswith("."))
    # Each resource's file, and its child tables (account_labs, booking_projects, ...).
    expected = [
        f"{t.name}.{file_format}" for name in ("accounts", "equipment", "bookings") for t in flat_tables(name)
    ]
    assert files == sorted(expected) and f"booking_projects.{file_format}" in files
    total = api_total(server, home, "bookings")
    if file_format == "parquet":
        assert pq.read_table(folder / "bookings.parquet").num_rows == total
    else:
        reader = duckdb.connect()
        rows = reader.execute("SELECT count(*) FROM read_csv(?)", [str(folder / "bookings.csv")]).fetchone()[
            0
        ]
        assert rows == total


def test_it_reads_booking_details_with_the_list_pages_as_one_request_each_would(server, tmp_path):
    load_demo("small")
    home = tmp_path / "home"
    connect(home, server)
    paged_store, single_store = Store(tmp_path / "paged.duckdb"), Store(tmp_path / "single.duckdb")
    with Client.from_store(TokenStore(home)) as client:
        paged = Puller(client, paged_store).pull(["bookings"])[0]
    with Client.from_store(TokenStore(home)) as client:
        single = Puller(client, single_store, detail_pages=False).pull(["bookings"])[0]

    total = api_total(server, home, "bookings")
    assert paged.details_in_pages and paged.detail_requests == 0
    assert not single.details_in_pages and single.detail_requests == total
    assert paged.written == single.written == total
    # The same rows, column for column, but the client's own bookkeeping (as text: no time
    # zone library needed to read TIMESTAMPTZ into Python).
    columns = ", ".join(
        f'CAST("{name}" AS VARCHAR)'
        for name in TABLES["bookings"].column_names
        if name not in ("_list_hash", "_synced_at", "_details_at")
    )
    query = f"SELECT {columns} FROM bookings ORDER BY id"
    paged_rows, single_rows = (
        paged_store.db.execute(query).fetchall(),
        single_store.db.execute(query).fetchall(),
    )
    assert len(paged_rows) == total
    assert paged_rows == single_rows
    assert paged_store.count("bookings", "cost IS NULL OR requester IS NULL OR _details_at IS NULL") == 0
    paged_store.close()
    single_store.close()
