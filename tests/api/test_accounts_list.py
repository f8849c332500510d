"""GET /v1/accounts"""

from datetime import timedelta

import time_machine
from django.utils import timezone

from labshare.accounts.models import Account
from tests.api import samples
from tests.api.conftest import change_times
from tests.api.contract import CHANGE_TIMES, assert_matches_contract, assert_same_shape


def test_it_lists_the_authorised_labs_with_their_department_and_organisation(world, alice_token, api):
    response = api("/v1/accounts", alice_token)
    assert response.status_code == 200
    assert_matches_contract(response, "/accounts")
    by_id = {a["id"]: a for a in response.json()}
    assert set(by_id) == {world.graphene_lab.id, world.optics_lab.id, world.physics.id, world.cambridge.id}
    assert by_id[world.graphene_lab.id] == {
        "id": world.graphene_lab.id,
        "name": "Graphene Lab",
        "account_type": "lab",
        "organisation": world.cambridge.id,
        "department": world.physics.id,
        **change_times(world.graphene_lab),
    }
    assert by_id[world.cambridge.id]["organisation"] is None
    assert response["X-Total-Records"] == "4"


def test_it_matches_the_reference_sample(world, alice_token, api):
    for item in api("/v1/accounts", alice_token).json():
        assert_same_shape(item, samples.ACCOUNT_ITEM, extra=CHANGE_TIMES)


def test_it_lists_newest_first(world, alice_token, api):
    ids = [a["id"] for a in api("/v1/accounts", alice_token).json()]
    expected = Account.objects.filter(pk__in=ids).order_by("-created_at", "-id").values_list("pk", flat=True)
    assert ids == list(expected)


def test_it_filters_on_updated_since(world, alice_token, api):
    later = timezone.now() + timedelta(minutes=5)
    assert api("/v1/accounts", alice_token, updated_since=later.isoformat()).json() == []
    with time_machine.travel(later + timedelta(minutes=1)):
        world.optics_lab.save()
    updated = api("/v1/accounts", alice_token, updated_since=later.isoformat()).json()
    assert [a["id"] for a in updated] == [world.optics_lab.id]


def test_it_lists_in_three_queries_then_one(world, alice_token, api, django_assert_num_queries):
    # 1: the token with its labs; 2: the count; 3: the page
    with django_assert_num_queries(3):
        assert api("/v1/accounts", alice_token).status_code == 200
    # 1: the page (the token and the count are cached)
    with django_assert_num_queries(1):
        assert api("/v1/accounts", alice_token).status_code == 200
