"""GET /oauth/token/info: Doorkeeper's shape."""

from datetime import timedelta

import time_machine
from django.core.cache import cache
from django.utils import timezone
from oauth2_provider.models import AccessToken

from labshare.oauth.tokens import issue_tokens


def test_it_describes_the_bearer_token(client, alice, rspace_app, graphene_lab):
    tokens = issue_tokens(alice, rspace_app, [graphene_lab], ["read_bookings", "read_accounts"])
    created = AccessToken.objects.get().created
    with time_machine.travel(created + timedelta(minutes=10), tick=False):
        response = client.get("/oauth/token/info", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert response.status_code == 200
    assert response.json() == {
        "resource_owner_id": alice.pk,
        "scope": ["read_bookings", "read_accounts"],
        "expires_in": 7200 - 600,
        "application": {"uid": rspace_app.client_id},
        "created_at": int(created.timestamp()),
    }


def test_it_refuses_a_missing_or_unknown_token(client, db):
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer nonsense"}, {"HTTP_AUTHORIZATION": "Basic eDp5"}):
        response = client.get("/oauth/token/info", **headers)
        assert response.status_code == 401
        assert response.json() == {
            "error": "invalid_token",
            "error_description": "The access token is invalid",
        }
        assert response["WWW-Authenticate"] == (
            'Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token is invalid", '
            'resource_metadata="http://testserver/.well-known/oauth-protected-resource/v1"'
        )


def test_it_refuses_an_expired_token(client, alice, rspace_app, graphene_lab):
    tokens = issue_tokens(alice, rspace_app, [graphene_lab], ["read_bookings"])
    with time_machine.travel(timezone.now() + timedelta(hours=3)):
        response = client.get("/oauth/token/info", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert response.json()["error_description"] == "The access token expired"


def test_it_agrees_with_the_api_on_an_inactive_users_token(client, alice, rspace_app, graphene_lab):
    tokens = issue_tokens(alice, rspace_app, [graphene_lab], ["read_user"])
    authorization = f"Bearer {tokens['access_token']}"
    assert client.get("/oauth/token/info", HTTP_AUTHORIZATION=authorization).status_code == 200
    alice.is_active = False
    alice.save()
    cache.clear()  # the bearer check caches a token for seconds

    for path in ("/v1/user", "/oauth/token/info"):
        response = client.get(path, HTTP_AUTHORIZATION=authorization)
        assert response.status_code == 401, path
        assert response.json() == {
            "error": "invalid_token",
            "error_description": "The access token is invalid",
        }


def test_it_refuses_a_revoked_token_as_the_api_does(client, alice, rspace_app, graphene_lab):
    tokens = issue_tokens(alice, rspace_app, [graphene_lab], ["read_user"])
    authorization = f"Bearer {tokens['access_token']}"
    AccessToken.objects.get().revoke()
    for path in ("/v1/user", "/oauth/token/info"):
        response = client.get(path, HTTP_AUTHORIZATION=authorization)
        assert response.json()["error_description"] == "The access token was revoked", path
