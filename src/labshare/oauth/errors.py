"""Token-endpoint error answers, as Doorkeeper (the real service's provider) writes them."""

import json
import re

from django.http import HttpResponse

DESCRIPTIONS = {
    "invalid_request": (
        "The request is missing a required parameter, includes an unsupported parameter value, "
        "or is otherwise malformed."
    ),
    "invalid_redirect_uri": "The requested redirect uri is malformed or doesn't match client redirect URI.",
    "unauthorized_client": "The client is not authorized to perform this request using this method.",
    "access_denied": "The resource owner or authorization server denied the request.",
    "invalid_scope": "The requested scope is invalid, unknown, or malformed.",
    "invalid_code_challenge_method": "The code challenge method must be plain or S256.",
    "server_error": (
        "The authorization server encountered an unexpected condition which prevented it "
        "from fulfilling the request."
    ),
    "temporarily_unavailable": (
        "The authorization server is currently unable to handle the request due to a temporary "
        "overloading or maintenance of the server."
    ),
    "unsupported_response_type": "The authorization server does not support this response type.",
    "invalid_client": (
        "Client authentication failed due to unknown client, no client authentication included, "
        "or unsupported authentication method."
    ),
    "invalid_grant": (
        "The provided authorization grant is invalid, expired, revoked, does not match the "
        "redirection URI used in the authorization request, or was issued to another client."
    ),
    "unsupported_grant_type": "The authorization grant type is not supported by the authorization server.",
    "unsupported_token_type": (
        "The authorization server does not support the revocation of the presented token type."
    ),
}
UNAUTHORISED = {"invalid_client", "unauthorized_client"}
MISSING_PARAMETER = re.compile(r"Missing (\w+) parameter")


def describe(error: str, detail: str = "") -> str:
    """Doorkeeper's description of an error; a missing parameter is named, as Doorkeeper 5 does."""
    missing = MISSING_PARAMETER.search(detail or "")
    if error == "invalid_request" and missing:
        return f"Missing required parameter: {missing.group(1)}."
    return DESCRIPTIONS.get(error, detail or DESCRIPTIONS["invalid_request"])


def bearer_challenge(error: str, description: str, **params: str) -> str:
    """`WWW-Authenticate` as Doorkeeper writes it, then any further parameters (RFC 6750 §3):
    every error answer of the API and of the OAuth endpoints is challenged here."""
    extra = "".join(f', {name}="{value}"' for name, value in params.items())
    return f'Bearer realm="Doorkeeper", error="{error}", error_description="{description}"{extra}'


def oauth_error(
    error: str, detail: str = "", status: int | None = None, parameter: str | None = None
) -> HttpResponse:
    """`{"error", "error_description"}`: 401 for client errors, 400 otherwise, never cached.
    With `parameter`, the detail is the description and the body names the parameter too."""
    description = detail if parameter else describe(error, detail)
    if status is None:
        status = 401 if error in UNAUTHORISED else 400
    body = {"error": error, "error_description": description}
    if parameter:
        body["parameter"] = parameter
    response = HttpResponse(
        json.dumps(body),
        status=status,
        content_type="application/json; charset=utf-8",
    )
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    response["WWW-Authenticate"] = bearer_challenge(error, description)
    return response
