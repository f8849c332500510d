"""Pages: `page` and `per_page`, the X-* headers and an RFC 8288 Link header."""

import math
from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse

from labshare.api.errors import json_response
from labshare.api.parameters import positive_integer

MAX_PER_PAGE = 100


@dataclass(frozen=True)
class Page:
    number: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.per_page

    def is_past(self, total: int) -> bool:
        return self.offset >= total


def requested_page(request: HttpRequest) -> Page:
    number = positive_integer(request.GET, "page", default=1)
    per_page = positive_integer(request.GET, "per_page", default=MAX_PER_PAGE)
    # The reference caps per_page rather than refusing it; X-Per-Page says what was served.
    return Page(number=number, per_page=min(per_page, MAX_PER_PAGE))


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


def page_response(request: HttpRequest, items: list, page: Page, total: int) -> HttpResponse:
    response = json_response(items)
    response["X-Total-Records"] = str(total)
    response["X-Current-Page"] = str(page.number)
    response["X-Per-Page"] = str(page.per_page)
    response["Link"] = link_header(request, page, total)
    return response
