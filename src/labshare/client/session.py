"""An authenticated HTTP session: a valid access token on every request, retries with backoff."""

import os
import threading
import time
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import orjson
import stamina

from labshare.client import oauth
from labshare.client.errors import ApiError, ReconnectRequired, network_errors
from labshare.client.tokens import Credentials, TokenStore

REFRESH_MARGIN_SECONDS = 60  # refresh this long before expiry, as real clients do
RETRY_AFTER_CAP_SECONDS = 120.0


class RetryableStatus(Exception):
    """A 429 or 5xx answer, retried with backoff (or after the server's Retry-After)."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.retry_after = retry_after_seconds(response)
        super().__init__(f"{response.request.url} answered {response.status_code}")


def retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return None
    return min(max(seconds, 0.0), RETRY_AFTER_CAP_SECONDS)


def backoff(exc: Exception) -> bool | float:
    """stamina's hook: retry 429/5xx (a Retry-After sets the wait) and connections that broke.

    A refused connection, an unknown host, a failed handshake or a timeout is not retried: an
    interactive command says so at once rather than after a minute of backoff.
    """
    if isinstance(exc, RetryableStatus):
        return exc.retry_after if exc.retry_after is not None else True
    final = (httpx.ConnectError, httpx.TimeoutException, httpx.UnsupportedProtocol, httpx.ProxyError)
    return isinstance(exc, httpx.TransportError) and not isinstance(exc, final)


class Session:
    """Holds the credentials, refreshes them before they expire and once on a 401.

    Thread-safe: the pagination fetches pages from several threads through one session.
    """

    def __init__(
        self,
        credentials: Credentials,
        store: TokenStore | None = None,
        concurrency: int = 8,
        timeout: float | None = None,
        attempts: int = 6,
    ) -> None:
        self.credentials = credentials
        self.store = store
        self.attempts = attempts
        self._lock = threading.Lock()
        self.http = httpx.Client(
            base_url=credentials.api_url,
            timeout=timeout or float(os.environ.get("LABSHARE_TIMEOUT") or 60),
            limits=httpx.Limits(max_connections=concurrency + 2, max_keepalive_connections=concurrency + 2),
            headers={"Accept": "application/json", "User-Agent": "labshare-client"},
        )

    def close(self) -> None:
        self.http.close()

    def access_token(self) -> str:
        with self._lock:
            if self.credentials.expires_within(REFRESH_MARGIN_SECONDS):
                self._refresh()
            assert self.credentials.access_token
            return self.credentials.access_token

    def _refresh(self) -> None:
        self.credentials = oauth.refresh(self.credentials)
        if self.store:
            self.store.save(self.credentials)

    def _refresh_after_401(self, rejected_token: str) -> None:
        with self._lock:
            # Another thread may have refreshed already: refresh only if the token is the rejected one.
            if self.credentials.access_token == rejected_token:
                self._refresh()

    def get(self, path: str, params: dict[str, Any] | None = None) -> httpx.Response:
        """GET a path relative to the API base (`bookings`, `equipment/7`), with retries."""
        try:
            with network_errors(str(self.http.base_url.join(path))):
                for attempt in stamina.retry_context(
                    on=backoff, attempts=self.attempts, timeout=300, wait_initial=0.2, wait_max=30
                ):
                    with attempt:
                        response = self._get_once(path, params)
        except RetryableStatus as exc:
            raise ApiError(
                exc.response.status_code, str(exc.response.request.url), exc.response.text
            ) from exc
        return response

    def _get_once(self, path: str, params: dict[str, Any] | None) -> httpx.Response:
        token = self.access_token()
        response = self.http.get(path, params=params, headers={"Authorization": f"Bearer {token}"})
        if response.status_code == 401:
            self._refresh_after_401(token)
            response = self.http.get(
                path, params=params, headers={"Authorization": f"Bearer {self.access_token()}"}
            )
            if response.status_code == 401:
                raise ReconnectRequired(f"{response.request.url} does not accept the saved sign-in (401).")
        if response.status_code == 429 or response.status_code >= 500:
            raise RetryableStatus(response)
        if response.status_code >= 400:
            raise ApiError(response.status_code, str(response.request.url), response.text)
        return response

    def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return orjson.loads(self.get(path, params).content)
