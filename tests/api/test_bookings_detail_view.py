"""`view=detail` on GET /v1/bookings and /v1/equipment/{id}/bookings (a Labshare extension)."""

from decimal import Decimal

import pytest

from tests.api.conftest import answer_form, make_booking, make_form
from tests.api.contract import assert_matches_contract, openapi

PAGE_HEADERS = ("X-Total-Records", "X-Current-Page", "X-Per-Page")


def details_of(api, token: str, items: list[dict]) -> list[dict]:
    return [api(f"/v1/bookings/{item['id']}", token).json() for item in items]


@pytest.fixture
def more_bookings(world, alice, bob):
    """Bookings with several projects, form responses and notes, so that batching shows."""
    form = make_form(world.optics_lab, "Laser safety")
    made = []
    for day in range(5):
        booking = make_booking(
            world.laser if day % 2 else world.detector,
            alice if day % 2 else bob,
            world.optics_lab if day % 2 else world.graphene_lab,
            40 + day,
            cost=Decimal(day * 10),
            status="Requested",
        )
        booking.projects.set([world.graphene_project, world.optics_project][: day % 3])
        for _ in range(day % 3):
            answer_form(booking, form, alice)
        made.append(booking)
    return made


def test_it_shows_each_booking_as_its_detail_endpoint_does(world, more_bookings, alice_token, api):
    listed = api("/v1/bookings", alice_token)
    response = api("/v1/bookings", alice_token, view="detail")
    assert response.status_code == 200
    assert_matches_contract(response, "/bookings")
    body = response.json()
    assert [item["id"] for item in body] == [item["id"] for item in listed.json()]
    assert body == details_of(api, alice_token, listed.json())
    assert len(body) == 7
    assert {len(item["projects"]) for item in body} == {0, 1, 2}
    assert {len(item["custom_form_responses"]) for item in body} == {0, 1, 2}
    for header in PAGE_HEADERS:
        assert response[header] == listed[header]


def test_it_pages_filters_and_narrows_as_the_list_does(world, more_bookings, alice_token, api):
    for query in (
        {"page": 2, "per_page": 3},
        {"page": 3, "per_page": 3},
        {"status": "requested,completed"},
        {"provider_account": world.optics_lab.id},
        {"start_after": "2022-04-01T00:00:00Z"},
    ):
        listed = api("/v1/bookings", alice_token, **query)
        detailed = api("/v1/bookings", alice_token, view="detail", **query)
        assert detailed.status_code == 200, detailed.json()
        assert [item["id"] for item in detailed.json()] == [item["id"] for item in listed.json()], query
        assert detailed.json() == details_of(api, alice_token, listed.json())
        assert detailed["X-Total-Records"] == listed["X-Total-Records"]
        assert detailed["Link"] == listed["Link"].replace("?", "?view=detail&")
    assert api("/v1/bookings", alice_token, view="detail", page=9).json() == []


def test_it_answers_exactly_as_before_with_view_list(world, alice_token, api):
    plain = api("/v1/bookings", alice_token)
    listed = api("/v1/bookings", alice_token, view="list")
    assert listed.content == plain.content
    assert "view" not in plain["Link"]
    equipment = f"/v1/equipment/{world.microscope.id}/bookings"
    assert api(equipment, alice_token, view="list").content == api(equipment, alice_token).content


@pytest.mark.parametrize("value", ["", "Detail", "details", "full", "list,detail"])
def test_it_refuses_an_unknown_view_naming_the_parameter(world, alice_token, api, value):
    for path, template in (
        ("/v1/bookings", "/bookings"),
        (f"/v1/equipment/{world.microscope.id}/bookings", "/equipment/{id}/bookings"),
    ):
        response = api(path, alice_token, view=value)
        assert response.status_code == 400
        assert response.json() == {
            "error": "invalid_parameter",
            "error_description": f"view must be one of list, detail, not {value!r}.",
            "parameter": "view",
        }
        assert_matches_contract(response, template)


def test_it_shows_only_the_bookings_the_token_may_read(world, bio_lab, token_with, alice_token, api):
    ids = {item["id"] for item in api("/v1/bookings", alice_token, view="detail").json()}
    assert ids == {world.booking.id, world.maintenance.id}
    bio_only = token_with("read_bookings", labs=(bio_lab,))
    body = api("/v1/bookings", bio_only, view="detail").json()
    assert body == [api(f"/v1/bookings/{world.bio_booking.id}", bio_only).json()]
    assert body[0]["provider_organisation"] is None
    # Another lab's equipment, or an account the token cannot see: 404, as without the view.
    foreign = api(f"/v1/equipment/{world.spectrometer.id}/bookings", alice_token, view="detail")
    assert foreign.status_code == 404
    foreign_account = api("/v1/bookings", alice_token, view="detail", provider_account=world.oxford.id)
    assert foreign_account.status_code == 404
    assert foreign_account.json()["parameter"] == "provider_account"


def test_it_shows_an_equipments_bookings_as_details(world, more_bookings, alice_token, api):
    path = f"/v1/equipment/{world.detector.id}/bookings"
    listed = api(path, alice_token)
    response = api(path, alice_token, view="detail", per_page=2)
    assert response.status_code == 200
    assert_matches_contract(response, "/equipment/{id}/bookings")
    assert response.json() == details_of(api, alice_token, listed.json()[:2])
    assert response["X-Total-Records"] == listed["X-Total-Records"] == "4"
    assert response.json()[-1]["parent_equipment"] == {"id": world.microscope.id, "name": "Titan Krios"}


def test_it_needs_read_bookings_for_an_equipments_booking_details(world, token_with, api):
    path = f"/v1/equipment/{world.microscope.id}/bookings"
    equipment_only = token_with("read_equipment")
    assert api(path, equipment_only).status_code == 200
    response = api(path, equipment_only, view="detail")
    assert response.status_code == 403
    assert response.json()["scope"] == "read_bookings"
    assert_matches_contract(response, "/equipment/{id}/bookings")
    assert api(path, token_with("read_equipment", "read_bookings"), view="detail").status_code == 200


def test_it_reads_a_page_of_details_in_three_queries_then_one(
    world, more_bookings, alice_token, api, django_assert_num_queries
):
    # 1: the token with its labs; 2: the count; 3: the page's bookings with everything they
    # name, joined, their custom form responses and projects with funding codes included
    with django_assert_num_queries(3):
        assert len(api("/v1/bookings", alice_token, view="detail").json()) == 7
    for day in range(20):
        booking = make_booking(world.microscope, world.booking.requester, world.graphene_lab, 60 + day)
        booking.projects.set([world.graphene_project])
    # 1: the count (the writes above invalidated it); 2: the page: the same statements for 27
    # bookings as for 7, none per booking
    with django_assert_num_queries(2):
        assert len(api("/v1/bookings", alice_token, view="detail").json()) == 27
    # 1: the page
    with django_assert_num_queries(1):
        api("/v1/bookings", alice_token, view="detail")
    path = f"/v1/equipment/{world.microscope.id}/bookings"
    # 1: the equipment's count; 2: the page
    with django_assert_num_queries(2):
        assert len(api(path, alice_token, view="detail").json()) == 21
    # A page past the end: the (cached) count says so, and nothing else is read.
    with django_assert_num_queries(0):
        assert api(path, alice_token, view="detail", page=5).json() == []


def test_it_marks_the_view_as_an_extension():
    parameter = openapi()["components"]["parameters"]["view"]
    assert parameter["x-labshare-extension"] is True
    assert parameter["schema"]["enum"] == ["list", "detail"]
    for template in ("/bookings", "/equipment/{id}/bookings"):
        parameters = openapi()["paths"][template]["get"]["parameters"]
        assert {"$ref": "#/components/parameters/view"} in parameters
