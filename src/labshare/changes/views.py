"""GET /v1/changes (an extension): the record of changes, as the token sees it."""

from django.db import connection
from django.http import HttpResponse

from labshare.api.auth import ApiRequest, api_view, bearer_token, checksum, load_token
from labshare.api.errors import ApiError, BadParameter, InsufficientScope, json_response
from labshare.api.parameters import positive_integer
from labshare.changes import feed
from labshare.changes.recording import SCOPE_OF_TYPE, TYPES

READ_SCOPES = tuple(dict.fromkeys(SCOPE_OF_TYPE.values()))
DEFAULT_LIMIT = 100

AUTHORISATION_OF_TOKEN = """
SELECT a.id FROM oauth2_provider_accesstoken t
JOIN oauth_authorisation a ON a.user_id = t.user_id AND a.application_id = t.application_id
WHERE t.token_checksum = %s
"""


class CursorExpired(ApiError):
    status = 410
    error = "cursor_expired"

    def __init__(self, cursor: str) -> None:
        super().__init__(
            "The changes after this cursor are older than the retention and were pruned. Read the "
            "lists again, then follow the changes from the cursor given here.",
            "after",
        )
        self.cursor = cursor

    def body(self) -> dict:
        return {**super().body(), "cursor": self.cursor}


def requested_types(request: ApiRequest) -> list[str]:
    """The types asked for (all by default), each one the token's scopes may read."""
    raw = request.GET.get("types")
    readable = [t for t in TYPES if SCOPE_OF_TYPE[t] in request.token.scopes]
    if raw is None:
        return readable
    wanted = [part.strip() for part in raw.split(",")]
    for part in wanted:
        if part not in TYPES:
            raise BadParameter(
                f"types: {part!r} is not a type of change; the types are {', '.join(TYPES)}.", "types"
            )
    unreadable = [SCOPE_OF_TYPE[t] for t in wanted if t not in readable]
    if unreadable:
        raise InsufficientScope(tuple(dict.fromkeys(unreadable)))
    return wanted


def requested_limit(request: ApiRequest) -> int:
    limit = positive_integer(request.GET, "limit", DEFAULT_LIMIT)
    if limit > feed.MAX_LIMIT:
        raise BadParameter(f"limit must be an integer from 1 to {feed.MAX_LIMIT}, not {limit}.", "limit")
    return limit


def authorisation_of(request: ApiRequest) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(AUTHORISATION_OF_TOKEN, [checksum(bearer_token(request))])
        row = cursor.fetchone()
    return None if row is None else row[0]


def labs_now(request: ApiRequest) -> list[int]:
    """The token's labs as the database holds them now, not as cached: the feed reads them
    after its horizon, so that it sees every access change up to it."""
    loaded = load_token(checksum(bearer_token(request)))
    return [] if loaded is None else loaded["lab_ids"]


@api_view(scopes=READ_SCOPES)
def changes(request: ApiRequest) -> HttpResponse:
    types = requested_types(request)
    limit = requested_limit(request)
    after = request.GET.get("after")
    token = request.token
    reader = feed.Reader(user_id=token.user_id, authorisation_id=authorisation_of(request))
    try:
        page = feed.read(
            lambda: labs_now(request),
            types=types,
            after=after,
            limit=limit,
            reader=reader,
        )
    except feed.BadCursor:
        raise BadParameter(f"after must be a cursor given by /v1/changes, not {after!r}.", "after") from None
    except feed.CursorExpired as expired:
        raise CursorExpired(expired.cursor) from None
    return json_response({"changes": page.changes, "cursor": page.cursor, "has_more": page.has_more})
