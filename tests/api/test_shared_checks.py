"""The checks every endpoint must pass, written once: tokens, scopes, other labs, bad input."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken

from labshare.api.auth import checksum
from labshare.oauth.models import SCOPES
from tests.api.contract import assert_matches_contract
from tests.api.endpoints import ENDPOINTS, LISTS, WITH_ACCOUNT_PARAMETERS, WITH_IDS, ids

all_endpoints = pytest.mark.parametrize("endpoint", ENDPOINTS, ids=ids(ENDPOINTS))


def assert_invalid_token(response, description: str) -> None:
    assert response.status_code == 401
    # Doorkeeper's challenge as it is, then where to learn how to get a token (RFC 9728 §5.1).
    assert response["WWW-Authenticate"] == (
        f'Bearer realm="Doorkeeper", error="invalid_token", error_description="{description}", '
        'resource_metadata="http://testserver/.well-known/oauth-protected-resource/v1"'
    )
    assert response.json() == {"error": "invalid_token", "error_description": description}


@all_endpoints
def test_it_answers_with_the_right_scope_alone(endpoint, world, token_with, api):
    response = api(endpoint.path(world), token_with(endpoint.scope))
    assert response.status_code == 200
    assert_matches_contract(response, endpoint.template)


@all_endpoints
def test_it_refuses_a_request_without_a_token(endpoint, world, client):
    response = client.get(endpoint.path(world))
    assert_invalid_token(response, "The access token is invalid")
    assert_matches_contract(response, endpoint.template)


@all_endpoints
@pytest.mark.parametrize(
    "authorization",
    ["Bearer", "Bearer not-a-token", "Basic YWxpY2U6cHc=", "Token abc", "Bearer " + "x" * 600],
)
def test_it_refuses_a_malformed_or_unknown_token(endpoint, authorization, world, client):
    response = client.get(endpoint.path(world), HTTP_AUTHORIZATION=authorization)
    assert_invalid_token(response, "The access token is invalid")


@all_endpoints
def test_it_takes_the_token_only_from_the_authorization_header(endpoint, world, alice_token, client):
    path = endpoint.path(world)
    response = client.get(path, {"access_token": alice_token})
    assert_invalid_token(response, "The access token is invalid")


@all_endpoints
def test_it_refuses_an_expired_token(endpoint, world, alice_token, api):
    assert api(endpoint.path(world), alice_token).status_code == 200  # now cached, too
    with time_machine.travel(timezone.now() + timedelta(hours=2, seconds=1)):
        response = api(endpoint.path(world), alice_token)
    assert_invalid_token(response, "The access token expired")
    assert_matches_contract(response, endpoint.template)


@all_endpoints
def test_it_refuses_a_revoked_token(endpoint, world, alice_token, api):
    assert api(endpoint.path(world), alice_token).status_code == 200  # now cached, too
    AccessToken.objects.get(token_checksum=checksum(alice_token)).revoke()
    assert_invalid_token(api(endpoint.path(world), alice_token), "The access token was revoked")


@all_endpoints
def test_it_refuses_a_token_without_the_scope(endpoint, world, token_with, api):
    others = [scope for scope in SCOPES if scope != endpoint.scope]
    response = api(endpoint.path(world), token_with(*others))
    assert response.status_code == 403
    assert response["WWW-Authenticate"].startswith(
        'Bearer realm="Doorkeeper", error="insufficient_scope", error_description="'
    )
    assert response.json()["error"] == "insufficient_scope"
    assert response.json()["scope"] == endpoint.scope
    assert_matches_contract(response, endpoint.template)


@pytest.mark.parametrize("endpoint", WITH_IDS, ids=ids(WITH_IDS))
def test_it_hides_other_labs_records_as_if_they_did_not_exist(endpoint, world, alice_token, api):
    missing = api(endpoint.missing_path(world), alice_token)
    assert missing.status_code == 404
    assert_matches_contract(missing, endpoint.template)
    for path in endpoint.foreign_paths(world):
        response = api(path, alice_token)
        assert response.status_code == 404, path
        assert response.json().keys() == missing.json().keys()
        assert response.json()["error"] == "not_found"
        assert response.json()["parameter"] in ("id", "account_id")


@pytest.mark.parametrize("endpoint", WITH_IDS, ids=ids(WITH_IDS))
def test_it_refuses_an_id_that_is_not_an_integer(endpoint, world, alice_token, api):
    for path, parameter in endpoint.non_integer_paths:
        response = api(path, alice_token)
        assert response.status_code == 400, path
        assert response.json()["error"] == "invalid_parameter"
        assert response.json()["parameter"] == parameter
        assert_matches_contract(response, endpoint.template)


@pytest.mark.parametrize("endpoint", WITH_IDS, ids=ids(WITH_IDS))
def test_it_answers_404_for_an_id_beyond_64_bits(endpoint, world, alice_token, api):
    path = endpoint.missing_path(world).replace("987654321", str(2**64))
    assert api(path, alice_token).status_code == 404


@pytest.mark.parametrize("endpoint", LISTS, ids=ids(LISTS))
def test_it_refuses_bad_list_parameters_naming_them(endpoint, world, alice_token, api):
    from tests.api.endpoints import BAD_PAGES

    for parameter, values in {**BAD_PAGES, **endpoint.bad_parameters}.items():
        for value in values:
            response = api(endpoint.path(world), alice_token, **{parameter: value})
            assert response.status_code == 400, (parameter, value)
            body = response.json()
            assert body["error"] == "invalid_parameter"
            assert body["parameter"] == parameter
            assert parameter in body["error_description"]
            assert_matches_contract(response, endpoint.template)


@pytest.mark.parametrize("endpoint", WITH_ACCOUNT_PARAMETERS, ids=ids(WITH_ACCOUNT_PARAMETERS))
def test_it_answers_404_for_an_account_it_cannot_see(endpoint, world, alice_token, api):
    for query in endpoint.foreign_account_parameters(world):
        response = api(endpoint.path(world), alice_token, **query)
        assert response.status_code == 404, query
        assert response.json()["parameter"] == next(iter(query))
        assert_matches_contract(response, endpoint.template)


@pytest.mark.parametrize("endpoint", LISTS, ids=ids(LISTS))
def test_it_ignores_unknown_parameters(endpoint, world, alice_token, api):
    plain = api(endpoint.path(world), alice_token)
    with_unknown = api(endpoint.path(world), alice_token, colour="blue")
    assert with_unknown.status_code == 200
    assert with_unknown.json() == plain.json()


@all_endpoints
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("with_token", [True, False])
def test_it_allows_only_reads(endpoint, method, with_token, world, alice_token):
    # As real clients meet it: the cookie CSRF check applies, and a bearer-only API is exempt.
    # POST /v1/bookings is the write API's (tests/api/test_writes.py).
    if endpoint.path(world) == "/v1/bookings" and method == "post":
        pytest.skip("the write API requests bookings here")
    client = Client(enforce_csrf_checks=True)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {alice_token}"} if with_token else {}
    response = getattr(client, method)(endpoint.path(world), b"{}", "application/json", **headers)
    assert response.status_code == 405
    assert response.json() == {
        "error": "method_not_allowed",
        "error_description": f"{method.upper()} is not allowed here; use GET.",
    }
    assert response["Allow"] == allowed_methods(endpoint, world)


def allowed_methods(endpoint, world) -> str:
    return "GET, HEAD, POST, OPTIONS" if endpoint.path(world) == "/v1/bookings" else "GET, HEAD, OPTIONS"


@all_endpoints
def test_it_answers_options_with_the_allowed_methods(endpoint, world):
    response = Client(enforce_csrf_checks=True).options(endpoint.path(world))
    assert response.status_code == 204
    assert response["Allow"] == allowed_methods(endpoint, world)
    assert response.content == b""


@pytest.mark.parametrize("path", ["/v1/openapi.yaml", "/v1/.well-known/oauth-protected-resource"])
def test_the_public_paths_allow_only_reads_too(path, db):
    client = Client(enforce_csrf_checks=True)
    assert client.get(path).status_code == 200
    response = client.post(path)
    assert response.status_code == 405 and response["Allow"] == "GET, HEAD, OPTIONS"
    assert response.json()["error"] == "method_not_allowed"
    assert client.options(path).status_code == 204


def test_an_unknown_path_answers_json_to_any_method(db):
    response = Client(enforce_csrf_checks=True).post("/v1/nothing/here")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


@all_endpoints
def test_it_sees_nothing_for_a_token_without_labs(endpoint, world, token_with, api):
    response = api(endpoint.path(world), token_with(*SCOPES, labs=()))
    if endpoint.name == "user":
        assert response.status_code == 200
    elif endpoint.is_list and "{" not in endpoint.template:
        assert response.status_code == 200
        assert response.json() == []
        assert response["X-Total-Records"] == "0"
    else:
        assert response.status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/v1",
        "/v1/nothing",
        "/v1/bookings/",
        "/v1/",
        "/v1/equipment/1/bookings/2",
        "/v1/accounts/1/projects/2/x",
    ],
)
def test_it_answers_json_404_for_unknown_routes(path, alice_token, api):
    response = api(path, alice_token)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == "not_found"
