"""OAuth 2.0 sign-in: the authorisation-code flow with PKCE (S256) and a loopback redirect,
a refresh token, and refreshing."""

import base64
import hashlib
import html
import secrets
import threading
import time
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import httpx

from labshare.client.config import Endpoints
from labshare.client.errors import LabshareClientError, ReconnectRequired, SignInError, network_errors
from labshare.client.tokens import Credentials

ALL_SCOPES = ("read_user", "read_accounts", "read_equipment", "read_projects", "read_bookings")
CALLBACK_PATH = "/callback"


def pkce_pair() -> tuple[str, str]:
    """A code verifier and its S256 challenge (RFC 7636 §4.1-4.2)."""
    verifier = secrets.token_urlsafe(64)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorization_url(
    endpoints: Endpoints,
    client_id: str,
    redirect_uri: str,
    scopes: tuple[str, ...],
    state: str,
    challenge: str,
) -> str:
    query = urlencode(
        {
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": " ".join(scopes),
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    return f"{endpoints.authorize_url}?{query}"


@dataclass
class CallbackResult:
    code: str | None = None
    state: str | None = None
    error: str | None = None


class LoopbackReceiver:
    """A one-shot HTTP server on 127.0.0.1 (a free port) that receives the redirect (RFC 8252 §7.3)."""

    def __init__(self) -> None:
        self.result = CallbackResult()
        self.received = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlparse(self.path)
                if url.path != CALLBACK_PATH:
                    self.send_error(404)
                    return
                query = {key: values[0] for key, values in parse_qs(url.query).items()}
                receiver.result = CallbackResult(
                    code=query.get("code"), state=query.get("state"), error=query.get("error")
                )
                message = "You are signed in. You can close this tab and return to the terminal."
                if receiver.result.error:
                    message = f"Sign-in failed: {receiver.result.error}."
                body = f"<!doctype html><title>Labshare</title><p>{html.escape(message)}</p>".encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                receiver.received.set()

            def log_message(self, *args: Any) -> None:  # the query holds the code: never log it
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{CALLBACK_PATH}"

    def __enter__(self) -> "LoopbackReceiver":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait(self, timeout: float) -> CallbackResult:
        if not self.received.wait(timeout):
            raise LabshareClientError(f"No answer from the browser within {timeout:.0f} s; try again.")
        return self.result


def post_token(
    endpoints: Endpoints,
    form: dict[str, str],
    http: httpx.Client | None = None,
    rejected_grant: LabshareClientError | None = None,
) -> dict[str, Any]:
    """POST to the token endpoint; a rejected grant raises `rejected_grant`, by default the
    error that asks the user to sign in again."""
    owned = http is None
    http = http or httpx.Client(timeout=30)
    try:
        with network_errors(endpoints.token_url):
            response = http.post(endpoints.token_url, data=form, headers={"Accept": "application/json"})
    finally:
        if owned:
            http.close()
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    if response.status_code == 200 and "access_token" in answer:
        return answer
    error = answer.get("error") if isinstance(answer, dict) else None
    if error == "invalid_grant":
        raise rejected_grant or ReconnectRequired("The saved sign-in was rejected (expired or revoked).")
    if error in ("invalid_client", "unauthorized_client"):
        raise SignInError(
            f"{endpoints.token_url} refused the client ({error}).",
            "Check --client-id and --client-secret (LABSHARE_CLIENT_ID, LABSHARE_CLIENT_SECRET).",
        )
    if error:
        raise SignInError(
            f"{endpoints.token_url} refused the request ({error}): {answer.get('error_description', '')}",
            "Check the options given to `labshare login`.",
        )
    if response.status_code >= 500:
        raise SignInError(
            f"{endpoints.token_url} answered {response.status_code} without a token.",
            "The server failed: try again later, or tell its administrator.",
        )
    raise SignInError(
        f"{endpoints.token_url} answered {response.status_code} without a token.",
        "Check --server (LABSHARE_WEB_URL): the web app's address, without /v1.",
    )


def _client_form(client_id: str, client_secret: str | None) -> dict[str, str]:
    form = {"client_id": client_id}
    if client_secret:
        form["client_secret"] = client_secret
    return form


def login_with_browser(
    endpoints: Endpoints,
    client_id: str,
    client_secret: str | None = None,
    scopes: tuple[str, ...] = ALL_SCOPES,
    open_browser: Callable[[str], object] = webbrowser.open,
    timeout: float = 300,
) -> Credentials:
    """Sign in through the browser: consent page, loopback redirect, code exchange with PKCE."""
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(16)
    with LoopbackReceiver() as receiver:
        url = authorization_url(endpoints, client_id, receiver.redirect_uri, scopes, state, challenge)
        open_browser(url)
        result = receiver.wait(timeout)
    if result.error:
        raise LabshareClientError(f"The authorisation was not granted: {result.error}.")
    if not result.code or not secrets.compare_digest(result.state or "", state):
        raise LabshareClientError("The browser came back without a valid code (state mismatch); try again.")
    answer = post_token(
        endpoints,
        {
            "grant_type": "authorization_code",
            "code": result.code,
            "redirect_uri": receiver.redirect_uri,
            "code_verifier": verifier,
            **_client_form(client_id, client_secret),
        },
    )
    return _credentials(endpoints, client_id, client_secret).with_token_response(answer)


def login_with_refresh_token(
    endpoints: Endpoints, client_id: str, client_secret: str | None, refresh_token: str
) -> Credentials:
    """Sign in from a refresh token obtained elsewhere (e.g. `labshare token`)."""
    credentials = _credentials(endpoints, client_id, client_secret, refresh_token=refresh_token)
    return refresh(
        credentials,
        rejected_grant=SignInError(
            f"{endpoints.token_url} rejected the refresh token given (invalid_grant).",
            "It is unknown, used already, expired or revoked, or another client's: get a new one.",
        ),
    )


def refresh(
    credentials: Credentials,
    http: httpx.Client | None = None,
    rejected_grant: LabshareClientError | None = None,
) -> Credentials:
    if not credentials.refresh_token:
        raise ReconnectRequired("There is no refresh token.")
    answer = post_token(
        credentials.endpoints,
        {
            "grant_type": "refresh_token",
            "refresh_token": credentials.refresh_token,
            **_client_form(credentials.client_id, credentials.client_secret),
        },
        http,
        rejected_grant,
    )
    return credentials.with_token_response(answer, now=time.time())


def _credentials(
    endpoints: Endpoints, client_id: str, client_secret: str | None, refresh_token: str | None = None
) -> Credentials:
    return Credentials(
        web_url=endpoints.web_url,
        api_url=endpoints.api_url,
        client_id=client_id,
        client_secret=client_secret,
        access_token=None,
        refresh_token=refresh_token,
        expires_at=0,
    )
