"""GET /v1/equipment"""

from datetime import timedelta

import time_machine
from django.utils import timezone

from tests.api import samples
from tests.api.conftest import change_times, make_equipment
from tests.api.contract import CHANGE_TIMES, assert_matches_contract, assert_same_shape


def test_it_lists_the_authorised_labs_equipment(world, alice_token, api, alice):
    response = api("/v1/equipment", alice_token)
    assert response.status_code == 200
    assert_matches_contract(response, "/equipment")
    items = response.json()
    assert [e["id"] for e in items] == [world.laser.id, world.detector.id, world.microscope.id]
    assert items[1] == {
        "id": world.detector.id,
        "name": "Falcon detector",
        "description": "Direct electron detector",
        "room": "B12",
        "availability_status": "Available",
        "model": "Falcon 4i",
        "manufacturer": "Thermo Fisher",
        "sub_category": {"id": world.detector.sub_category_id, "name": "Electron microscopes"},
        "contact_person": {"id": alice.id, "name": "Alice Archer"},
        "parent_id": world.microscope.id,
        "parent_name": "Titan Krios",
        **change_times(world.detector),
    }
    assert items[0]["manufacturer"] is None
    assert items[0]["sub_category"] is None and items[0]["contact_person"] is None


def test_it_matches_the_reference_samples(world, alice_token, api):
    items = api("/v1/equipment", alice_token).json()
    assert_same_shape(items[1], samples.EQUIPMENT_ITEMS[1], extra=CHANGE_TIMES)
    assert_same_shape(items[2], samples.EQUIPMENT_ITEMS[0], extra=CHANGE_TIMES)


def test_it_narrows_to_an_account(world, alice_token, api):
    graphene = api("/v1/equipment", alice_token, account=world.graphene_lab.id).json()
    assert {e["id"] for e in graphene} == {world.microscope.id, world.detector.id}
    assert len(api("/v1/equipment", alice_token, account=world.cambridge.id).json()) == 3


def test_it_excludes_parents_when_asked(world, alice_token, api):
    for value in ("true", "True", "1"):
        children = api("/v1/equipment", alice_token, exclude_parents=value).json()
        assert [e["id"] for e in children] == [world.detector.id]
    for value in ("false", "0"):
        assert len(api("/v1/equipment", alice_token, exclude_parents=value).json()) == 3


def test_it_filters_on_updated_since(world, alice_token, api):
    an_hour_later = timezone.now() + timedelta(hours=1)
    with time_machine.travel(an_hour_later):
        world.laser.save()
    recent = api(
        "/v1/equipment", alice_token, updated_since=(an_hour_later - timedelta(minutes=1)).isoformat()
    )
    assert [e["id"] for e in recent.json()] == [world.laser.id]


def test_it_lists_in_three_queries_however_long_the_page(world, alice_token, api, django_assert_num_queries):
    for number in range(30):
        make_equipment(world.graphene_lab, f"Pipette {number}", 50 + number, parent=world.microscope)
    # 1: the token with its labs; 2: the count; 3: the page with categories, contacts and parents
    with django_assert_num_queries(3):
        assert len(api("/v1/equipment", alice_token).json()) == 33
