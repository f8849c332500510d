"""The bearer check: which user, scopes and labs a request's access token stands for.

DOT stores only the SHA-256 of each token (`token_checksum`), so a lookup hashes the
presented token and reads the token row with its authorised labs in one statement. The
answer is cached for a few seconds under the checksum; signals (api/signals.py) clear
it when the token is deleted or its authorisation changes.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from labshare.api.errors import ApiError, InsufficientScope, InvalidToken, MethodNotAllowed
from labshare.api.timestamps import as_utc

TOKEN_CACHE_SECONDS = 5
TOKEN_KEY = "api:token:{checksum}"
REVOKED_KEY = "api:revoked:{checksum}"
# Real tokens are 30 characters; anything far longer is refused before hashing.
MAX_TOKEN_LENGTH = 512

TOKEN_WITH_LABS = """
SELECT t.user_id, t.scope, t.expires, lab.id, lab.department_id, lab.organisation_id
FROM oauth2_provider_accesstoken t
JOIN accounts_user u ON u.id = t.user_id AND u.is_active = %s
LEFT JOIN oauth_authorisation a ON a.user_id = t.user_id AND a.application_id = t.application_id
LEFT JOIN oauth_authorisation_labs al ON al.authorisation_id = a.id
LEFT JOIN accounts_account lab ON lab.id = al.account_id AND lab.account_type = 'lab'
WHERE t.token_checksum = %s
ORDER BY lab.id
"""


@dataclass(frozen=True)
class Token:
    """What an access token may read."""

    user_id: int
    scopes: frozenset[str]
    expires: float
    # lab id -> (department id, organisation id)
    labs: dict[int, tuple[int | None, int | None]]

    @property
    def lab_ids(self) -> list[int]:
        return sorted(self.labs)

    @property
    def account_ids(self) -> set[int]:
        """The labs, and the departments and organisations they sit in."""
        visible = set(self.labs)
        for department_id, organisation_id in self.labs.values():
            visible.update(i for i in (department_id, organisation_id) if i is not None)
        return visible

    def labs_under(self, account_id: int) -> list[int]:
        """The authorised labs that are, or sit in, the given account."""
        return sorted(lab for lab, parents in self.labs.items() if lab == account_id or account_id in parents)


class ApiRequest(HttpRequest):
    token: Token


def checksum(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


def bearer_token(request: HttpRequest) -> str:
    """The token of `Authorization: Bearer ...`; RFC 6750 §2.1 only, never the query string."""
    scheme, _, value = request.headers.get("Authorization", "").strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value or len(value) > MAX_TOKEN_LENGTH:
        raise InvalidToken("The access token is invalid")
    return value


def load_token(token_checksum: str) -> dict | None:
    with connection.cursor() as cursor:
        cursor.execute(TOKEN_WITH_LABS, [True, token_checksum])
        rows = cursor.fetchall()
    if not rows:
        return None
    user_id, scope, expires = rows[0][:3]
    return {
        "user_id": user_id,
        "scopes": scope.split(),
        "expires": as_utc(expires).timestamp(),
        "labs": [[lab, department, organisation] for *_, lab, department, organisation in rows if lab],
    }


def authenticate(request: HttpRequest) -> Token:
    token_checksum = checksum(bearer_token(request))
    key = TOKEN_KEY.format(checksum=token_checksum)
    now = timezone.now().timestamp()
    cached = cache.get(key)
    # Age checked here too, so that the lifetime holds on our clock whatever the cache's is.
    if cached is None or now - cached["loaded_at"] >= TOKEN_CACHE_SECONDS:
        cached = load_token(token_checksum)
        if cached is None:
            if cache.get(REVOKED_KEY.format(checksum=token_checksum)):
                raise InvalidToken("The access token was revoked")
            raise InvalidToken("The access token is invalid")
        cached["loaded_at"] = now
        cache.set(key, cached, TOKEN_CACHE_SECONDS)
    if now >= cached["expires"]:
        raise InvalidToken("The access token expired")
    return Token(
        user_id=cached["user_id"],
        scopes=frozenset(cached["scopes"]),
        expires=cached["expires"],
        labs={lab: (department, organisation) for lab, department, organisation in cached["labs"]},
    )


def api_view(scopes: tuple[str, ...]) -> Callable:
    """Check the method, the token and its scopes (any one of `scopes` will do), then run the
    view; an ApiError raised anywhere below becomes its JSON answer."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                if request.method not in ("GET", "HEAD"):
                    raise MethodNotAllowed(f"{request.method} is not allowed here; use GET.")
                token = authenticate(request)
                if not token.scopes.intersection(scopes):
                    raise InsufficientScope(scopes)
                request.token = token
                return view(request, *args, **kwargs)
            except ApiError as error:
                return error.response()

        return checked

    return decorator
