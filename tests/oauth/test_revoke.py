"""POST /oauth/revoke (RFC 7009)."""

import json

import pytest
from oauth2_provider.models import AccessToken, RefreshToken

from labshare.oauth.tokens import issue_tokens
from tests.oauth.conftest import SECRET, basic


@pytest.fixture
def tokens(alice, rspace_app, graphene_lab) -> dict:
    return issue_tokens(alice, rspace_app, [graphene_lab], ["read_bookings"])


@pytest.mark.parametrize("kind", ["access_token", "refresh_token"])
@pytest.mark.parametrize("encoding", ["form", "json"])
def test_it_revokes_a_token_and_its_pair(client, rspace_app, tokens, kind, encoding):
    body = {
        "token": tokens[kind],
        "token_type_hint": kind,
        "client_id": rspace_app.client_id,
        "client_secret": SECRET,
    }
    if encoding == "json":
        response = client.post("/oauth/revoke", json.dumps(body), content_type="application/json")
    else:
        response = client.post("/oauth/revoke", body)
    assert response.status_code == 200
    assert response.json() == {}
    assert not AccessToken.objects.exists()
    assert not RefreshToken.objects.filter(revoked__isnull=True).exists()


def test_it_answers_200_for_an_unknown_token(client, rspace_app, tokens):
    response = client.post(
        "/oauth/revoke", {"token": "nonsense"}, HTTP_AUTHORIZATION=basic(rspace_app.client_id, SECRET)
    )
    assert response.status_code == 200
    assert AccessToken.objects.count() == 1


def test_it_leaves_another_clients_token_alone(client, alice_app, alice_tokens, rspace_app):
    response = client.post(
        "/oauth/revoke",
        {"token": alice_tokens["access_token"]},
        HTTP_AUTHORIZATION=basic(rspace_app.client_id, SECRET),
    )
    assert response.status_code == 200
    assert AccessToken.objects.filter(application=alice_app).exists()


def test_it_requires_client_authentication(client, rspace_app, tokens):
    response = client.post(
        "/oauth/revoke",
        {"token": tokens["access_token"], "client_id": rspace_app.client_id, "client_secret": "wrong"},
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert AccessToken.objects.exists()
