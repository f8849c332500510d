"""Refuse input that no view can use, before a view or the database sees it.

A NUL character (PostgreSQL refuses it in text) or a lone surrogate (it cannot be encoded) in
the path, a query or form parameter, a cookie, a header or the HTTP Basic credentials answers
400 naming where it was: JSON on the API and the OAuth endpoints, plain text on the pages.
JSON bodies are checked by their reader (oauth/views/token.py) with `first_unusable`.
"""

import base64
import binascii
import re
from collections.abc import Callable, Iterable
from urllib.parse import unquote_plus

from django.http import HttpRequest, HttpResponse

from labshare.api.errors import BadParameter
from labshare.oauth.errors import oauth_error

UNUSABLE = re.compile("[\x00\ud800-\udfff]")
PLAIN_NAME = re.compile(r"[A-Za-z0-9_.\-\[\]]{1,100}")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
OAUTH_JSON_PATHS = ("/oauth/token", "/oauth/revoke", "/oauth/introspect")  # /oauth/token/info too


def named(name: str) -> str:
    """A name fit to be shown, in a header too: escaped unless it is a plain word."""
    return name if PLAIN_NAME.fullmatch(name) else ascii(name[:40]) + ("..." if len(name) > 40 else "")


def first_unusable(pairs: Iterable[tuple[str, str]]) -> str | None:
    """The name of the first pair whose name or value holds a NUL or a lone surrogate."""
    for name, value in pairs:
        if UNUSABLE.search(name) or UNUSABLE.search(value):
            return named(name)
    return None


def basic_credentials(authorization: str) -> list[tuple[str, str]]:
    """client_id and client_secret of `Authorization: Basic`, as RFC 6749 §2.3.1 encodes them."""
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return []
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return []  # the client authentication refuses it
    client_id, _, client_secret = decoded.partition(":")
    return [("client_id", unquote_plus(client_id)), ("client_secret", unquote_plus(client_secret))]


def headers(request: HttpRequest) -> Iterable[tuple[str, str]]:
    for key, value in request.META.items():
        if key.startswith("HTTP_") and isinstance(value, str):
            yield key[5:].replace("_", "-").title(), value


def unusable_parameter(request: HttpRequest) -> str | None:
    if UNUSABLE.search(request.path_info):
        return "path"
    sources: list[Iterable[tuple[str, str]]] = [
        ((name, value) for name, values in request.GET.lists() for value in values),
        headers(request),
        request.COOKIES.items(),
        basic_credentials(request.META.get("HTTP_AUTHORIZATION", "")),
    ]
    if request.method == "POST" and request.content_type in FORM_TYPES:
        sources.append((name, value) for name, values in request.POST.lists() for value in values)
    for pairs in sources:
        if name := first_unusable(pairs):
            return name
    return None


def refusal(request: HttpRequest, parameter: str) -> HttpResponse:
    description = f"{parameter} contains a NUL character or a lone surrogate."
    if request.path_info.startswith("/v1/") or request.path_info == "/v1":
        return BadParameter(description, parameter).response(request)
    if request.path_info.startswith(OAUTH_JSON_PATHS):
        return oauth_error("invalid_request", description, parameter=parameter)
    return HttpResponse(f"Bad request: {description}\n", status=400, content_type="text/plain; charset=utf-8")


class InputCheckMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if parameter := unusable_parameter(request):
            return refusal(request, parameter)
        return self.get_response(request)
