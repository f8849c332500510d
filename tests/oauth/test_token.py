"""POST /oauth/token: the authorization_code grant and every error, in form and JSON bodies."""

import hashlib
import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from oauth2_provider.models import AccessToken, Grant, RefreshToken

from labshare.oauth.errors import DESCRIPTIONS
from labshare.oauth.models import Application, Authorisation
from labshare.oauth.validators import code_checksum
from tests.oauth.conftest import RSPACE_REDIRECT, SECRET, basic, code_for


def post_token(client, body: dict, encoding: str, authorization: str | None = None):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    if encoding == "json":
        return client.post(
            "/oauth/token",
            json.dumps(body),
            content_type="application/json",
            HTTP_ACCEPT="application/json",
            **headers,
        )
    return client.post("/oauth/token", body, **headers)


def exchange_body(app, code: str, credentials: str) -> tuple[dict, str | None]:
    body = {"grant_type": "authorization_code", "code": code, "redirect_uri": RSPACE_REDIRECT}
    if credentials == "basic":
        return body, basic(app.client_id, SECRET)
    return {**body, "client_id": app.client_id, "client_secret": SECRET}, None


def assert_error(response, status: int, error: str, description: str | None = None) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert body == {"error": error, "error_description": description or DESCRIPTIONS[error]}
    assert response["Cache-Control"] == "no-store"
    assert response["WWW-Authenticate"].startswith(f'Bearer realm="Doorkeeper", error="{error}"')


@pytest.mark.parametrize("encoding", ["form", "json"])
@pytest.mark.parametrize("credentials", ["basic", "body"])
def test_it_exchanges_a_code_for_tokens(
    client, alice, rspace_app, graphene_lab, optics_lab, encoding, credentials
):
    code = code_for(
        client, alice, rspace_app, [graphene_lab, optics_lab], scope="read_equipment read_bookings"
    )
    client.logout()
    body, authorization = exchange_body(rspace_app, code, credentials)

    response = post_token(client, body, encoding, authorization)

    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    tokens = response.json()
    assert list(tokens) == [
        "access_token",
        "token_type",
        "expires_in",
        "refresh_token",
        "scope",
        "created_at",
    ]
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 7200
    assert tokens["scope"] == "read_equipment read_bookings"
    access_token = AccessToken.objects.get(user=alice, application=rspace_app)
    assert tokens["created_at"] == int(access_token.created.timestamp())
    assert access_token.token == ""  # stored hashed
    authorisation = Authorisation.objects.get(user=alice, application=rspace_app)
    assert set(authorisation.labs.all()) == {graphene_lab, optics_lab}


def test_it_stores_codes_hashed(client, alice, rspace_app, graphene_lab):
    code = code_for(client, alice, rspace_app, [graphene_lab])
    assert not Grant.objects.filter(code=code).exists()
    assert Grant.objects.filter(code=code_checksum(code)).exists()


def test_it_accepts_a_code_once_and_a_replay_revokes_what_it_issued(client, alice, rspace_app, graphene_lab):
    code = code_for(client, alice, rspace_app, [graphene_lab])
    body, _ = exchange_body(rspace_app, code, "body")
    first = post_token(client, body, "form").json()
    refreshed = post_token(
        client,
        {
            "grant_type": "refresh_token",
            "refresh_token": first["refresh_token"],
            "client_id": rspace_app.client_id,
            "client_secret": SECRET,
        },
        "json",
    ).json()
    assert AccessToken.objects.filter(user=alice).count() == 1

    assert_error(post_token(client, body, "form"), 400, "invalid_grant")
    assert not AccessToken.objects.filter(user=alice).exists()
    assert not RefreshToken.objects.filter(user=alice, revoked__isnull=True).exists()
    again = post_token(
        client,
        {
            "grant_type": "refresh_token",
            "refresh_token": refreshed["refresh_token"],
            "client_id": rspace_app.client_id,
            "client_secret": SECRET,
        },
        "json",
    )
    assert_error(again, 400, "invalid_grant")


def test_it_leaves_other_authorisations_alone_when_a_code_is_replayed(
    client, alice, rspace_app, graphene_lab
):
    first_code = code_for(client, alice, rspace_app, [graphene_lab])
    second_code = code_for(client, alice, rspace_app, [graphene_lab])
    first, _ = exchange_body(rspace_app, first_code, "body")
    second, _ = exchange_body(rspace_app, second_code, "body")
    assert post_token(client, first, "form").status_code == 200
    kept = post_token(client, second, "form").json()

    assert_error(post_token(client, first, "form"), 400, "invalid_grant")
    assert AccessToken.objects.filter(
        token_checksum=hashlib.sha256(kept["access_token"].encode()).hexdigest()
    ).exists()


def test_it_refuses_a_code_after_ten_minutes(client, alice, rspace_app, graphene_lab):
    code = code_for(client, alice, rspace_app, [graphene_lab])
    body, _ = exchange_body(rspace_app, code, "body")
    with time_machine.travel(timezone.now() + timedelta(minutes=10, seconds=1)):
        assert_error(post_token(client, body, "json"), 400, "invalid_grant")


def test_it_accepts_a_code_within_ten_minutes(client, alice, rspace_app, graphene_lab):
    code = code_for(client, alice, rspace_app, [graphene_lab])
    body, _ = exchange_body(rspace_app, code, "body")
    with time_machine.travel(timezone.now() + timedelta(minutes=9, seconds=50)):
        assert post_token(client, body, "json").status_code == 200


@pytest.mark.parametrize("encoding", ["form", "json"])
@pytest.mark.parametrize(
    ("change", "status", "error"),
    [
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        ({"client_id": "nobody"}, 401, "invalid_client"),
        ({"client_id": None, "client_secret": None}, 401, "invalid_client"),
        ({"code": "not-a-code"}, 400, "invalid_grant"),
        ({"redirect_uri": "https://elsewhere.example.test/cb"}, 400, "invalid_grant"),
        (
            {"grant_type": "password", "username": "alice@example.test", "password": "x"},
            400,
            "unsupported_grant_type",
        ),
        ({"grant_type": "urn:ietf:params:oauth:grant-type:device_code"}, 400, "unsupported_grant_type"),
        ({"grant_type": "client_credentials"}, 401, "unauthorized_client"),
        ({"grant_type": "magic"}, 400, "unsupported_grant_type"),
    ],
)
def test_it_answers_errors_as_doorkeeper(
    client, alice, rspace_app, graphene_lab, encoding, change, status, error
):
    code = code_for(client, alice, rspace_app, [graphene_lab])
    body, _ = exchange_body(rspace_app, code, "body")
    body = {key: value for key, value in {**body, **change}.items() if value is not None}

    assert_error(post_token(client, body, encoding), status, error)
    assert not AccessToken.objects.exists()


@pytest.mark.parametrize("encoding", ["form", "json"])
@pytest.mark.parametrize("missing", ["grant_type", "code"])
def test_it_names_a_missing_parameter(client, alice, rspace_app, graphene_lab, encoding, missing):
    code = code_for(client, alice, rspace_app, [graphene_lab])
    body, _ = exchange_body(rspace_app, code, "body")
    del body[missing]

    assert_error(
        post_token(client, body, encoding), 400, "invalid_request", f"Missing required parameter: {missing}."
    )


def test_it_refuses_wrong_basic_credentials(client, alice, rspace_app, graphene_lab):
    code = code_for(client, alice, rspace_app, [graphene_lab])
    body, _ = exchange_body(rspace_app, code, "basic")
    assert_error(
        post_token(client, body, "form", basic(rspace_app.client_id, "wrong")), 401, "invalid_client"
    )


def test_it_refuses_a_code_issued_to_another_client(client, alice, rspace_app, graphene_lab):
    code = code_for(client, alice, rspace_app, [graphene_lab])
    other = Application.objects.create(
        name="Other",
        user=alice,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=RSPACE_REDIRECT,
        scopes=rspace_app.scopes,
        client_secret=SECRET,
    )
    body = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": RSPACE_REDIRECT,
        "client_id": other.client_id,
        "client_secret": SECRET,
    }
    assert_error(post_token(client, body, "json"), 400, "invalid_grant")


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", '{"code": {"nested": true}}', "\xff"])
def test_it_answers_a_malformed_json_body_with_invalid_request(client, db, content):
    response = client.post("/oauth/token", content, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert response["WWW-Authenticate"].startswith('Bearer realm="Doorkeeper", error="invalid_request"')


def test_it_answers_get_with_405(client, db):
    assert client.get("/oauth/token").status_code == 405


def test_it_refuses_a_wider_scope_on_refresh(client, alice, rspace_app, graphene_lab):
    code = code_for(client, alice, rspace_app, [graphene_lab], scope="read_bookings")
    body, _ = exchange_body(rspace_app, code, "body")
    tokens = post_token(client, body, "form").json()
    refresh = {
        "grant_type": "refresh_token",
        "refresh_token": tokens["refresh_token"],
        "client_id": rspace_app.client_id,
        "client_secret": SECRET,
        "scope": "read_bookings read_accounts",
    }
    assert_error(post_token(client, refresh, "form"), 400, "invalid_scope")
    assert RefreshToken.objects.filter(revoked__isnull=True).count() == 1


def test_it_refuses_an_exchange_without_the_redirect_uri(client, alice, rspace_app, graphene_lab):
    # RFC 6749 §4.1.3: the authorisation request had one, so the exchange must repeat it.
    code = code_for(client, alice, rspace_app, [graphene_lab])
    client.logout()
    body, authorization = exchange_body(rspace_app, code, "basic")
    del body["redirect_uri"]

    response = post_token(client, body, "form", authorization)

    assert_error(response, 400, "invalid_request", "Missing required parameter: redirect_uri.")
    assert not AccessToken.objects.exists()
    assert (
        post_token(client, {**body, "redirect_uri": RSPACE_REDIRECT}, "form", authorization).status_code
        == 200
    )
