"""GET /v1/custom_form_response/{id}"""

from tests.api import samples
from tests.api.contract import assert_matches_contract, assert_same_shape


def test_it_shows_the_form_with_its_answers(world, alice_token, api):
    response = api(f"/v1/custom_form_response/{world.form_response.id}", alice_token)
    assert response.status_code == 200
    assert_matches_contract(response, "/custom_form_response/{id}")
    body = response.json()
    version = world.form_response.version
    assert body == {
        **samples.CUSTOM_FORM_RESPONSE,
        "custom_form_response_id": world.form_response.id,
        "custom_form_id": version.form_id,
        "booking_reference_id": world.booking.id,
        "created_by": "Alice Archer",
        "updated_at": body["updated_at"],
    }


def test_it_matches_the_reference_sample(world, alice_token, api):
    body = api(f"/v1/custom_form_response/{world.form_response.id}", alice_token).json()
    assert_same_shape(body, samples.CUSTOM_FORM_RESPONSE)
    for field, sample_field in zip(
        body["form_response"], samples.CUSTOM_FORM_RESPONSE["form_response"], strict=True
    ):
        assert_same_shape(field, sample_field)


def test_it_shows_a_response_in_two_queries(world, alice_token, api, django_assert_num_queries):
    # 1: the token with its labs; 2: the response with its form version, booking and author
    with django_assert_num_queries(2):
        api(f"/v1/custom_form_response/{world.form_response.id}", alice_token)
