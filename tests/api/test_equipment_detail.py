"""GET /v1/equipment/{id}"""

from tests.api import samples
from tests.api.conftest import change_times
from tests.api.contract import CHANGE_TIMES, assert_matches_contract, assert_same_shape


def test_it_shows_every_field(world, alice_token, api):
    response = api(f"/v1/equipment/{world.detector.id}", alice_token)
    assert response.status_code == 200
    assert_matches_contract(response, "/equipment/{id}")
    assert response.json() == {
        "id": world.detector.id,
        "name": "Falcon detector",
        "room": "B12",
        "manufacturer": "Thermo Fisher",
        "model": "Falcon 4i",
        "model_number": "Falcon 4i",
        "city": "",
        "country": "",
        "currency": "GBP",
        "charging_type": "Per Hour",
        "description": "Direct electron detector",
        "category": {"name": "Microscopy"},
        "lab": {"id": world.graphene_lab.id, "name": "Graphene Lab"},
        "parent_id": world.microscope.id,
        "parent_name": "Titan Krios",
        "manufacturing_year": "",
        "serial_number": "",
        **change_times(world.detector),
    }


def test_it_matches_the_reference_sample(world, alice_token, api):
    body = api(f"/v1/equipment/{world.detector.id}", alice_token).json()
    assert_same_shape(body, samples.EQUIPMENT, extra=frozenset(samples.EQUIPMENT_EXTRA_FIELDS) | CHANGE_TIMES)


def test_it_sends_nulls_for_a_parent_asset(world, alice_token, api):
    body = api(f"/v1/equipment/{world.laser.id}", alice_token).json()
    assert body["parent_id"] is None and body["parent_name"] is None
    assert body["manufacturer"] is None and body["category"] is None


def test_it_shows_equipment_in_two_queries(world, alice_token, api, django_assert_num_queries):
    # 1: the token with its labs; 2: the equipment with its lab, category and parent
    with django_assert_num_queries(2):
        api(f"/v1/equipment/{world.microscope.id}", alice_token)
