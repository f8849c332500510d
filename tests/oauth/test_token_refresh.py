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


REUSE_SECONDS = 60  # LABSHARE_REFRESH_REUSE_SECONDS's default


def bearer(access_token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {access_token}"}


def test_it_answers_a_retry_after_a_lost_answer_with_a_fresh_pair(
    client, rspace_app, tokens, graphene_lab, bio_lab
):
    lost = refresh(client, rspace_app, tokens["refresh_token"]).json()
    with time_machine.travel(timezone.now() + timedelta(seconds=REUSE_SECONDS - 5)):
        retried = refresh(client, rspace_app, tokens["refresh_token"])

    assert retried.status_code == 200, retried.content
    pair = retried.json()
    assert pair["access_token"] not in (lost["access_token"], tokens["access_token"])
    assert pair["refresh_token"] not in (lost["refresh_token"], tokens["refresh_token"])
    assert pair["scope"] == tokens["scope"]
    family = RefreshToken.objects.get(access_token__isnull=True).token_family  # the one presented twice
    assert set(RefreshToken.objects.values_list("token_family", flat=True)) == {family}
    # Nothing was revoked: both pairs read the same labs, and both refresh tokens rotate on.
    for access_token in (lost["access_token"], pair["access_token"]):
        accounts = client.get("/v1/accounts", **bearer(access_token))
        assert accounts.status_code == 200, accounts.content
        ids = {account["id"] for account in accounts.json()}
        assert graphene_lab.id in ids and bio_lab.id not in ids
    for refresh_token in (lost["refresh_token"], pair["refresh_token"]):
        assert refresh(client, rspace_app, refresh_token).status_code == 200


def test_it_revokes_the_family_when_a_used_refresh_token_comes_back_after_the_reuse_period(
    client, rspace_app, tokens
):
    renewed = refresh(client, rspace_app, tokens["refresh_token"]).json()

    with time_machine.travel(timezone.now() + timedelta(seconds=REUSE_SECONDS + 1)):
        assert_invalid_grant(refresh(client, rspace_app, tokens["refresh_token"]))

    # The thief's replay kills the legitimate successor too.
    assert_invalid_grant(refresh(client, rspace_app, renewed["refresh_token"]))
    assert not AccessToken.objects.exists()
    assert not RefreshToken.objects.filter(revoked__isnull=True).exists()


def test_it_revokes_the_family_at_once_without_a_reuse_period(client, rspace_app, tokens, settings):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0}
    renewed = refresh(client, rspace_app, tokens["refresh_token"]).json()

    assert_invalid_grant(refresh(client, rspace_app, tokens["refresh_token"]))
    assert_invalid_grant(refresh(client, rspace_app, renewed["refresh_token"]))


def test_it_revokes_the_family_when_a_token_two_rotations_back_comes_back(client, rspace_app, tokens):
    renewed = refresh(client, rspace_app, tokens["refresh_token"]).json()
    latest = refresh(client, rspace_app, renewed["refresh_token"]).json()

    # Within the period, but its successor was rotated in turn: a replay, not a retry.
    assert_invalid_grant(refresh(client, rspace_app, tokens["refresh_token"]))
    assert client.get("/oauth/token/info", **bearer(latest["access_token"])).status_code == 401
    assert_invalid_grant(refresh(client, rspace_app, latest["refresh_token"]))


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
