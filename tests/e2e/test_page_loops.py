"""Generic loaders' page loops with plain httpx against the running server: Power Query's
`page=1,2,...` until a short page, and Airbyte's `sort=updated_at` walk that stops and
resumes from its saved `after` cursor while bookings change."""

import httpx
import pytest

from labshare.bookings.services import add_note, approve_booking
from labshare.equipment.models import Equipment
from labshare.oauth.tokens import issue_tokens
from tests.api.conftest import make_booking

pytestmark = pytest.mark.e2e


@pytest.fixture
def reader(server, alice, alice_app, graphene_lab) -> httpx.Client:
    token = issue_tokens(alice, alice_app, [graphene_lab], ["read_bookings"])["access_token"]
    return httpx.Client(base_url=server, headers={"Authorization": f"Bearer {token}"})


def book(alice, lab, count: int) -> list:
    equipment = Equipment.objects.create(lab=lab, name="Spectrometer")
    return [make_booking(equipment, alice, lab, n / 10) for n in range(count)]


@pytest.mark.parametrize(
    "per_page",
    [
        100,
        pytest.param(
            250,
            marks=pytest.mark.xfail(
                strict=True,
                reason="per_page above 100 is served as 100 (as the reference does), which a loop "
                "that stops on a page shorter than it asked for takes for the last page",
            ),
        ),
    ],
)
def test_a_power_query_page_loop_reads_every_booking_once(per_page, reader, alice, graphene_lab):
    expected = {booking.pk for booking in book(alice, graphene_lab, 130)}
    seen: list[int] = []
    page = 1
    while True:
        response = reader.get("/v1/bookings", params={"page": page, "per_page": per_page})
        assert response.status_code == 200
        seen.extend(item["id"] for item in response.json())
        if len(response.json()) < per_page:
            break
        page += 1
    assert sorted(seen) == sorted(expected)


def test_an_airbyte_walk_resumes_from_its_saved_cursor_and_skips_nothing(reader, alice, graphene_lab):
    bookings = book(alice, graphene_lab, 9)
    records: dict[int, dict] = {}

    def read(url: str, params: dict | None = None, pages: int | None = None) -> str | None:
        """Follow `next` for at most `pages` pages; the URL to resume from, or None at the end."""
        while url and pages != 0:
            response = reader.get(url, params=params)
            assert response.status_code == 200
            order = [(item["updated_at"], item["id"]) for item in response.json()]
            assert order == sorted(order)
            records.update((item["id"], item) for item in response.json())
            url, params = response.links.get("next", {}).get("url"), None
            pages = None if pages is None else pages - 1
        return url

    saved = read("/v1/bookings", {"sort": "updated_at", "per_page": 2}, pages=2)
    assert saved and "after=" in saved and len(records) == 4
    seen_first, unseen = bookings[0], bookings[-1]
    assert seen_first.pk in records and unseen.pk not in records
    approve_booking(booking=seen_first, by=alice)
    add_note(booking=unseen, by=alice, message="Calibrated.", public=True)
    created = make_booking(seen_first.equipment, alice, graphene_lab, 5)

    assert read(saved) is None

    served = {item["id"]: item for item in reader.get("/v1/bookings").json()}
    assert set(records) == set(served) == {*(b.pk for b in bookings), created.pk}
    assert all(records[pk]["updated_at"] == served[pk]["updated_at"] for pk in served)
    assert records[seen_first.pk]["status"] == "Booked"
