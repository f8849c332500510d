"""GET /v1/accounts/{id}"""

from tests.api import samples
from tests.api.conftest import change_times
from tests.api.contract import CHANGE_TIMES, assert_matches_contract, assert_same_shape


def test_it_shows_a_lab(world, alice_token, api):
    response = api(f"/v1/accounts/{world.graphene_lab.id}", alice_token)
    assert response.status_code == 200
    assert_matches_contract(response, "/accounts/{id}")
    assert response.json() == {
        "id": world.graphene_lab.id,
        "name": "Graphene Lab",
        "account_type": "lab",
        "sector": "academia",
        "description": "",
        "timezone": "Europe/London",
        "department": {"name": "Physics", "id": world.physics.id},
        "organisation": {"name": "University of Cambridge", "id": world.cambridge.id},
        "labs": [],
        "departments": [],
        **change_times(world.graphene_lab),
    }


def test_it_shows_an_organisation_with_its_authorised_labs_and_departments(
    world, alice_token, api, token_with
):
    body = api(f"/v1/accounts/{world.cambridge.id}", alice_token).json()
    assert_same_shape(body, samples.ACCOUNT, extra=CHANGE_TIMES)
    assert body["department"] is None and body["organisation"] is None
    assert body["labs"] == [
        {"id": world.graphene_lab.id, "name": "Graphene Lab"},
        {"id": world.optics_lab.id, "name": "Optics Lab"},
    ]
    assert body["departments"] == [{"id": world.physics.id, "name": "Physics"}]
    only_graphene = token_with("read_accounts", labs=(world.graphene_lab,))
    body = api(f"/v1/accounts/{world.cambridge.id}", only_graphene).json()
    assert body["labs"] == [{"id": world.graphene_lab.id, "name": "Graphene Lab"}]


def test_it_shows_a_department_with_its_labs(world, alice_token, api):
    response = api(f"/v1/accounts/{world.physics.id}", alice_token)
    assert_matches_contract(response, "/accounts/{id}")
    body = response.json()
    assert body["organisation"] == {"name": "University of Cambridge", "id": world.cambridge.id}
    assert body["department"] is None
    assert [lab["name"] for lab in body["labs"]] == ["Graphene Lab", "Optics Lab"]
    assert body["departments"] == []


def test_it_matches_the_reference_sample(world, alice_token, api):
    assert_same_shape(
        api(f"/v1/accounts/{world.graphene_lab.id}", alice_token).json(), samples.ACCOUNT, extra=CHANGE_TIMES
    )


def test_it_shows_a_lab_in_two_queries_and_an_organisation_in_three(
    world, alice_token, api, django_assert_num_queries
):
    # 1: the token with its labs; 2: the account with its department and organisation
    with django_assert_num_queries(2):
        api(f"/v1/accounts/{world.graphene_lab.id}", alice_token)
    # 1: the account; 2: its labs and departments (the token is cached)
    with django_assert_num_queries(2):
        api(f"/v1/accounts/{world.cambridge.id}", alice_token)
