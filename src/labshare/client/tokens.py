"""The saved connection: endpoints, client credentials and tokens, readable by the user only."""

import json
import os
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from labshare.client.config import Endpoints, client_home


@dataclass(frozen=True)
class Credentials:
    web_url: str
    api_url: str
    client_id: str
    client_secret: str | None
    access_token: str | None
    refresh_token: str | None
    expires_at: float  # epoch seconds
    scope: str = ""

    @property
    def endpoints(self) -> Endpoints:
        return Endpoints(web_url=self.web_url, api_url=self.api_url)

    def expires_within(self, seconds: float, now: float | None = None) -> bool:
        return self.access_token is None or self.expires_at - seconds <= (now or time.time())

    def with_token_response(self, answer: dict[str, Any], now: float | None = None) -> "Credentials":
        """The credentials after a token-endpoint answer (refresh tokens rotate)."""
        return replace(
            self,
            access_token=answer["access_token"],
            refresh_token=answer.get("refresh_token") or self.refresh_token,
            expires_at=(now or time.time()) + float(answer.get("expires_in", 7200)),
            scope=answer.get("scope", self.scope),
        )


class TokenStore:
    """One JSON file, `credentials.json`, mode 0600 in a 0700 directory, replaced atomically."""

    def __init__(self, home: Path | None = None) -> None:
        self.home = home or client_home()
        self.path = self.home / "credentials.json"

    def load(self) -> Credentials | None:
        try:
            data = json.loads(self.path.read_text())
        except FileNotFoundError:
            return None
        return Credentials(**data)

    def save(self, credentials: Credentials) -> None:
        self.home.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = self.path.with_suffix(".tmp")
        # Created 0600 from the start: never a moment where another user can read it.
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as file:
            json.dump(asdict(credentials), file, indent=2)
        os.chmod(temporary, 0o600)
        os.replace(temporary, self.path)

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
