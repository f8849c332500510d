"""GET /v1/groups"""

from labshare.accounts.models import Group
from tests.api import samples
from tests.api.conftest import change_times
from tests.api.contract import CHANGE_TIMES, assert_matches_contract, assert_same_shape


def test_it_lists_the_authorised_labs_groups(world, alice_token, api):
    optics_group = Group.objects.create(lab=world.optics_lab, name="Laser users")
    response = api("/v1/groups", alice_token)
    assert response.status_code == 200
    assert_matches_contract(response, "/groups")
    assert response.json() == [
        {"id": optics_group.id, "name": "Laser users", **change_times(optics_group)},
        {"id": world.graphene_group.id, "name": "Cryo-EM users", **change_times(world.graphene_group)},
    ]
    assert_same_shape(response.json()[0], samples.GROUP_ITEM, extra=CHANGE_TIMES)
    only_graphene = api("/v1/groups", alice_token, account=world.graphene_lab.id).json()
    assert only_graphene == [
        {"id": world.graphene_group.id, "name": "Cryo-EM users", **change_times(world.graphene_group)}
    ]


def test_it_lists_in_three_queries(world, alice_token, api, django_assert_num_queries):
    # 1: the token with its labs; 2: the count; 3: the page
    with django_assert_num_queries(3):
        api("/v1/groups", alice_token)
