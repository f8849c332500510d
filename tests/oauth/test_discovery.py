"""OAuth discovery: RFC 8414 authorisation server metadata, RFC 9728 protected resource metadata."""

import pytest

from labshare.oauth.models import SCOPES

RESOURCE_PATHS = [
    "/.well-known/oauth-protected-resource",
    "/.well-known/oauth-protected-resource/v1",
    "/v1/.well-known/oauth-protected-resource",
]


def test_it_describes_the_authorisation_server_at_the_requests_origin(client, db):
    response = client.get("/.well-known/oauth-authorization-server")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "issuer": "http://testserver",
        "authorization_endpoint": "http://testserver/oauth/authorize",
        "token_endpoint": "http://testserver/oauth/token",
        "revocation_endpoint": "http://testserver/oauth/revoke",
        "introspection_endpoint": "http://testserver/oauth/introspect",
        "scopes_supported": list(SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "authorization_response_iss_parameter_supported": True,
        "protected_resources": ["http://testserver/v1"],
        "service_documentation": "http://testserver/docs",
    }


@pytest.mark.parametrize("path", RESOURCE_PATHS)
def test_it_describes_the_api_as_a_protected_resource(client, db, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.json() == {
        "resource": "http://testserver/v1",
        "authorization_servers": ["http://testserver"],
        "scopes_supported": list(SCOPES),
        "bearer_methods_supported": ["header"],
        "resource_name": "Labshare API",
        "resource_documentation": "http://testserver/docs",
    }


def test_it_follows_the_configured_urls_when_web_and_api_are_split(client, db, settings):
    settings.LABSHARE_WEB_URL = "https://app.example.test"
    settings.LABSHARE_API_URL = "https://api.example.test/v1"

    server = client.get("/.well-known/oauth-authorization-server").json()
    assert server["issuer"] == "https://app.example.test"
    assert server["token_endpoint"] == "https://app.example.test/oauth/token"
    assert server["protected_resources"] == ["https://api.example.test/v1"]
    for path in RESOURCE_PATHS:
        resource = client.get(path).json()  # whichever host it is asked on
        assert resource["resource"] == "https://api.example.test/v1"
        assert resource["authorization_servers"] == ["https://app.example.test"]

    challenge = client.get("/v1/bookings")["WWW-Authenticate"]
    assert challenge.endswith(
        ', resource_metadata="https://api.example.test/.well-known/oauth-protected-resource/v1"'
    )


def test_the_api_url_defaults_to_the_web_url_and_v1(client, db, settings):
    settings.LABSHARE_WEB_URL = "https://labs.example.test"
    assert client.get("/.well-known/oauth-protected-resource").json()["resource"] == (
        "https://labs.example.test/v1"
    )
    assert (
        'resource_metadata="https://labs.example.test/.well-known/oauth-protected-resource/v1"'
        in (client.get("/oauth/token/info")["WWW-Authenticate"])
    )


def test_browser_apps_may_read_the_metadata(client, db):
    for path in ("/.well-known/oauth-authorization-server", *RESOURCE_PATHS):
        assert client.get(path, HTTP_ORIGIN="https://spa.example.test")["Access-Control-Allow-Origin"] == "*"
