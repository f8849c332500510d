"""GET /v1/accounts/{account_id}/projects"""

from tests.api import samples
from tests.api.conftest import change_times
from tests.api.contract import CHANGE_TIMES, assert_matches_contract, assert_same_shape


def test_it_lists_the_labs_projects(world, alice_token, api, alice):
    response = api(f"/v1/accounts/{world.graphene_lab.id}/projects", alice_token)
    assert response.status_code == 200
    assert_matches_contract(response, "/accounts/{account_id}/projects")
    codes = list(world.graphene_project.funding_codes.order_by("id"))
    assert response.json() == [
        {
            "id": world.graphene_project.id,
            "name": "Graphene Study",
            "created_by": {"id": alice.id, "name": "Alice Archer"},
            "supervisor": "Dr. Ada Lovelace",
            "funding_codes": [{"id": c.id, "name": c.code} for c in codes],
            **change_times(world.graphene_project),
        }
    ]
    assert_same_shape(response.json()[0], samples.PROJECT_ITEM, extra=CHANGE_TIMES)


def test_it_lists_the_projects_of_the_labs_in_an_organisation(world, alice_token, api):
    response = api(f"/v1/accounts/{world.cambridge.id}/projects", alice_token)
    assert [p["name"] for p in response.json()] == ["Optics", "Graphene Study"]
    assert response.json()[0]["created_by"] is None
    assert response.json()[0]["funding_codes"] == []


def test_it_pages_projects_not_funding_codes(world, alice_token, api):
    first = api(f"/v1/accounts/{world.cambridge.id}/projects", alice_token, per_page=1)
    assert [p["name"] for p in first.json()] == ["Optics"]
    second = api(f"/v1/accounts/{world.cambridge.id}/projects", alice_token, per_page=1, page=2)
    assert [p["name"] for p in second.json()] == ["Graphene Study"]
    assert len(second.json()[0]["funding_codes"]) == 2


def test_it_lists_in_three_queries(world, alice_token, api, django_assert_num_queries):
    # 1: the token with its labs; 2: the count; 3: the page of projects with their creators
    # and funding codes joined on
    with django_assert_num_queries(3):
        api(f"/v1/accounts/{world.cambridge.id}/projects", alice_token)
