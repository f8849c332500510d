"""OAuth discovery: authorisation server metadata (RFC 8414) and protected resource metadata
(RFC 9728), so that a client that knows only the API's URL finds its way.

The issuer is the web app's public URL, `LABSHARE_WEB_URL`; the API's is `LABSHARE_API_URL`
(default: the web URL and `/v1`). Unset, both come from the request's own origin.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

GRANT_TYPES = ["authorization_code", "refresh_token", "client_credentials"]
CLIENT_AUTHENTICATION = ["client_secret_basic", "client_secret_post"]
METADATA_CACHE = "public, max-age=3600"


def web_url(request: HttpRequest) -> str:
    """The web app's public URL without a trailing slash: the OAuth issuer (RFC 8414 §2)."""
    return settings.LABSHARE_WEB_URL or f"{request.scheme}://{request.get_host()}"


def api_url(request: HttpRequest) -> str:
    """The API's public base URL without a trailing slash: the protected resource (RFC 9728 §1.2)."""
    return settings.LABSHARE_API_URL or f"{web_url(request)}/v1"


def resource_metadata_url(request: HttpRequest) -> str:
    """RFC 9728 §3.1: the well-known path goes between the resource's host and its path."""
    resource = urlsplit(api_url(request))
    return f"{resource.scheme}://{resource.netloc}/.well-known/oauth-protected-resource{resource.path}"


def metadata_response(document: dict) -> JsonResponse:
    response = JsonResponse(document)
    response["Cache-Control"] = METADATA_CACHE
    response["Access-Control-Allow-Origin"] = "*"  # public facts, read by browser apps too
    return response


@require_safe
def authorization_server_metadata(request: HttpRequest) -> JsonResponse:
    issuer = web_url(request)
    return metadata_response(
        {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/oauth/authorize",
            "token_endpoint": f"{issuer}/oauth/token",
            "revocation_endpoint": f"{issuer}/oauth/revoke",
            "introspection_endpoint": f"{issuer}/oauth/introspect",
            "scopes_supported": list(settings.OAUTH2_PROVIDER["SCOPES"]),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": GRANT_TYPES,
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": [*CLIENT_AUTHENTICATION, "none"],
            "revocation_endpoint_auth_methods_supported": [*CLIENT_AUTHENTICATION, "none"],
            "introspection_endpoint_auth_methods_supported": CLIENT_AUTHENTICATION,
            "authorization_response_iss_parameter_supported": True,
            "protected_resources": [api_url(request)],
            "service_documentation": f"{issuer}/docs",
        }
    )


@require_safe
def protected_resource_metadata(request: HttpRequest) -> JsonResponse:
    return metadata_response(
        {
            "resource": api_url(request),
            "authorization_servers": [web_url(request)],
            "scopes_supported": list(settings.OAUTH2_PROVIDER["SCOPES"]),
            "bearer_methods_supported": ["header"],
            "resource_name": "Labshare API",
            "resource_documentation": f"{web_url(request)}/docs",
        }
    )
