"""GET /v1/equipment/{id}/bookings"""

from tests.api import samples
from tests.api.conftest import change_times, make_booking
from tests.api.contract import CHANGE_TIMES, assert_matches_contract, assert_same_shape


def test_it_lists_the_equipments_bookings(world, alice_token, api):
    response = api(f"/v1/equipment/{world.microscope.id}/bookings", alice_token)
    assert response.status_code == 200
    assert_matches_contract(response, "/equipment/{id}/bookings")
    assert response.json() == [
        {
            "id": world.booking.id,
            "asset_id": world.microscope.id,
            "start_time": "2022-03-29T09:45:00.000+01:00",
            "end_time": "2022-03-29T11:45:00.000+01:00",
            "status": "Booked",
            **change_times(world.booking),
        }
    ]
    assert_same_shape(response.json()[0], samples.EQUIPMENT_BOOKING_ITEM, extra=CHANGE_TIMES)


def test_it_answers_an_empty_list_for_equipment_without_bookings(world, alice_token, api):
    response = api(f"/v1/equipment/{world.laser.id}/bookings", alice_token)
    assert response.status_code == 200
    assert response.json() == []
    assert response["X-Total-Records"] == "0"


def test_it_filters_for_incremental_sync(world, alice_token, api, alice):
    later = make_booking(world.microscope, alice, world.graphene_lab, 30, status="Requested")
    path = f"/v1/equipment/{world.microscope.id}/bookings"
    assert [b["id"] for b in api(path, alice_token, status="requested").json()] == [later.id]
    assert [b["id"] for b in api(path, alice_token, start_before="2022-03-30").json()] == [world.booking.id]
    assert [b["id"] for b in api(path, alice_token, start_after="2022-03-30").json()] == [later.id]


def test_it_lists_in_three_queries_then_one(world, alice_token, api, alice, django_assert_num_queries):
    for day in range(10):
        make_booking(world.microscope, alice, world.graphene_lab, 30 + day)
    path = f"/v1/equipment/{world.microscope.id}/bookings"
    # 1: the token with its labs; 2: the count, which also tells whether the equipment is
    # visible; 3: the page with the lab's time zone
    with django_assert_num_queries(3):
        assert len(api(path, alice_token).json()) == 11
    # 1: the page
    with django_assert_num_queries(1):
        api(path, alice_token)
