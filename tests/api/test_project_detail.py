"""GET /v1/accounts/{account_id}/projects/{id}"""

from tests.api import samples
from tests.api.conftest import change_times
from tests.api.contract import CHANGE_TIMES, assert_matches_contract, assert_same_shape


def test_it_shows_every_field(world, alice_token, api, alice):
    path = f"/v1/accounts/{world.graphene_lab.id}/projects/{world.graphene_project.id}"
    response = api(path, alice_token)
    assert response.status_code == 200
    assert_matches_contract(response, "/accounts/{account_id}/projects/{id}")
    epsrc, industry = world.graphene_project.funding_codes.order_by("id")
    assert response.json() == {
        "name": "Graphene Study",
        "supervisor": "Dr. Ada Lovelace",
        "additional_information": None,
        "funding_codes": [
            {
                "id": epsrc.id,
                "name": "EPSRC-2026-01",
                "funder_name": "EPSRC",
                "funder_type": "research_council",
                "expiry_date": "2026-09-12",
                "allocated_amount": 5000,
                "spent_amount": 0.2,
            },
            {
                "id": industry.id,
                "name": "INDUSTRY-2026-02",
                "funder_name": "Example Industries",
                "funder_type": "industry",
                "expiry_date": None,
                "allocated_amount": 2000.5,
                "spent_amount": 0,
            },
        ],
        "selected_users": [{"id": alice.id, "name": "Alice Archer"}],
        **change_times(world.graphene_project),
    }


def test_it_matches_the_reference_sample(world, alice_token, api):
    path = f"/v1/accounts/{world.graphene_lab.id}/projects/{world.graphene_project.id}"
    assert_same_shape(api(path, alice_token).json(), samples.PROJECT, extra=CHANGE_TIMES)


def test_it_finds_a_labs_project_through_its_organisation(world, alice_token, api):
    path = f"/v1/accounts/{world.cambridge.id}/projects/{world.graphene_project.id}"
    assert api(path, alice_token).status_code == 200


def test_it_shows_a_project_in_three_queries(world, alice_token, api, django_assert_num_queries):
    path = f"/v1/accounts/{world.graphene_lab.id}/projects/{world.graphene_project.id}"
    # 1: the token with its labs; 2: the project with its funding codes; 3: its selected users
    with django_assert_num_queries(3):
        api(path, alice_token)
