"""The dlt source: the demo set loaded into DuckDB with dlt, then bookings changed and deleted
on the server and loaded again: the destination holds what the server holds."""

from datetime import timedelta

import duckdb
import pytest
from django.utils import timezone

from labshare.bookings.models import Booking, BookingStatus
from labshare.client import Client, TokenStore
from tests.client.support import connect, fresh_server, load_demo

dlt = pytest.importorskip("dlt")
pytestmark = pytest.mark.e2e


def server_bookings(home) -> dict[int, str]:
    with Client.from_store(TokenStore(home)) as client:
        return {booking["id"]: booking["status"] for booking in client.bookings()}


def destination_bookings(path) -> dict[int, str]:
    db = duckdb.connect(str(path), read_only=True)
    try:
        return dict(db.execute("SELECT id, status FROM labshare.bookings").fetchall())
    finally:
        db.close()


@pytest.mark.timeout(900)
def test_dlt_loads_every_resource_then_only_changes_and_deletions(server, tmp_path, monkeypatch):
    from labshare.client.dlt_source import labshare_source

    monkeypatch.setenv("RUNTIME__DLTHUB_TELEMETRY", "false")
    load_demo("small")
    home = tmp_path / "home"
    connect(home, server)
    destination = tmp_path / "warehouse.duckdb"
    pipeline = dlt.pipeline(
        pipeline_name="labshare_test",
        destination=dlt.destinations.duckdb(str(destination)),
        dataset_name="labshare",
        pipelines_dir=str(tmp_path / "pipelines"),
    )

    pipeline.run(labshare_source(client_home=str(home)))

    assert destination_bookings(destination) == server_bookings(home)
    db = duckdb.connect(str(destination), read_only=True)
    tables = {
        row[0]
        for row in db.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'labshare'"
        ).fetchall()
    }
    assert {
        "user",
        "accounts",
        "equipment",
        "groups",
        "projects",
        "bookings",
        "custom_form_responses",
    } <= tables
    assert "bookings__projects" in tables  # a booking's projects, one row each
    cost_type = db.execute(
        "SELECT data_type FROM information_schema.columns WHERE table_name = 'bookings' AND column_name = 'cost'"
    ).fetchone()[0]
    db.close()
    assert cost_type == "DECIMAL(14,2)"

    cancelled, deleted = Booking.objects.filter(pk__in=destination_bookings(destination)).order_by("id")[:2]
    cancelled.status = BookingStatus.CANCELLED
    cancelled.save()
    Booking.objects.filter(pk=deleted.pk).delete()
    created = Booking.objects.get(pk=cancelled.pk)
    created.pk = None
    created.start_time = timezone.now() + timedelta(days=3)
    created.end_time = created.start_time + timedelta(hours=2)
    created.status = BookingStatus.REQUESTED
    created.save()

    with fresh_server() as second_server:
        monkeypatch.setenv("LABSHARE_API_URL", f"{second_server}/v1/")
        load = pipeline.run(labshare_source(client_home=str(home), resources=("bookings",)))
        expected = server_bookings(home)

    loaded = destination_bookings(destination)
    assert loaded == expected
    assert (
        loaded[cancelled.pk] == "Cancelled" and loaded[created.pk] == "Requested" and deleted.pk not in loaded
    )
    # Only the changes travelled: the new and the changed bookings, and the deletion.
    rows = pipeline.last_trace.last_normalize_info.row_counts["bookings"]
    assert rows < len(expected) / 10, (rows, load)
