"""The bearer check: which user, scopes and labs a request's access token stands for.

DOT stores only the SHA-256 of each token (`token_checksum`), so a lookup hashes the
presented token and reads the token row with its authorised labs in one statement: only
the labs the user is still a member of, and nothing for an inactive user. The answer is
cached for a few seconds under the checksum (so a lost membership, a deactivated user or a
deleted lab takes effect within TOKEN_CACHE_SECONDS in every process); signals
(api/signals.py) clear it at once when the token is deleted or its authorisation or the
user's memberships change.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, wraps
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from labshare.api.counts import VERSION_KEY
from labshare.api.errors import ApiError, InsufficientScope, InvalidToken, MethodNotAllowed
from labshare.api.timestamps import as_utc

TOKEN_CACHE_SECONDS = 5
TOKEN_KEY = "api:token:v2:{checksum}"
REVOKED_KEY = "api:revoked:{checksum}"
# Real tokens are 30 characters; anything far longer is refused before hashing.
MAX_TOKEN_LENGTH = 512

TOKEN_WITH_LABS = """
SELECT t.user_id, t.scope, t.expires, lab.id, lab.department_id, lab.organisation_id
FROM oauth2_provider_accesstoken t
JOIN accounts_user u ON u.id = t.user_id AND u.is_active = %s
LEFT JOIN oauth_authorisation a ON a.user_id = t.user_id AND a.application_id = t.application_id
LEFT JOIN oauth_authorisation_labs al ON al.authorisation_id = a.id
LEFT JOIN accounts_membership m ON m.user_id = t.user_id AND m.lab_id = al.account_id
LEFT JOIN accounts_account lab ON lab.id = m.lab_id AND lab.account_type = 'lab'
WHERE t.token_checksum = %s
ORDER BY lab.id
"""


@dataclass(frozen=True)
class Token:
    """What an access token may read. The labs are kept as flat lists of ids, as cached:
    a token can carry hundreds of labs, and a request should not rebuild them as objects."""

    user_id: int
    scopes: frozenset[str]
    expires: float
    lab_ids: list[int]  # ascending
    # The department and organisation of each lab of `lab_ids`, in the same order.
    departments: list[int | None]
    organisations: list[int | None]

    @cached_property
    def labs(self) -> frozenset[int]:
        return frozenset(self.lab_ids)

    @cached_property
    def account_ids(self) -> list[int]:
        """The labs, and the departments and organisations they sit in, ascending."""
        return sorted({i for i in (*self.lab_ids, *self.departments, *self.organisations) if i is not None})

    def labs_under(self, account_id: int) -> list[int]:
        """The authorised labs that are, or sit in, the given account."""
        return [
            lab
            for lab, department, organisation in zip(
                self.lab_ids, self.departments, self.organisations, strict=True
            )
            if account_id in (lab, department, organisation)
        ]


class ApiRequest(HttpRequest):
    token: Token
    # The data version (api/counts.py) as read with the token, None when the cache held none.
    stored_data_version: str | None


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
    labs = [row[3:] for row in rows if row[3] is not None]
    return {
        "user_id": user_id,
        "scopes": scope,
        "expires": as_utc(expires).timestamp(),
        "lab_ids": [lab for lab, _, _ in labs],
        "departments": [department for _, department, _ in labs],
        "organisations": [organisation for _, _, organisation in labs],
    }


def authenticate(request: HttpRequest) -> Token:
    """The request's token; the data version a list reads its totals under is read with it
    (`request.stored_data_version`), so that the two cost one cache round trip."""
    token_checksum = checksum(bearer_token(request))
    key = TOKEN_KEY.format(checksum=token_checksum)
    now = timezone.now().timestamp()
    found = cache.get_many([key, VERSION_KEY])
    request.stored_data_version = found.get(VERSION_KEY)
    cached = found.get(key)
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
        scopes=frozenset(cached["scopes"].split()),
        expires=cached["expires"],
        lab_ids=cached["lab_ids"],
        departments=cached["departments"],
        organisations=cached["organisations"],
    )


def api_view(scopes: tuple[str, ...] | None, methods: tuple[str, ...] = ("GET", "HEAD")) -> Callable:
    """Check the method, the token and its scopes (any one of `scopes` will do; None for a public
    endpoint), then run the view; an ApiError raised anywhere below becomes its JSON answer."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                if request.method == "OPTIONS":
                    return HttpResponse(status=204, headers={"Allow": allowed(methods)})
                if request.method not in methods:
                    raise MethodNotAllowed(
                        f"{request.method} is not allowed here; use {methods[0]}.", allowed(methods)
                    )
                if scopes is not None:
                    token = authenticate(request)
                    if not token.scopes.intersection(scopes):
                        raise InsufficientScope(scopes)
                    request.token = token
                return view(request, *args, **kwargs)
            except ApiError as error:
                return error.response(request)

        # Bearer tokens only: no cookie, so nothing for a cross-site request to ride on.
        checked.csrf_exempt = True
        checked.methods = methods
        return checked

    return decorator


def api_write_view(scopes: tuple[str, ...]) -> Callable:
    """`api_view` for a POST."""
    return api_view(scopes, methods=("POST",))


def allowed(methods: tuple[str, ...]) -> str:
    return ", ".join((*methods, "OPTIONS"))


def by_method(*views: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """One path served by several `api_view`s, each for its own methods."""
    methods = tuple(method for view in views for method in view.methods)
    by_name = {method: view for view in views for method in view.methods}

    @csrf_exempt
    def route(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "OPTIONS":
            return HttpResponse(status=204, headers={"Allow": allowed(methods)})
        view = by_name.get(request.method)
        if view is None:
            error = MethodNotAllowed(f"{request.method} is not allowed here; use GET.", allowed(methods))
            return error.response(request)
        return view(request, *args, **kwargs)

    route.__name__ = views[0].__name__
    return route
