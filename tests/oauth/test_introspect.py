"""POST /oauth/introspect (RFC 7662), for the authenticated client's own tokens."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from labshare.oauth.tokens import issue_tokens
from tests.oauth.conftest import SECRET, basic


@pytest.fixture
def tokens(alice, rspace_app, graphene_lab) -> dict:
    return issue_tokens(alice, rspace_app, [graphene_lab], ["read_bookings", "read_equipment"])


def test_it_describes_an_active_token(client, rspace_app, tokens):
    response = client.post(
        "/oauth/introspect",
        {"token": tokens["access_token"]},
        HTTP_AUTHORIZATION=basic(rspace_app.client_id, SECRET),
    )
    assert response.status_code == 200
    body = response.json()
    assert body["active"] is True
    assert body["scope"] == "read_bookings read_equipment"
    assert body["client_id"] == rspace_app.client_id
    assert body["token_type"] == "Bearer"
    assert body["exp"] - body["iat"] == 7200


def test_it_describes_a_refresh_token(client, rspace_app, tokens):
    response = client.post(
        "/oauth/introspect",
        {"token": tokens["refresh_token"], "client_id": rspace_app.client_id, "client_secret": SECRET},
    )
    assert response.json()["active"] is True


def test_it_says_inactive_for_expired_unknown_and_foreign_tokens(client, rspace_app, tokens, alice_tokens):
    auth = {"HTTP_AUTHORIZATION": basic(rspace_app.client_id, SECRET)}
    assert client.post("/oauth/introspect", {"token": "nonsense"}, **auth).json() == {"active": False}
    foreign = client.post(
        "/oauth/introspect",
        {"token": alice_tokens["access_token"], "token_type_hint": "access_token"},
        **auth,
    )
    assert foreign.json() == {"active": False}
    with time_machine.travel(timezone.now() + timedelta(hours=2, seconds=1)):
        expired = client.post(
            "/oauth/introspect", {"token": tokens["access_token"], "token_type_hint": "access_token"}, **auth
        )
    assert expired.json() == {"active": False}


def test_it_requires_client_authentication(client, rspace_app, tokens):
    response = client.post(
        "/oauth/introspect",
        {"token": tokens["access_token"]},
        HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}",
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_it_names_a_missing_token(client, rspace_app, tokens):
    response = client.post("/oauth/introspect", {}, HTTP_AUTHORIZATION=basic(rspace_app.client_id, SECRET))
    assert response.status_code == 400
    assert response.json()["error_description"] == "Missing required parameter: token."
