"""A lab administrator turns on service access for an application in Chromium; dlt's rest_api
source, configured as its documentation says, then pulls the bound labs from the live server
with `oauth2_client_credentials` auth into DuckDB."""

from datetime import UTC, datetime, timedelta

import dlt
import duckdb
import httpx
import pytest
from dlt.sources.rest_api import rest_api_source
from playwright.sync_api import sync_playwright

from labshare.accounts.models import Account
from labshare.bookings.models import Booking
from labshare.bookings.services import add_note, approve_booking, cancel_booking
from labshare.equipment.models import Equipment
from labshare.oauth.models import Application
from labshare.oauth.service_access import bind_service
from tests.api.conftest import make_booking
from tests.conftest import PASSWORD
from tests.e2e.test_oauth_browser import CHROMIUM

pytestmark = pytest.mark.e2e

SECRET = "dlt-loader-secret"
T0 = datetime(2025, 5, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def loader(alice) -> Application:
    return Application.objects.create(
        name="dlt loader",
        user=alice,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://loader.example.test/callback",
        scopes="read_accounts read_equipment read_bookings",
        client_secret=SECRET,
    )


@pytest.fixture
def lab_data(alice, bob, graphene_lab, optics_lab, bio_lab, chemistry_lab) -> None:
    """Equipment and bookings in the bound labs and in two labs the loader must not read."""
    for lab_number, lab in enumerate([graphene_lab, optics_lab, bio_lab, chemistry_lab]):
        for item in range(3):
            equipment = Equipment.objects.create(lab=lab, name=f"{lab.name} instrument {item}")
            for slot in range(4):
                start = T0 + timedelta(days=lab_number, hours=3 * (item * 4 + slot))
                requester = bob if lab == chemistry_lab else alice
                Booking.objects.create(
                    equipment=equipment,
                    requester=requester,
                    requester_lab=lab,
                    creator=requester,
                    start_time=start,
                    end_time=start + timedelta(hours=2),
                )


def source_config(base_url: str, application: Application) -> dict:
    return {
        "client": {
            "base_url": f"{base_url}/v1/",
            "auth": {
                "type": "oauth2_client_credentials",
                "access_token_url": f"{base_url}/oauth/token",
                "client_id": application.client_id,
                "client_secret": SECRET,
            },
            "paginator": "header_link",
        },
        "resource_defaults": {"endpoint": {"params": {"per_page": 5}}},
        "resources": ["bookings", "equipment", "accounts"],
    }


def turn_on_service_access(server: str, email: str, application: Application, labs: list[str]) -> str:
    """As the administrator would, in the browser; return the page's status line."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**CHROMIUM)
        page = browser.new_page()
        page.goto(f"{server}/login?next=/oauth/applications")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{server}/oauth/applications")
        page.goto(f"{server}/oauth/applications/{application.pk}")
        for lab in labs:
            page.get_by_label(lab, exact=True).check()
        page.get_by_role("button", name="Turn on service access").click()
        page.wait_for_load_state()
        status = page.locator("#service-status").inner_text()
        browser.close()
    return status


def test_dlt_pulls_every_record_of_the_bound_labs_exactly_once(
    server, alice, loader, lab_data, graphene_lab, optics_lab, tmp_path, monkeypatch
):
    status = turn_on_service_access(server, alice.email, loader, [graphene_lab.name, optics_lab.name])
    assert status == "Service access is on for Graphene Lab, Optics Lab."
    monkeypatch.setenv("RUNTIME__DLTHUB_TELEMETRY", "false")
    database = tmp_path / "warehouse.duckdb"
    pipeline = dlt.pipeline(
        pipeline_name="labshare",
        destination=dlt.destinations.duckdb(str(database)),
        dataset_name="labshare",
        pipelines_dir=str(tmp_path / "pipelines"),
    )

    pipeline.run(rest_api_source(source_config(server, loader)))

    bound = [graphene_lab.pk, optics_lab.pk]
    expected = {
        "bookings": set(Booking.objects.filter(equipment__lab__in=bound).values_list("pk", flat=True)),
        "equipment": set(Equipment.objects.filter(lab__in=bound).values_list("pk", flat=True)),
        "accounts": {*bound, graphene_lab.department_id, graphene_lab.department.organisation_id},
    }
    assert len(expected["bookings"]) == 24 and len(expected["equipment"]) == 6
    assert Account.objects.count() > len(expected["accounts"])  # there is more to see than the loader may
    with duckdb.connect(str(database), read_only=True) as warehouse:
        for table, ids in expected.items():
            loaded = [row[0] for row in warehouse.sql(f"SELECT id FROM labshare.{table}").fetchall()]
            assert sorted(loaded) == sorted(ids), table  # each exactly once


def incremental_config(base_url: str, application: Application) -> dict:
    """Bookings by `updated_at`, as dlt's docs configure a declarative incremental cursor."""
    config = source_config(base_url, application)
    config["resources"] = [
        {
            "name": "bookings",
            "primary_key": "id",
            "write_disposition": "merge",
            "endpoint": {
                "path": "bookings",
                "params": {"sort": "updated_at", "per_page": 2, "updated_since": "{incremental.start_value}"},
                "incremental": {"cursor_path": "updated_at", "initial_value": "2000-01-01T00:00:00.000Z"},
            },
        }
    ]
    return config


def test_dlt_loads_only_what_changed_with_an_incremental_cursor(
    server, alice, loader, graphene_lab, tmp_path, monkeypatch
):
    bind_service(loader, [graphene_lab])
    equipment = Equipment.objects.create(lab=graphene_lab, name="Cryostat")
    bookings = [make_booking(equipment, alice, graphene_lab, days) for days in range(7)]
    monkeypatch.setenv("RUNTIME__DLTHUB_TELEMETRY", "false")
    database = tmp_path / "warehouse.duckdb"
    pipeline = dlt.pipeline(
        pipeline_name="labshare_incremental",
        destination=dlt.destinations.duckdb(str(database)),
        dataset_name="labshare",
        pipelines_dir=str(tmp_path / "pipelines"),
    )

    def load() -> int:
        pipeline.run(rest_api_source(incremental_config(server, loader)))
        return pipeline.last_trace.last_normalize_info.row_counts.get("bookings", 0)

    assert load() == 7
    approve_booking(booking=bookings[1], by=alice)
    cancel_booking(booking=bookings[3], by=alice, reason="The cryostat is warm.")
    add_note(booking=bookings[5], by=alice, message="Bring gloves.", public=True)

    assert load() == 3

    token = httpx.post(
        f"{server}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(loader.client_id, SECRET),
    ).json()["access_token"]
    served = httpx.get(f"{server}/v1/bookings", headers={"Authorization": f"Bearer {token}"}).json()
    with duckdb.connect(str(database), read_only=True) as warehouse:
        loaded = warehouse.sql("SELECT id, status FROM labshare.bookings ORDER BY id").fetchall()
    assert loaded == sorted((item["id"], item["status"]) for item in served)
    assert {status for _, status in loaded} >= {"Booked", "Cancelled"}
