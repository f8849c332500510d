"""Where each page of a newest-first list starts, remembered so deep pages need no OFFSET.

A page served with OFFSET records the id of the row just before it and of its own last
row; the next request for that page, or for the one after, continues from that row with
a keyset condition instead of skipping rows. Starts are stored under the data version
(api/counts.py), so any write makes them unreadable, exactly as it does the totals.
"""

import hashlib
from collections.abc import Callable

from django.core.cache import cache

from labshare.api.counts import COUNT_CACHE_SECONDS
from labshare.api.pagination import Page

# fetch(limit, offset, after_id) -> rows (dicts with "id"), in the list's order.
Fetch = Callable[[int, int, int | None], list[dict]]


def _key(name: str, parameters: list, per_page: int, number: int, version: str) -> str:
    digest = hashlib.sha256(repr((name, parameters, per_page, number)).encode()).hexdigest()
    return f"api:page-start:{version}:{digest}"


def page_rows(name: str, parameters: list, page: Page, version: str, fetch: Fetch) -> list[dict]:
    """The rows of `page`: after a remembered row when there is one, else by OFFSET.
    `version` is the data version (api/counts.py) the list's total was read under."""
    this_key, next_key = (
        _key(name, parameters, page.per_page, number, version) for number in (page.number, page.number + 1)
    )
    remembered = cache.get_many([this_key, next_key])
    after_id = remembered.get(this_key)
    if after_id is not None:
        rows = fetch(page.per_page, 0, after_id)
    elif page.number == 1:
        rows = fetch(page.per_page, 0, None)
    else:
        # One row more, from just before the page: it is where this page starts.
        rows = fetch(page.per_page + 1, page.offset - 1, None)
        if rows:
            before, rows = rows[0], rows[1:]
            cache.set(this_key, before["id"], COUNT_CACHE_SECONDS)
    if len(rows) == page.per_page and remembered.get(next_key) != rows[-1]["id"]:
        cache.set(next_key, rows[-1]["id"], COUNT_CACHE_SECONDS)
    return rows
