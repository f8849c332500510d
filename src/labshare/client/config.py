"""Where the server is and where the client keeps its files."""

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from labshare.client.errors import ConfigurationError


@dataclass(frozen=True)
class Endpoints:
    """The two base URLs: the web app (OAuth pages and token endpoint) and the API.

    The real service splits them (`https://app.<host>` and `https://api.<host>/v1/`);
    a Labshare server serves both from one origin.
    """

    web_url: str
    api_url: str

    @classmethod
    def from_urls(cls, web_url: str, api_url: str | None = None) -> "Endpoints":
        web_url = checked_url(web_url, "--server (LABSHARE_WEB_URL)").rstrip("/")
        api_url = checked_url(api_url or f"{web_url}/v1", "--api-url (LABSHARE_API_URL)").rstrip("/") + "/"
        return cls(web_url=web_url, api_url=api_url)

    @property
    def token_url(self) -> str:
        return f"{self.web_url}/oauth/token"

    @property
    def authorize_url(self) -> str:
        return f"{self.web_url}/oauth/authorize"


def checked_url(url: str, option: str) -> str:
    """`url` when it is an http(s) URL with a host; else an error naming the option."""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ConfigurationError(
            f"{option} must be an http:// or https:// URL with a host, not {url!r}.",
            "For example http://127.0.0.1:8000.",
        )
    return url


def client_home() -> Path:
    """The directory for the saved connection: $LABSHARE_CLIENT_HOME or the user's config dir."""
    if os.environ.get("LABSHARE_CLIENT_HOME"):
        return Path(os.environ["LABSHARE_CLIENT_HOME"])
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming")) / "labshare"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "labshare"
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "labshare"
