"""The API's errors: one JSON body shape, {"error", "error_description"[, "parameter"]}."""

import orjson
from django.http import HttpRequest, HttpResponse

DOORKEEPER_REALM = 'Bearer realm="Doorkeeper"'


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

    def headers(self) -> dict[str, str]:
        return {}

    def response(self) -> HttpResponse:
        response = json_response(self.body(), status=self.status)
        for name, value in self.headers().items():
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
    """RFC 6750 §3.1, worded as Doorkeeper words it."""

    status = 401
    error = "invalid_token"

    def headers(self) -> dict[str, str]:
        return {
            "WWW-Authenticate": f'{DOORKEEPER_REALM}, error="invalid_token", '
            f'error_description="{self.description}"'
        }


class InsufficientScope(ApiError):
    status = 403
    error = "insufficient_scope"

    def __init__(self, scopes: tuple[str, ...]) -> None:
        super().__init__("The request requires higher privileges than provided by the access token.")
        self.scopes = scopes

    def body(self) -> dict:
        return {**super().body(), "scope": " ".join(self.scopes)}

    def headers(self) -> dict[str, str]:
        return {
            "WWW-Authenticate": f'{DOORKEEPER_REALM}, error="insufficient_scope", '
            f'error_description="{self.description}", scope="{" ".join(self.scopes)}"'
        }


class MethodNotAllowed(ApiError):
    status = 405
    error = "method_not_allowed"

    def headers(self) -> dict[str, str]:
        return {"Allow": "GET, HEAD, OPTIONS"}


def json_response(body: object, status: int = 200) -> HttpResponse:
    return HttpResponse(orjson.dumps(body), status=status, content_type="application/json")


def unknown_route(request: HttpRequest, path: str = "") -> HttpResponse:
    """Every path under /v1 that names no endpoint."""
    return json_response(
        {"error": "not_found", "error_description": f"No endpoint at {request.path}."}, status=404
    )
