"""Pages: `page` and `per_page`, the X-* headers and an RFC 8288 Link header; and the
`sort=updated_at` walk (an extension), continued with an opaque `after` cursor."""

import base64
import binascii
import math
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse

from labshare.api.errors import BadParameter, json_response
from labshare.api.parameters import DIGITS, MAX_ID, optional_choice, positive_integer
from labshare.api.timestamps import as_utc

MAX_PER_PAGE = 100
SORTS = ("updated_at",)


@dataclass(frozen=True)
class Cursor:
    """Where a `sort=updated_at` walk stopped: the last row's updated_at (to the microsecond)
    and id, and the number of the page that follows (for X-Current-Page)."""

    updated_at: datetime
    id: int
    page_number: int

    def encode(self) -> str:
        raw = f"{self.updated_at.isoformat(timespec='microseconds')}|{self.id}|{self.page_number}"
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, value: str) -> "Cursor":
        try:
            raw = base64.b64decode(value + "=" * (-len(value) % 4), altchars=b"-_", validate=True)
            updated_at, record_id, page_number = raw.decode().split("|")
            when = datetime.fromisoformat(updated_at)
            if when.tzinfo is None or not DIGITS.fullmatch(record_id) or not DIGITS.fullmatch(page_number):
                raise ValueError(value)
            cursor = cls(as_utc(when), int(record_id), int(page_number))
            if cursor.id > MAX_ID or cursor.page_number < 2:
                raise ValueError(value)
        except (ValueError, binascii.Error, UnicodeDecodeError, OverflowError):
            raise BadParameter(
                f"after must be a cursor from a Link header's next, not {value!r}.", "after"
            ) from None
        return cursor

    @classmethod
    def after_row(cls, row: dict, page_number: int) -> "Cursor":
        return cls(as_utc(row["updated_at"]), row["id"], page_number)


@dataclass(frozen=True)
class Page:
    number: int
    per_page: int
    # sort=updated_at: oldest change first, ties by id; `after` continues a walk by keyset.
    by_updated_at: bool = False
    after: Cursor | None = None

    @property
    def offset(self) -> int:
        return 0 if self.after is not None else (self.number - 1) * self.per_page

    def is_past(self, total: int) -> bool:
        return self.offset >= total


def requested_page(request: HttpRequest) -> Page:
    per_page = positive_integer(request.GET, "per_page", default=MAX_PER_PAGE)
    # The reference caps per_page rather than refusing it; X-Per-Page says what was served.
    per_page = min(per_page, MAX_PER_PAGE)
    by_updated_at = optional_choice(request.GET, "sort", SORTS, default="") == "updated_at"
    raw_after = request.GET.get("after")
    if raw_after is None:
        return Page(positive_integer(request.GET, "page", default=1), per_page, by_updated_at)
    if not by_updated_at:
        raise BadParameter("after continues a sort=updated_at walk: send sort=updated_at too.", "after")
    # page=1 is the contract's default, which generated clients send with every request.
    if request.GET.get("page", "1") != "1":
        raise BadParameter("page cannot be combined with after: follow the next link instead.", "page")
    after = Cursor.decode(raw_after)
    return Page(after.page_number, per_page, by_updated_at, after)


def link_header(request: HttpRequest, page: Page, total: int) -> str:
    last = max(1, math.ceil(total / page.per_page))
    query = {key: value for key, value in request.GET.items() if key not in ("page", "per_page")}
    base = request.build_absolute_uri(request.path)

    def link(number: int, rel: str) -> str:
        return f'<{base}?{urlencode({**query, "page": number, "per_page": page.per_page})}>; rel="{rel}"'

    links = [link(1, "first")]
    if page.number > 1:
        links.append(link(min(page.number - 1, last), "prev"))
    if page.number < last:
        links.append(link(page.number + 1, "next"))
    links.append(link(last, "last"))
    return ", ".join(links)


def walk_link_header(request: HttpRequest, page: Page, next_cursor: Cursor | None) -> str:
    """A sort=updated_at walk links to its start and, after a full page, to what follows."""
    query = {key: value for key, value in request.GET.items() if key not in ("page", "per_page", "after")}
    base = request.build_absolute_uri(request.path)

    def link(extra: dict, rel: str) -> str:
        return f'<{base}?{urlencode({**query, "per_page": page.per_page, **extra})}>; rel="{rel}"'

    links = [link({}, "first")]
    if next_cursor is not None:
        links.append(link({"after": next_cursor.encode()}, "next"))
    return ", ".join(links)


def page_response(
    request: HttpRequest, items: list, page: Page, total: int, last_row: dict | None = None
) -> HttpResponse:
    """The answer for a page; `last_row` (the page's last database row) places the next
    cursor of a sort=updated_at walk."""
    response = json_response(items)
    response["X-Total-Records"] = str(total)
    response["X-Current-Page"] = str(page.number)
    response["X-Per-Page"] = str(page.per_page)
    if page.by_updated_at:
        full = last_row is not None and len(items) == page.per_page
        next_cursor = Cursor.after_row(last_row, page.number + 1) if full else None
        response["Link"] = walk_link_header(request, page, next_cursor)
    else:
        response["Link"] = link_header(request, page, total)
    return response
