"""GET /v1/user"""

from tests.api import samples
from tests.api.contract import assert_matches_contract, assert_same_shape


def test_it_shows_the_tokens_user(alice, alice_token, api):
    response = api("/v1/user", alice_token)
    assert response.status_code == 200
    assert_matches_contract(response, "/user")
    assert response.json() == {"id": alice.id, "first_name": "Alice", "last_name": "Archer"}
    assert_same_shape(response.json(), samples.USER)


def test_it_shows_bob_to_bobs_token(bob, bob_token, api):
    assert api("/v1/user", bob_token).json()["id"] == bob.id


def test_it_refuses_the_token_of_a_deactivated_user(alice, alice_token, api):
    alice.is_active = False
    alice.save()
    assert api("/v1/user", alice_token).status_code == 401


def test_it_shows_the_user_in_two_queries(alice_token, api, django_assert_num_queries):
    # 1: the token with its labs; 2: the user
    with django_assert_num_queries(2):
        api("/v1/user", alice_token)
