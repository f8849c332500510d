"""Which callback URLs an application may register (RFC 8252 for native apps, RFC 9700 §2.1).

- `https://` anywhere;
- `http://` only on a loopback host (127.0.0.0/8, [::1], localhost), whose port may vary;
- a private-use scheme named after a domain the app owns, reversed (`org.example.app:/callback`).
"""

import ipaddress
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from oauth2_provider.validators import AllowedURIValidator

LOOPBACK_NAMES = {"localhost"}


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_private_use_scheme(scheme: str) -> bool:
    """RFC 8252 §7.1: a reverse domain name, so never `javascript`, `data` or `file`."""
    return "." in scheme


def schemes_of(uris: list[str]) -> list[str]:
    """The schemes a redirect may use for these URIs: the web's, and each private-use one."""
    private = {urlsplit(uri).scheme.lower() for uri in uris}
    return ["https", "http", *sorted(scheme for scheme in private if is_private_use_scheme(scheme))]


def redirect_uri_problem(uri: str) -> str | None:
    """Why `uri` cannot be a callback URL, or None when it can."""
    example = "use an absolute URL such as https://example.org/callback, without a fragment"
    try:
        parts = urlsplit(uri)
        AllowedURIValidator(schemes_of([uri]), name="callback URL", allow_path=True, allow_query=True)(uri)
    except (ValueError, ValidationError):
        return f"“{uri}” is not a valid callback URL: {example}."
    if parts.scheme.lower() == "http" and not is_loopback(parts.hostname or ""):
        return (
            f"“{uri}” uses http:// on a host that is not this computer: use https://, "
            "or http:// only for a loopback address (127.0.0.1, [::1] or localhost)."
        )
    return None


def validate_redirect_uris(uris: list[str]) -> None:
    problems = [problem for uri in uris if (problem := redirect_uri_problem(uri))]
    if problems:
        raise ValidationError(problems)
