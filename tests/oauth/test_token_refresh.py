"""POST /oauth/token with grant_type=refresh_token: rotation, expiry and reuse detection."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from oauth2_provider.models import AccessToken, RefreshToken

from labshare.oauth.errors import DESCRIPTIONS
from tests.oauth.conftest import RSPACE_REDIRECT, SECRET, basic, code_for


@pytest.fixture
def tokens(client, alice, rspace_app, graphene_lab) -> dict:
    code = code_for(client, alice, rspace_app, [graphene_lab])
    client.logout()
    response = client.post(
        "/oauth/token",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": RSPACE_REDIRECT,
            "client_id": rspace_app.client_id,
            "client_secret": SECRET,
        },
    )
    assert response.status_code == 200
    return response.json()


def refresh(client, app, refresh_token: str, encoding: str = "form", credentials: str = "body"):
    body = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    headers = {}
    if credentials == "basic":
        headers["HTTP_AUTHORIZATION"] = basic(app.client_id, SECRET)
    else:
        body |= {"client_id": app.client_id, "client_secret": SECRET}
    if encoding == "json":
        return client.post("/oauth/token", json.dumps(body), content_type="application/json", **headers)
    return client.post("/oauth/token", body, **headers)


def assert_invalid_grant(response) -> None:
    assert response.status_code == 400, response.content
    assert response.json() == {"error": "invalid_grant", "error_description": DESCRIPTIONS["invalid_grant"]}
    assert response["WWW-Authenticate"].startswith('Bearer realm="Doorkeeper", error="invalid_grant"')


@pytest.mark.parametrize("encoding", ["form", "json"])
@pytest.mark.parametrize("credentials", ["basic", "body"])
def test_it_rotates_the_refresh_token(client, rspace_app, tokens, encoding, credentials):
    response = refresh(client, rspace_app, tokens["refresh_token"], encoding, credentials)

    assert response.status_code == 200, response.content
    renewed = response.json()
    assert renewed["refresh_token"] != tokens["refresh_token"]
    assert renewed["access_token"] != tokens["access_token"]
    assert renewed["expires_in"] == 7200
    assert renewed["scope"] == tokens["scope"]
    assert "created_at" in renewed
    assert response["Cache-Control"] == "no-store"
    assert AccessToken.objects.count() == 1  # the old access token is gone


def test_it_revokes_the_family_when_a_used_refresh_token_comes_back(client, rspace_app, tokens):
    renewed = refresh(client, rspace_app, tokens["refresh_token"]).json()

    assert_invalid_grant(refresh(client, rspace_app, tokens["refresh_token"]))

    # The thief's replay kills the legitimate successor too.
    assert_invalid_grant(refresh(client, rspace_app, renewed["refresh_token"]))
    assert not AccessToken.objects.exists()
    assert not RefreshToken.objects.filter(revoked__isnull=True).exists()


def test_it_refuses_a_refresh_token_after_its_lifetime(client, rspace_app, tokens, settings):
    with time_machine.travel(timezone.now() + timedelta(days=30, seconds=1)):
        assert_invalid_grant(refresh(client, rspace_app, tokens["refresh_token"]))


def test_it_refreshes_within_the_lifetime(client, rspace_app, tokens):
    with time_machine.travel(timezone.now() + timedelta(days=29, hours=23)):
        assert refresh(client, rspace_app, tokens["refresh_token"]).status_code == 200


def test_it_counts_the_lifetime_from_each_rotation(client, rspace_app, tokens):
    with time_machine.travel(timezone.now() + timedelta(days=20)):
        renewed = refresh(client, rspace_app, tokens["refresh_token"]).json()
    with time_machine.travel(timezone.now() + timedelta(days=40)):
        assert refresh(client, rspace_app, renewed["refresh_token"]).status_code == 200


def test_it_refuses_a_refresh_token_of_another_client(client, rspace_app, alice_app, tokens):
    body = {
        "grant_type": "refresh_token",
        "refresh_token": tokens["refresh_token"],
        "client_id": alice_app.client_id,
        "client_secret": "unknown",
    }
    assert client.post("/oauth/token", body).status_code == 401


def test_it_refuses_a_revoked_refresh_token(client, rspace_app, tokens):
    revoked = client.post(
        "/oauth/revoke",
        {
            "token": tokens["refresh_token"],
            "client_id": rspace_app.client_id,
            "client_secret": SECRET,
        },
    )
    assert revoked.status_code == 200
    assert_invalid_grant(refresh(client, rspace_app, tokens["refresh_token"]))


def test_it_expires_access_tokens_after_two_hours(client, tokens):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {tokens['access_token']}"}
    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=59)):
        assert client.get("/oauth/token/info", **auth).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(hours=2, seconds=1)):
        response = client.get("/oauth/token/info", **auth)
    assert response.status_code == 401
    assert response.json()["error_description"] == "The access token expired"
