"""GET /v1/bookings/{id}"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from labshare.projects.models import FundingCode, Project
from tests.api import samples
from tests.api.conftest import answer_form, change_times, make_booking, make_form
from tests.api.contract import CHANGE_TIMES, assert_matches_contract, assert_same_shape


def test_it_shows_every_field(world, alice_token, api, alice, bob):
    response = api(f"/v1/bookings/{world.booking.id}", alice_token)
    assert response.status_code == 200
    assert_matches_contract(response, "/bookings/{id}")
    assert response.json() == {
        "id": world.booking.id,
        "cost": "150.00",
        "currency": "GBP",
        "charging_type": "Per Hour",
        "start_time": "2022-03-29T09:45:00.000+01:00",
        "end_time": "2022-03-29T11:45:00.000+01:00",
        "requested_at": "2022-03-11T12:00:00.000Z",
        "booking_type": "internal",
        "status": "Booked",
        "duration": 120,
        "add_ons": "Data analysis service included",
        "requester_group": {"name": "Cryo-EM users"},
        "equipment": {"id": world.microscope.id, "name": "Titan Krios"},
        "parent_equipment": None,
        "requester_lab": {"id": world.graphene_lab.id, "name": "Graphene Lab"},
        "requester_organisation": {"id": world.cambridge.id, "name": "University of Cambridge"},
        "provider_lab": {"id": world.graphene_lab.id, "name": "Graphene Lab"},
        "provider_organisation": {"id": world.cambridge.id, "name": "University of Cambridge"},
        "creator": {"id": bob.id, "name": "Bob Baker"},
        "requester": {
            "id": alice.id,
            "name": "Alice Archer",
            "email": "alice@example.test",
            "sector": "academia",
        },
        "custom_form_responses": [{"response_id": world.form_response.id, "custom_form_version_id": 1}],
        "last_public_note": {"message": "Please handle with care"},
        "projects": [
            {
                "id": world.graphene_project.id,
                "name": "Graphene Study",
                "supervisor": "Dr. Ada Lovelace",
                "funding_codes": [
                    {"code": "EPSRC-2026-01", "funder": "EPSRC", "amount": 5000, "currency": "GBP"},
                    {
                        "code": "INDUSTRY-2026-02",
                        "funder": "Example Industries",
                        "amount": 2000.5,
                        "currency": "EUR",
                    },
                ],
            }
        ],
        **change_times(world.booking),
    }


def test_it_matches_the_reference_sample(world, alice_token, api):
    body = api(f"/v1/bookings/{world.maintenance.id}", alice_token).json()
    assert_same_shape(body, samples.BOOKING, extra=CHANGE_TIMES)
    assert body["parent_equipment"] == {"id": world.microscope.id, "name": "Titan Krios"}


def test_it_sends_nulls_for_what_a_booking_lacks(world, alice_token, api):
    body = api(f"/v1/bookings/{world.maintenance.id}", alice_token).json()
    assert body["requester_group"] is None
    assert body["last_public_note"] is None
    assert body["custom_form_responses"] == []
    assert body["projects"] == []
    assert body["booking_type"] == "maintenance"
    assert body["cost"] == "0.00"


def test_it_sends_null_organisations_for_independent_labs(world, bio_lab, alice, token_with, api):
    token = token_with("read_bookings", labs=(bio_lab,))
    response = api(f"/v1/bookings/{world.bio_booking.id}", token)
    assert_matches_contract(response, "/bookings/{id}")
    assert response.json()["provider_organisation"] is None
    assert response.json()["requester_organisation"] is None
    assert response.json()["requester_lab"] == {"id": bio_lab.id, "name": "Bio Lab"}


def test_it_writes_cost_with_two_decimals(world, alice_token, api, alice):
    booking = make_booking(world.laser, alice, world.optics_lab, 30, cost="12.5")
    assert api(f"/v1/bookings/{booking.id}", alice_token).json()["cost"] == "12.50"


def test_it_writes_times_across_a_daylight_saving_change(world, alice_token, api, alice):
    winter = make_booking(
        world.laser,
        alice,
        world.optics_lab,
        30,
        start_time=datetime(2022, 3, 27, 0, 30, tzinfo=UTC),
        end_time=datetime(2022, 3, 27, 1, 30, tzinfo=UTC),
    )
    body = api(f"/v1/bookings/{winter.id}", alice_token).json()
    assert body["start_time"] == "2022-03-27T00:30:00.000+00:00"
    assert body["end_time"] == "2022-03-27T02:30:00.000+01:00"
    assert body["duration"] == 60


def test_it_lists_every_form_response_and_project_in_order(world, alice_token, api, alice):
    unfunded = Project.objects.create(account=world.graphene_lab, name='Unfunded "pilot" ✓')
    large = Project.objects.create(account=world.graphene_lab, name="Large")
    FundingCode.objects.create(
        project=large, code="BIG", funder_name="Trust", allocated_amount=Decimal("999999999999.99")
    )
    world.booking.projects.set([large, world.graphene_project, unfunded])
    later = answer_form(world.booking, make_form(world.graphene_lab, "Safety"), alice)
    later.created_at = world.form_response.created_at + timedelta(seconds=1)
    later.save(update_fields=["created_at"])

    body = api(f"/v1/bookings/{world.booking.id}", alice_token).json()
    assert [r["response_id"] for r in body["custom_form_responses"]] == [world.form_response.id, later.id]
    projects = {project["id"]: project for project in body["projects"]}
    assert [project["id"] for project in body["projects"]] == sorted(projects)
    assert projects[unfunded.id] == {
        "id": unfunded.id,
        "name": 'Unfunded "pilot" ✓',
        "supervisor": "",
        "funding_codes": [],
    }
    assert projects[large.id]["funding_codes"] == [
        {"code": "BIG", "funder": "Trust", "amount": 999999999999.99, "currency": "GBP"}
    ]
    assert [c["code"] for c in projects[world.graphene_project.id]["funding_codes"]] == [
        "EPSRC-2026-01",
        "INDUSTRY-2026-02",
    ]
    listed = api("/v1/bookings", alice_token, view="detail").json()
    assert next(item for item in listed if item["id"] == world.booking.id) == body


def test_it_shows_a_booking_in_two_queries(world, alice_token, api, django_assert_num_queries):
    # 1: the token with its labs; 2: the booking with everything it names, joined, its custom
    # form responses and its projects with their funding codes included
    with django_assert_num_queries(2):
        api(f"/v1/bookings/{world.booking.id}", alice_token)
    # 1: the booking (a foreign or missing one stops there)
    with django_assert_num_queries(1):
        assert api(f"/v1/bookings/{world.chemistry_booking.id}", alice_token).status_code == 404
