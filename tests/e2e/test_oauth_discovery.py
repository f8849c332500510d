"""A client that knows only the API's URL finds the authorisation server (RFC 9728, RFC 8414)
with authlib's metadata classes, and completes the code flow with PKCE."""

import re

import httpx
import pytest
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oauth2 import rfc8414, rfc9207

from labshare.oauth.models import Application
from tests.e2e.consent import approve, signed_in_browser

pytestmark = pytest.mark.e2e

SECRET = "a-secret-only-this-test-knows"
REDIRECT_URI = "https://client.example.test/callback"


def discover(api_url: str) -> tuple[dict, rfc8414.AuthorizationServerMetadata]:
    """From a 401 of the API to the authorisation server's validated metadata."""
    challenge = httpx.get(f"{api_url}/user").headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="Doorkeeper", error="invalid_token", error_description="')
    resource_metadata_url = re.search(r'resource_metadata="([^"]+)"', challenge).group(1)
    resource = httpx.get(resource_metadata_url).raise_for_status().json()
    assert resource["resource"] == api_url

    issuer = resource["authorization_servers"][0]
    well_known = rfc8414.get_well_known_url(issuer, external=True)
    metadata = rfc8414.AuthorizationServerMetadata(httpx.get(well_known).raise_for_status().json())
    metadata.validate(metadata_classes=[rfc9207.AuthorizationServerMetadata])
    assert metadata["issuer"] == issuer
    return resource, metadata


def test_a_client_that_knows_only_the_api_url_signs_in(server, alice, graphene_lab):
    application = Application.objects.create(
        name="Discovering client",
        user=alice,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=REDIRECT_URI,
        scopes="read_user read_accounts",
        client_secret=SECRET,
    )
    resource, metadata = discover(f"{server}/v1")
    assert set(resource["scopes_supported"]) >= {"read_user", "read_accounts"}
    assert "S256" in metadata["code_challenge_methods_supported"]
    assert "client_secret_basic" in metadata["token_endpoint_auth_methods_supported"]

    oauth = OAuth2Client(
        application.client_id,
        SECRET,
        scope="read_user read_accounts",
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
    )
    verifier = generate_token(64)
    url, state = oauth.create_authorization_url(metadata["authorization_endpoint"], code_verifier=verifier)
    callback = approve(signed_in_browser(server, alice.email), url, [graphene_lab.pk])
    # RFC 9207: the response names its issuer, so a client of several servers can tell them apart.
    assert dict(httpx.URL(callback).params)["iss"] == metadata["issuer"]

    oauth.fetch_token(
        metadata["token_endpoint"], authorization_response=callback, state=state, code_verifier=verifier
    )
    user = oauth.get(f"{resource['resource']}/user")
    assert user.status_code == 200 and user.json()["id"] == alice.pk
    accounts = oauth.get(f"{resource['resource']}/accounts").json()
    assert [a["id"] for a in accounts if a["account_type"] == "lab"] == [graphene_lab.pk]
    revoked = oauth.revoke_token(metadata["revocation_endpoint"], oauth.token["access_token"], "access_token")
    assert revoked.status_code == 200
    assert oauth.get(f"{resource['resource']}/user").status_code == 401
