"""GET /v1/groups/{id}"""

from labshare.accounts.models import Group
from tests.api import samples
from tests.api.conftest import change_times
from tests.api.contract import CHANGE_TIMES, assert_matches_contract, assert_same_shape


def test_it_shows_the_group_with_its_equipment_in_the_authorised_labs(world, alice_token, api):
    response = api(f"/v1/groups/{world.graphene_group.id}", alice_token)
    assert response.status_code == 200
    assert_matches_contract(response, "/groups/{id}")
    # The group also shares Chemistry Lab's spectrometer, which this token cannot see.
    assert response.json() == {
        "id": world.graphene_group.id,
        "name": "Cryo-EM users",
        "equipment": [
            {"id": world.detector.id, "name": "Falcon detector"},
            {"id": world.microscope.id, "name": "Titan Krios"},
        ],
        **change_times(world.graphene_group),
    }
    assert_same_shape(response.json(), samples.GROUP, extra=CHANGE_TIMES)


def test_it_shows_a_group_without_equipment(world, alice_token, api):
    empty = Group.objects.create(lab=world.optics_lab, name="Nobody's")
    assert api(f"/v1/groups/{empty.id}", alice_token).json() == {
        "id": empty.id,
        "name": "Nobody's",
        "equipment": [],
        **change_times(empty),
    }


def test_it_shows_a_group_in_two_queries(world, alice_token, api, django_assert_num_queries):
    # 1: the token with its labs; 2: the group with its equipment joined on
    with django_assert_num_queries(2):
        api(f"/v1/groups/{world.graphene_group.id}", alice_token)
