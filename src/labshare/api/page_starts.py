"""Where each page of a newest-first list starts, remembered so deep pages need no OFFSET.

A page served with OFFSET records the id of the row just before it and of its own last
row; the next request for that page, or for the one after, continues from that row with
a keyset condition instead of skipping rows. Starts are stored under the data version
(api/counts.py), so any write makes them unreadable, exactly as it does the totals.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache

from labshare.api.counts import COUNT_CACHE_SECONDS
from labshare.api.pagination import Page

# fetch(limit, offset, after_id) -> rows (dicts with "id"), in the list's order.
Fetch = Callable[[int, int, int | None], list[dict]]


@dataclass(frozen=True)
class Starts:
    """Where a page and the one after it start: their cache keys, and what the cache held
    under them (read by the caller with the list's total, in one round trip)."""

    this_key: str
    next_key: str
    remembered: dict


def _key(name: str, parameters: list, per_page: int, number: int, version: str) -> str:
    digest = hashlib.sha256(repr((name, parameters, per_page, number)).encode()).hexdigest()
    return f"api:page-start:{version}:{digest}"


def start_keys(name: str, parameters: list, page: Page, version: str) -> tuple[str, str]:
    """The keys of `page`'s start and the next page's, under the data version (api/counts.py)
    the list's total is read under."""
    return _key(name, parameters, page.per_page, page.number, version), _key(
        name, parameters, page.per_page, page.number + 1, version
    )


def page_rows(starts: Starts, page: Page, fetch: Fetch) -> list[dict]:
    """The rows of `page`: after a remembered row when there is one, else by OFFSET."""
    after_id = starts.remembered.get(starts.this_key)
    if after_id is not None:
        rows = fetch(page.per_page, 0, after_id)
    elif page.number == 1:
        rows = fetch(page.per_page, 0, None)
    else:
        # One row more, from just before the page: it is where this page starts.
        rows = fetch(page.per_page + 1, page.offset - 1, None)
        if rows:
            before, rows = rows[0], rows[1:]
            cache.set(starts.this_key, before["id"], COUNT_CACHE_SECONDS)
    if len(rows) == page.per_page and starts.remembered.get(starts.next_key) != rows[-1]["id"]:
        cache.set(starts.next_key, rows[-1]["id"], COUNT_CACHE_SECONDS)
    return rows
