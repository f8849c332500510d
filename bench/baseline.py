"""The raw baseline: the bench's endpoints on a bare WSGI callable, psycopg 3 and orjson.

It runs the very SQL of labshare.api.queries and labshare.api.auth: its lists pass through the
items PostgreSQL renders (labshare.api.rendered), as the API's do, and it shapes the booking
detail with labshare.api.shapes, so its answers are byte for byte the API's (bench/run.py checks it);
what it leaves out is everything around them: Django's request, middleware and response,
the URL resolver and the Redis cache. Served by Granian with the server's own settings
(bench/run.py uses labshare.serve.granian_command):

    granian --interface wsgi --working-dir bench baseline:application

It knows only what the bench asks for, and only with a valid token:

    GET /v1/bookings  /v1/bookings/{id}  /v1/equipment/{id}/bookings  /v1/accounts
"""

import hashlib
import os
import re
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode

import orjson
import psycopg

from labshare.api import queries, rendered, shapes
from labshare.api.auth import TOKEN_CACHE_SECONDS, TOKEN_WITH_LABS
from labshare.api.pagination import MAX_PER_PAGE

Answer = tuple[str, list[tuple[str, str]], bytes]

# The API's totals (and page starts) live this long in its cache; the baseline keeps them
# in the process, and its bearer checks for as long as the API caches them.
COUNT_SECONDS = 60
# The headers Django's SecurityMiddleware and XFrameOptionsMiddleware add to every answer.
COMMON_HEADERS = [
    ("Content-Type", "application/json"),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
]
ROUTES = [
    (re.compile(r"^/v1/bookings$"), "bookings"),
    (re.compile(r"^/v1/bookings/([0-9]+)$"), "booking"),
    (re.compile(r"^/v1/equipment/([0-9]+)/bookings$"), "equipment_bookings"),
    (re.compile(r"^/v1/accounts$"), "accounts"),
]
SCOPES = {
    "bookings": "read_bookings",
    "booking": "read_bookings",
    "equipment_bookings": "read_equipment",
    "accounts": "read_accounts",
}

# Left in a page statement for the keyset continuation (the statement holds braces of its own).
AFTER_SLOT = "{after}"
# The lists' default order (the baseline knows no sort=updated_at), as the API writes it.
NEWEST_BOOKINGS_FIRST = {"listed_order": queries.order_by("listed"), "order": queries.order_by("b")}

_connection: psycopg.Connection | None = None
_counts: dict[tuple, tuple[float, int | None]] = {}
_tokens: dict[str, tuple[float, "Token | None"]] = {}
# The id of the row just before a page, as api/page_starts.py remembers it: (list key, per
# page, page number) -> (until, id).
_page_starts: dict[tuple, tuple[float, int]] = {}


def database() -> psycopg.Connection:
    """One connection per worker, opened after the fork, with psycopg's defaults: parameters
    bound on the server, and a statement prepared once it has run five times.
    BASELINE_BINDING=client binds them on the client instead, as Django does by default."""
    global _connection
    if _connection is None or _connection.closed:
        client_side = os.environ.get("BASELINE_BINDING") == "client"
        _connection = psycopg.connect(
            os.environ["DATABASE_URL"],
            autocommit=True,
            cursor_factory=psycopg.ClientCursor if client_side else psycopg.Cursor,
        )
        _connection.execute("SET TIME ZONE 'UTC'")
    return _connection


def fetch_all(sql: str, parameters: Iterable) -> list[dict]:
    with database().cursor() as cursor:
        cursor.execute(sql, list(parameters))
        columns = [column.name for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def fetch_count(sql: str, parameters: Iterable) -> int | None:
    with database().cursor() as cursor:
        cursor.execute(sql, list(parameters))
        row = cursor.fetchone()
    return None if row is None else row[0]


def cached_count(key: tuple, count: Callable[[], int | None]) -> int | None:
    now = time.monotonic()
    hit = _counts.get(key)
    if hit is None or hit[0] < now:
        hit = (now + COUNT_SECONDS, count())
        _counts[key] = hit
    return hit[1]


class Token:
    def __init__(self, rows: list[tuple]) -> None:
        self.scopes = set(rows[0][1].split())
        self.expires = rows[0][2]
        self.labs = {lab: (department, organisation) for *_, lab, department, organisation in rows if lab}
        self.lab_ids = sorted(self.labs)

    @property
    def account_ids(self) -> list[int]:
        visible = set(self.labs)
        for parents in self.labs.values():
            visible.update(i for i in parents if i is not None)
        return sorted(visible)


def load_token(checksum: str) -> Token | None:
    with database().cursor() as cursor:
        cursor.execute(TOKEN_WITH_LABS, [True, checksum])
        rows = cursor.fetchall()
    return Token(rows) if rows else None


def authorised(environ: dict, scope: str) -> Token | None:
    """The same statement as the API's bearer check, its answer kept in the process for as
    long as the API keeps it in its cache (TOKEN_CACHE_SECONDS)."""
    scheme, _, raw = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return None
    checksum = hashlib.sha256(raw.strip().encode()).hexdigest()
    now = time.monotonic()
    hit = _tokens.get(checksum)
    if hit is None or hit[0] <= now:
        hit = (now + TOKEN_CACHE_SECONDS, load_token(checksum))
        _tokens[checksum] = hit
    token = hit[1]
    if token is None or token.expires <= datetime.now(UTC) or scope not in token.scopes:
        return None
    return token


def json_answer(body: object, status: str = "200 OK", headers: Iterable = ()) -> Answer:
    return status, [*COMMON_HEADERS, *headers], orjson.dumps(body)


def page_answer(environ: dict, query: dict, items: list, number: int, per_page: int, total: int) -> Answer:
    """The X-* headers and the RFC 8288 Link header, as labshare.api.pagination writes them."""
    last = max(1, -(-total // per_page))
    kept = {key: value for key, value in query.items() if key not in ("page", "per_page")}
    base = f"http://{environ['HTTP_HOST']}{environ['PATH_INFO']}"

    def link(page: int, rel: str) -> str:
        return f'<{base}?{urlencode({**kept, "page": page, "per_page": per_page})}>; rel="{rel}"'

    links = [link(1, "first")]
    if number > 1:
        links.append(link(min(number - 1, last), "prev"))
    if number < last:
        links.append(link(number + 1, "next"))
    links.append(link(last, "last"))
    headers = [
        ("X-Total-Records", str(total)),
        ("X-Current-Page", str(number)),
        ("X-Per-Page", str(per_page)),
        ("Link", ", ".join(links)),
    ]
    return json_answer(items, headers=headers)


def page_of(query: dict) -> tuple[int, int] | None:
    try:
        number = int(query.get("page", 1))
        per_page = int(query.get("per_page", MAX_PER_PAGE))
    except ValueError:
        return None
    if number < 1 or per_page < 1:
        return None
    return number, min(per_page, MAX_PER_PAGE)


def remembered(key: tuple) -> int | None:
    hit = _page_starts.get(key)
    return hit[1] if hit is not None and hit[0] > time.monotonic() else None


def remember(key: tuple, row_id: int) -> None:
    _page_starts[key] = (time.monotonic() + COUNT_SECONDS, row_id)


def keyset_rows(
    key: tuple, number: int, per_page: int, fetch: Callable[[int, int, int | None], list]
) -> list:
    """The rows of a page as api/page_starts.py reads them: after the remembered row that ends
    the page before, else by OFFSET (one row more, to remember where the page starts)."""
    this_key, next_key = (*key, per_page, number), (*key, per_page, number + 1)
    after_id = remembered(this_key)
    if after_id is not None:
        rows = fetch(per_page, 0, after_id)
    elif number == 1:
        rows = fetch(per_page, 0, None)
    else:
        rows = fetch(per_page + 1, (number - 1) * per_page - 1, None)
        if rows:
            remember(this_key, rows[0]["id"])
            rows = rows[1:]
    if len(rows) == per_page:
        remember(next_key, rows[-1]["id"])
    return rows


def listing(
    environ: dict,
    query: dict,
    key: tuple,
    count_sql: str,
    count_parameters: list,
    page_sql: str,
    page_parameters: list,
    shape: Callable[[dict], dict],
    keyset: bool = False,
) -> Answer:
    """A list answer. `keyset`: `page_sql` has an AFTER_SLOT (for queries.AFTER_BOOKING) and
    deep pages continue after a remembered row, as the API's bookings list does; otherwise
    every page is read by OFFSET, as the API's other lists are."""
    requested = page_of(query)
    if requested is None:
        return json_answer({"error": "invalid_parameter"}, "400 Bad Request")
    number, per_page = requested
    total = cached_count(key, lambda: fetch_count(count_sql, count_parameters))
    if total is None:
        return json_answer({"error": "not_found"}, "404 Not Found")

    def fetch(limit: int, offset: int, after_id: int | None) -> list:
        after, after_parameters = (queries.AFTER_BOOKING, [after_id]) if after_id is not None else ("", [])
        sql = page_sql.replace(AFTER_SLOT, after) if keyset else page_sql
        return fetch_all(sql, [*page_parameters, *after_parameters, limit, offset])

    offset = (number - 1) * per_page
    if offset >= total:
        rows = []
    elif keyset:
        rows = keyset_rows(key, number, per_page, fetch)
    else:
        rows = fetch(per_page, offset, None)
    return page_answer(environ, query, [shape(row) for row in rows], number, per_page, total)


def rendered_item(row: dict) -> orjson.Fragment:
    """A list item PostgreSQL rendered, passed through as the API passes it."""
    return orjson.Fragment(row["item"])


def bookings(environ: dict, query: dict, token: Token) -> Answer:
    labs = token.lab_ids
    test, parameters = f"= ANY({queries.id_array(labs)})", []
    # The same page statement, its `{after}` slot left for the keyset continuation.
    return listing(
        environ,
        query,
        ("bookings", *labs),
        queries.BOOKINGS_COUNT.format(where=f"b.provider_lab_id {test}"),
        parameters,
        queries.BOOKINGS_PAGE.format(
            where=f"listed.provider_lab_id {test}",
            after=AFTER_SLOT,
            columns=queries.rendered_columns(queries.render_booking_item, "b"),
            **NEWEST_BOOKINGS_FIRST,
        ),
        parameters,
        rendered_item,
        keyset=True,
    )


def booking(environ: dict, query: dict, token: Token, booking_id: str) -> Answer:
    rows = fetch_all(queries.booking_statement("postgresql"), [int(booking_id)])
    if not rows or rows[0]["provider_lab_id"] not in token.lab_ids:
        return json_answer({"error": "not_found"}, "404 Not Found")
    return json_answer(shapes.booking_detail(rows[0]))


def equipment_bookings(environ: dict, query: dict, token: Token, equipment_id: str) -> Answer:
    labs = token.lab_ids
    test, parameters = f"= ANY({queries.id_array(labs)})", []
    page_where = f"listed.equipment_id = %s AND listed.provider_lab_id {test}"
    return listing(
        environ,
        query,
        ("equipment_bookings", int(equipment_id), *labs),
        queries.EQUIPMENT_BOOKINGS_COUNT.format(where=f"b.provider_lab_id {test}", labs=test),
        [*parameters, int(equipment_id), *parameters],
        queries.EQUIPMENT_BOOKINGS_PAGE.format(
            where=page_where,
            after="",
            columns=queries.rendered_columns(rendered.equipment_booking_item, "b"),
            **NEWEST_BOOKINGS_FIRST,
        ),
        [int(equipment_id), *parameters],
        rendered_item,
    )


def accounts(environ: dict, query: dict, token: Token) -> Answer:
    account_ids = sorted(token.account_ids)
    test, parameters = f"= ANY({queries.id_array(account_ids)})", []
    where = f"a.id {test}"
    return listing(
        environ,
        query,
        ("accounts", *account_ids),
        queries.ACCOUNTS_COUNT.format(where=where),
        parameters,
        queries.ACCOUNTS_PAGE.format(
            where=where,
            order=queries.order_by("a"),
            columns=queries.rendered_columns(rendered.account_item, "a"),
        ),
        parameters,
        rendered_item,
    )


HANDLERS = {
    "bookings": bookings,
    "booking": booking,
    "equipment_bookings": equipment_bookings,
    "accounts": accounts,
}


def answer(environ: dict) -> Answer:
    path = environ.get("PATH_INFO", "")
    found = next(((name, match) for pattern, name in ROUTES if (match := pattern.match(path))), None)
    if found is None:
        return json_answer({"error": "not_found"}, "404 Not Found")
    name, match = found
    token = authorised(environ, SCOPES[name])
    if token is None:
        return json_answer({"error": "invalid_token"}, "401 Unauthorized")
    query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
    return HANDLERS[name](environ, query, token, *match.groups())


def application(environ: dict, start_response: Callable) -> list[bytes]:
    status, headers, body = answer(environ)
    start_response(status, [*headers, ("Content-Length", str(len(body)))])
    return [body]
