"""Errors the SDK raises: each names what failed and what to check, and has its own exit code."""

import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import orjson


class LabshareClientError(Exception):
    """Base class for the client toolkit's errors; `hint` is the line that says what to check."""

    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        self.message = message
        self.hint = hint
        super().__init__(f"{message} {hint}".strip())


class ConfigurationError(LabshareClientError):
    """An option, URL or file name the toolkit cannot use."""

    exit_code = 3


class ReconnectRequired(LabshareClientError):
    """The refresh token is missing, expired or revoked: the user has to sign in again."""

    exit_code = 4

    def __init__(self, reason: str) -> None:
        super().__init__(reason, "Please re-connect: run `labshare login`.")


class SignInError(LabshareClientError):
    """The token endpoint refused the client or the grant."""

    exit_code = 4


class ConnectionFailed(LabshareClientError):
    """Nothing answers at the URL's host and port."""

    exit_code = 5


class HostNotFound(LabshareClientError):
    """The URL's host name does not resolve."""

    exit_code = 6


class TlsFailed(LabshareClientError):
    """The TLS handshake failed: a certificate, or https spoken to a plain-HTTP port."""

    exit_code = 7


class TimedOut(LabshareClientError):
    """The server accepted the connection but did not answer in time."""

    exit_code = 8


class ApiError(LabshareClientError):
    """The API answered with an error status after any retries."""

    exit_code = 9

    def __init__(self, status: int, url: str, body: str) -> None:
        self.status = status
        self.url = url
        self.body = body
        reason = httpx.codes.get_reason_phrase(status)
        described = _error_description(body)
        message = f"{url} answered {status} {reason}" + (f": {described}" if described else ".")
        super().__init__(message, _hint_for_status(status))


class LocalDataError(LabshareClientError):
    """The pulled data is missing or holds nothing for the request."""

    exit_code = 10


EXIT_CODES = {
    error.__name__: error.exit_code
    for error in (
        LabshareClientError,
        ConfigurationError,
        ReconnectRequired,
        SignInError,
        ConnectionFailed,
        HostNotFound,
        TlsFailed,
        TimedOut,
        ApiError,
        LocalDataError,
    )
}


def _error_description(body: str) -> str:
    """The `error_description` (and parameter) of a JSON error body; nothing for HTML pages."""
    try:
        answer = orjson.loads(body)
    except orjson.JSONDecodeError:
        return ""
    if not isinstance(answer, dict):
        return ""
    text = str(answer.get("error_description") or answer.get("error") or "")
    if answer.get("parameter"):
        text += f" (parameter {answer['parameter']})"
    return text[:300]


def _hint_for_status(status: int) -> str:
    if status == 401:
        return "Check the sign-in: run `labshare login` again."
    if status == 403:
        return "The sign-in lacks a scope: run `labshare login` with the scopes you need."
    if status == 404:
        return "Check the API URL (--api-url or LABSHARE_API_URL; the default is <server>/v1/)."
    if status == 429:
        return "The server limits requests: wait a minute and try again."
    if status >= 500:
        return "The server failed: try again later, or tell its administrator."
    return "Check the options given."


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def translate(exc: httpx.HTTPError, url: str) -> LabshareClientError:
    """The toolkit's error for an httpx failure on `url`, with what to check."""
    causes = list(_causes(exc))
    text = " ".join(str(cause) for cause in causes)
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return ConfigurationError(
            f"{url} is not a URL the toolkit can use ({exc}).",
            "Give the scheme and host, like http://127.0.0.1:8000 (--server, --api-url).",
        )
    if any(isinstance(cause, ssl.SSLError) for cause in causes) or "SSL" in text:
        return TlsFailed(
            f"The TLS handshake with {url} failed ({_last_line(str(exc))}).",
            "Check that the server speaks https on that port and that its certificate is valid.",
        )
    if any(isinstance(cause, socket.gaierror) for cause in causes) or "name resolution" in text:
        return HostNotFound(
            f"The host name of {url} does not resolve.", "Check the host name and your network or VPN."
        )
    if isinstance(exc, httpx.ConnectTimeout):
        return ConnectionFailed(
            f"No connection to {url} within the time allowed.",
            "Check the host and port, and any firewall or VPN in between.",
        )
    if isinstance(exc, httpx.TimeoutException):
        return TimedOut(
            f"{url} did not answer in time.",
            "The server may be overloaded: try again, or allow longer with LABSHARE_TIMEOUT (seconds).",
        )
    if isinstance(exc, httpx.ConnectError):
        return ConnectionFailed(
            f"Cannot connect to {url} ({_last_line(str(exc))}).",
            "Check that the server is running and the URL's host and port (--server, --api-url).",
        )
    return ConnectionFailed(
        f"The connection to {url} failed ({type(exc).__name__}: {_last_line(str(exc))}).",
        "Check the server and the network; run again with --debug for details.",
    )


def _last_line(text: str) -> str:
    return text.strip().splitlines()[-1][:200] if text.strip() else "no details"


@contextmanager
def network_errors(url: str) -> Iterator[None]:
    """Turn httpx's transport errors inside the block into the toolkit's errors for `url`."""
    try:
        yield
    except httpx.TransportError as exc:
        raise translate(exc, url) from exc
