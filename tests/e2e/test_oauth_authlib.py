"""A real OAuth client library (authlib's httpx OAuth2Client) against the running server."""

import pytest
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import OAuth2Client

from labshare.oauth.models import Application, Authorisation
from tests.e2e.consent import approve, signed_in_browser

pytestmark = pytest.mark.e2e

SECRET = "a-secret-only-this-test-knows"


def test_it_completes_the_flow_with_authlib(server, alice, graphene_lab, bio_lab):
    redirect_uri = "https://client.example.test/callback"
    application = Application.objects.create(
        name="Authlib",
        user=alice,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=redirect_uri,
        scopes="read_bookings read_accounts",
        client_secret=SECRET,
    )
    oauth = OAuth2Client(application.client_id, SECRET, scope="read_bookings", redirect_uri=redirect_uri)
    url, state = oauth.create_authorization_url(f"{server}/oauth/authorize")

    callback = approve(signed_in_browser(server, alice.email), url, [graphene_lab.pk, bio_lab.pk])
    token = oauth.fetch_token(f"{server}/oauth/token", authorization_response=callback, state=state)

    assert token["token_type"] == "Bearer" and token["scope"] == "read_bookings"
    assert token["expires_in"] == 7200 and token["created_at"] > 0
    info = oauth.get(f"{server}/oauth/token/info")
    assert info.status_code == 200 and info.json()["scope"] == ["read_bookings"]

    renewed = oauth.refresh_token(f"{server}/oauth/token")
    assert renewed["refresh_token"] != token["refresh_token"]
    assert set(Authorisation.objects.get(user=alice).labs.all()) == {graphene_lab, bio_lab}

    revoked = oauth.revoke_token(f"{server}/oauth/revoke", renewed["refresh_token"], "refresh_token")
    assert revoked.status_code == 200
    assert oauth.get(f"{server}/oauth/token/info").status_code == 401


def test_it_completes_the_pkce_flow_of_a_public_client_with_authlib(server, alice, optics_lab):
    redirect_uri = "http://127.0.0.1:9/callback"
    application = Application.objects.create(
        name="SPA",
        user=alice,
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=redirect_uri,
        scopes="read_equipment",
    )
    oauth = OAuth2Client(
        application.client_id,
        scope="read_equipment",
        redirect_uri=redirect_uri,
        token_endpoint_auth_method="none",
        code_challenge_method="S256",
    )
    verifier = generate_token(64)
    url, state = oauth.create_authorization_url(f"{server}/oauth/authorize", code_verifier=verifier)

    callback = approve(signed_in_browser(server, alice.email), url, [optics_lab.pk])
    token = oauth.fetch_token(
        f"{server}/oauth/token", authorization_response=callback, state=state, code_verifier=verifier
    )

    assert token["scope"] == "read_equipment"
    assert list(Authorisation.objects.get(user=alice, application=application).labs.all()) == [optics_lab]
