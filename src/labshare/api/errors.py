"""The API's errors: one JSON body shape, {"error", "error_description"[, "parameter"]}."""

import orjson
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from labshare.oauth.discovery import resource_metadata_url
from labshare.oauth.errors import bearer_challenge


class ApiError(Exception):
    """An error answer; raised anywhere under a view, rendered by `api_view`."""

    status = 400
    error = "invalid_request"

    def __init__(self, description: str, parameter: str | None = None) -> None:
        super().__init__(description)
        self.description = description
        self.parameter = parameter

    def body(self) -> dict:
        body = {"error": self.error, "error_description": self.description}
        if self.parameter is not None:
            body["parameter"] = self.parameter
        return body

    def headers(self, request: HttpRequest) -> dict[str, str]:
        return {}

    def response(self, request: HttpRequest) -> HttpResponse:
        response = json_response(self.body(), status=self.status)
        for name, value in self.headers(request).items():
            response[name] = value
        return response


class BadParameter(ApiError):
    status = 400
    error = "invalid_parameter"


class NotFound(ApiError):
    """Also the answer for another lab's record: it must look like an id that does not exist."""

    status = 404
    error = "not_found"

    def __init__(self, thing: str, value: object, parameter: str | None = "id") -> None:
        super().__init__(f"No {thing} with id {value}.", parameter)


class InvalidToken(ApiError):
    """RFC 6750 §3.1, worded as Doorkeeper words it, with where to learn how to get a token
    (RFC 9728 §5.1)."""

    status = 401
    error = "invalid_token"

    def headers(self, request: HttpRequest) -> dict[str, str]:
        challenge = bearer_challenge(
            self.error, self.description, resource_metadata=resource_metadata_url(request)
        )
        return {"WWW-Authenticate": challenge}


class InsufficientScope(ApiError):
    status = 403
    error = "insufficient_scope"

    def __init__(self, scopes: tuple[str, ...]) -> None:
        super().__init__("The request requires higher privileges than provided by the access token.")
        self.scopes = scopes

    def body(self) -> dict:
        return {**super().body(), "scope": " ".join(self.scopes)}

    def headers(self, request: HttpRequest) -> dict[str, str]:
        challenge = bearer_challenge(self.error, self.description, scope=" ".join(self.scopes))
        return {"WWW-Authenticate": challenge}


class MethodNotAllowed(ApiError):
    status = 405
    error = "method_not_allowed"

    def __init__(self, description: str, allow: str = "GET, HEAD, OPTIONS") -> None:
        super().__init__(description)
        self.allow = allow

    def headers(self, request: HttpRequest) -> dict[str, str]:
        return {"Allow": self.allow}


def json_response(body: object, status: int = 200) -> HttpResponse:
    return HttpResponse(orjson.dumps(body), status=status, content_type="application/json")


@csrf_exempt  # bearer tokens only: there is no cookie to forge a request with
def unknown_route(request: HttpRequest, path: str = "") -> HttpResponse:
    """Every path under /v1 that names no endpoint."""
    return json_response(
        {"error": "not_found", "error_description": f"No endpoint at {request.path}."}, status=404
    )
