"""sort=updated_at on every list: oldest change first, ties by id, continued with `after`.

The rule a walk follows while writes go on: every record is listed at least once and none
is skipped; a record that changes after it was listed is listed again, later, at its new
place (a client keeps the last copy of each id); any other record is listed exactly once.
"""

import base64
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest

from labshare.accounts.models import Account, Group
from labshare.bookings.models import Booking
from labshare.equipment.models import Equipment
from labshare.projects.models import Project
from tests.api.conftest import T0, World, make_booking, make_equipment
from tests.api.contract import assert_matches_contract


@dataclass(frozen=True)
class Listing:
    name: str
    template: str
    path: Callable[[World], str]
    model: type
    make: Callable[[World, int], object]  # a new record the token sees


def new_booking(world: World, n: int) -> Booking:
    return make_booking(world.microscope, world.booking.requester, world.graphene_lab, 40 + n)


def new_account(world: World, n: int) -> None:
    """No new account becomes visible without a new authorisation: touch an existing one."""
    world.physics.save()


LISTINGS = [
    Listing("accounts", "/accounts", lambda w: "/v1/accounts", Account, new_account),
    Listing("bookings", "/bookings", lambda w: "/v1/bookings", Booking, new_booking),
    Listing(
        "equipment_list",
        "/equipment",
        lambda w: "/v1/equipment",
        Equipment,
        lambda w, n: make_equipment(w.optics_lab, f"Asset {n}", 40 + n),
    ),
    Listing(
        "equipment_bookings",
        "/equipment/{id}/bookings",
        lambda w: f"/v1/equipment/{w.microscope.id}/bookings",
        Booking,
        new_booking,
    ),
    Listing(
        "groups",
        "/groups",
        lambda w: "/v1/groups",
        Group,
        lambda w, n: Group.objects.create(lab=w.optics_lab, name=f"Group {n}"),
    ),
    Listing(
        "projects",
        "/accounts/{account_id}/projects",
        lambda w: f"/v1/accounts/{w.graphene_lab.id}/projects",
        Project,
        lambda w, n: Project.objects.create(account=w.graphene_lab, name=f"Project {n}"),
    ),
]


def links(response) -> dict[str, str]:
    found = re.findall(r'<http://testserver([^>]+)>; rel="(\w+)"', response["Link"])
    return {rel: url for url, rel in found}


def listed_ids(api, token, path: str) -> set[int]:
    """Every record of the list as v0.1.5 pages it (no sort)."""
    return {item["id"] for item in api(path, token, per_page=100).json()}


def walk(api, token, url: str, between_pages: Callable[[int, list[dict]], None] = lambda n, items: None):
    """Follow the next links from `url`; `between_pages` runs after each page."""
    seen, pages = [], []
    while url:
        response = api(url, token)
        assert response.status_code == 200, response.content
        pages.append(response)
        seen.extend(response.json())
        between_pages(len(pages), response.json())
        url = links(response).get("next")
        assert len(pages) < 50, "the walk does not end"
    return seen, pages


@pytest.mark.parametrize("listing", LISTINGS, ids=[item.name for item in LISTINGS])
def test_it_lists_oldest_change_first_with_ties_by_id(listing, world, alice_token, api):
    for n in range(4):
        listing.make(world, n)
    path = listing.path(world)
    visible = listed_ids(api, alice_token, path)
    # Three records share an updated_at, two more are a microsecond apart.
    ordered = sorted(visible)
    times = [T0, T0, T0, T0 + timedelta(microseconds=1), T0 + timedelta(microseconds=2)]
    for record_id, when in zip(ordered, times, strict=False):
        listing.model.objects.filter(pk=record_id).update(updated_at=when)
    expected = list(
        listing.model.objects.filter(pk__in=visible).order_by("updated_at", "id").values_list("pk", flat=True)
    )
    response = api(path, alice_token, sort="updated_at")
    assert_matches_contract(response, listing.template)
    assert [item["id"] for item in response.json()] == expected
    # One record a page: the cursor keeps the microseconds and the ties.
    seen, pages = walk(api, alice_token, f"{path}?sort=updated_at&per_page=1")
    assert [item["id"] for item in seen] == expected
    for page in pages:
        assert_matches_contract(page, listing.template)


@pytest.mark.parametrize("listing", LISTINGS, ids=[item.name for item in LISTINGS])
def test_a_walk_skips_nothing_while_records_change(listing, world, alice_token, api):
    for n in range(5):
        listing.make(world, n)
    path = listing.path(world)
    before = listed_ids(api, alice_token, path)
    changed: dict[str, int] = {}

    def write(page_number: int, items: list[dict]) -> None:
        if page_number != 1:
            return
        seen_ids = {item["id"] for item in items}
        changed["seen"] = items[0]["id"]
        changed["unseen"] = max(before - seen_ids)
        for record_id in (changed["seen"], changed["unseen"]):
            listing.model.objects.get(pk=record_id).save()
        created = listing.make(world, 99)
        changed["created"] = getattr(created, "pk", None)

    seen, pages = walk(api, alice_token, f"{path}?sort=updated_at&per_page=2", write)
    ids = [item["id"] for item in seen]
    counts = Counter(ids)
    assert set(ids) == listed_ids(api, alice_token, path)  # nothing skipped, nothing extra
    # The record changed after it was listed comes again, later, in its new state.
    assert counts[changed["seen"]] == 2
    copies = [item for item in seen if item["id"] == changed["seen"]]
    assert copies[0]["updated_at"] < copies[1]["updated_at"]
    assert ids.index(changed["seen"]) < ids.index(changed["unseen"])
    # Every other record once, the one changed before it was reached included.
    assert all(count == 1 for record_id, count in counts.items() if record_id != changed["seen"])
    assert [item["updated_at"] for item in seen] == sorted(item["updated_at"] for item in seen)
    # The headers: the list's total, the walk's page numbers, first and next links.
    total = str(len(listed_ids(api, alice_token, path)))
    assert [page["X-Current-Page"] for page in pages] == [str(n) for n in range(1, len(pages) + 1)]
    assert all(page["X-Total-Records"] == total for page in pages[1:])
    assert all(set(links(page)) == {"first", "next"} for page in pages[:-1])
    assert set(links(pages[-1])) == {"first"}
    assert links(pages[-1])["first"] == f"{path}?sort=updated_at&per_page=2"


def test_a_walk_resumes_from_a_kept_cursor(world, alice_token, api):
    for n in range(3):
        new_booking(world, n)
    first = api("/v1/bookings", alice_token, sort="updated_at", per_page=4)
    stopped_at = Booking.objects.get(pk=first.json()[-1]["id"])
    cursor = links(first)["next"]  # the client stops here and keeps the cursor
    later = new_booking(world, 10)
    world.booking.save()
    resumed, _ = walk(api, alice_token, cursor)
    after_stop = Booking.objects.filter(
        provider_lab__in=[world.graphene_lab, world.optics_lab], updated_at__gte=stopped_at.updated_at
    ).exclude(updated_at=stopped_at.updated_at, id__lte=stopped_at.id)
    expected = list(after_stop.order_by("updated_at", "id").values_list("pk", flat=True))
    assert [item["id"] for item in resumed] == expected
    assert expected[-2:] == [later.id, world.booking.id]


def test_a_full_last_page_links_to_an_empty_one(world, alice_token, api):
    response = api("/v1/bookings", alice_token, sort="updated_at", per_page=2)
    assert len(response.json()) == 2
    following = api(links(response)["next"], alice_token)
    assert following.json() == []
    assert following["X-Current-Page"] == "2"
    assert set(links(following)) == {"first"}


def test_it_combines_with_filters_and_the_detail_view(world, alice_token, api):
    world.booking.save()
    response = api("/v1/bookings", alice_token, sort="updated_at", view="detail", status="booked,requested")
    assert_matches_contract(response, "/bookings")
    body = response.json()
    assert body[-1]["id"] == world.booking.id
    assert "cost" in body[-1]
    assert [item["updated_at"] for item in body] == sorted(item["updated_at"] for item in body)


def test_a_walk_reads_one_statement_a_page(world, alice_token, api, django_assert_num_queries):
    for n in range(6):
        new_booking(world, n)
    # 1: the token with its labs; 2: the count; 3: the page
    with django_assert_num_queries(3):
        first = api("/v1/bookings", alice_token, sort="updated_at", per_page=3)
    with django_assert_num_queries(1):
        api(links(first)["next"], alice_token)


def test_it_starts_a_walk_at_a_page_by_offset(world, alice_token, api):
    for n in range(4):
        new_booking(world, n)
    whole = [b["id"] for b in api("/v1/bookings", alice_token, sort="updated_at").json()]
    second = api("/v1/bookings", alice_token, sort="updated_at", per_page=2, page=2)
    assert [b["id"] for b in second.json()] == whole[2:4]
    assert second["X-Current-Page"] == "2"
    third = api(links(second)["next"], alice_token)
    assert [b["id"] for b in third.json()] == whole[4:6]
    assert third["X-Current-Page"] == "3"


def encoded(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "after",
    [
        "x",
        "!!!!",
        "",
        encoded("yesterday|1|2"),
        encoded("2026-01-01T00:00:00+00:00|1"),
        encoded("2026-01-01T00:00:00|1|2"),  # no offset
        encoded("2026-01-01T00:00:00+00:00|one|2"),
        encoded("2026-01-01T00:00:00+00:00|1|1"),  # the first page has no cursor
        encoded(f"2026-01-01T00:00:00+00:00|{2**70}|2"),
        encoded("2026-01-01T00:00:00+00:00|-1|2"),
        base64.b64encode(b"\xff\xfe|1|2").decode(),
    ],
)
def test_a_bad_cursor_is_a_400_naming_after(after, world, alice_token, api):
    response = api("/v1/bookings", alice_token, sort="updated_at", after=after)
    assert response.status_code == 400
    assert response.json()["parameter"] == "after"
    assert_matches_contract(response, "/bookings")


def test_after_needs_sort_and_excludes_page(world, alice_token, api):
    first = api("/v1/groups", alice_token, sort="updated_at", per_page=1)
    cursor = re.search(r"after=([\w-]+)", links(first)["next"]).group(1)
    without_sort = api("/v1/groups", alice_token, after=cursor)
    assert without_sort.status_code == 400
    assert without_sort.json()["parameter"] == "after"
    with_page = api("/v1/groups", alice_token, sort="updated_at", after=cursor, page=2)
    assert with_page.status_code == 400
    assert with_page.json()["parameter"] == "page"
    # page=1, the contract's default, is what a generated client sends with every request.
    with_first_page = api("/v1/groups", alice_token, sort="updated_at", after=cursor, page=1)
    assert with_first_page.status_code == 200
    assert with_first_page["X-Current-Page"] == "2"
    assert api("/v1/groups", alice_token, sort="updated_at", after=cursor).status_code == 200


@pytest.mark.parametrize("sort", ["created_at", "-updated_at", "UPDATED_AT", "", "updated_at,id"])
def test_an_unknown_sort_is_a_400_naming_sort(sort, world, alice_token, api):
    response = api("/v1/equipment", alice_token, sort=sort)
    assert response.status_code == 400
    assert response.json()["parameter"] == "sort"
