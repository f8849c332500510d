"""Walking a paginated list: `X-Total-Records` gives the page count, then pages are fetched
concurrently (bounded) and handed over in order."""

import math
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import orjson

from labshare.client.session import Session

PER_PAGE = 100  # the API's maximum


@dataclass
class Page:
    number: int
    records: list[dict[str, Any]]
    total: int | None
    date: str | None = None  # the server's Date header


class PageWalk:
    """Every page of one list, in order.

    After iterating, `consistent` says whether the list kept still while it was read (same
    total at the first and the last page, and as many distinct ids as that total): only then
    may a caller conclude that an id it did not see was deleted.
    """

    def __init__(
        self, session: Session, path: str, params: dict[str, Any] | None = None, concurrency: int = 8
    ) -> None:
        self.session = session
        self.path = path
        self.params = {key: value for key, value in (params or {}).items() if value is not None}
        self.concurrency = max(1, concurrency)
        self.server_date: str | None = None
        self.total_at_start: int | None = None
        self.total_at_end: int | None = None
        self.distinct_records = 0
        self.duplicates_dropped = 0
        self._window: deque[set[Any]] = deque(maxlen=2 * self.concurrency + 2)

    @property
    def consistent(self) -> bool:
        return (
            self.total_at_start is not None
            and self.total_at_start == self.total_at_end
            and self.distinct_records == self.total_at_start
        )

    def fetch(self, number: int) -> Page:
        response = self.session.get(self.path, {**self.params, "page": number, "per_page": PER_PAGE})
        header = response.headers.get("X-Total-Records")
        total = int(header) if header is not None else None
        return Page(number, orjson.loads(response.content), total, response.headers.get("Date"))

    def begin(self, first: Page) -> int:
        """Take in page 1; return the number of the last page (0 when the server gives no total)."""
        self.server_date = first.date
        self.total_at_start = self.total_at_end = first.total
        return 0 if first.total is None else max(1, math.ceil(first.total / PER_PAGE))

    def took(self, page: Page) -> None:
        if page.total is not None:
            self.total_at_end = page.total

    def tail(self, last: int) -> Iterator[Page]:
        """Pages past the planned ones: a server without X-Total-Records is read until a short
        page; a list that grew while it was read is read on until it ends."""
        if last and (self.total_at_end is None or self.total_at_end <= last * PER_PAGE):
            return
        page = Page(max(last, 1), [{}] * PER_PAGE, self.total_at_end)
        while len(page.records) == PER_PAGE:
            page = self.fetch(page.number + 1)
            self.took(page)
            yield page

    def unique(self, page: Page) -> list[dict[str, Any]]:
        """The page's records not handed over already: ids seen on the last few pages are
        remembered, since a record pushed down by a new one shows up again on the next page."""
        fresh: list[dict[str, Any]] = []
        ids: set[Any] = set()
        for record in page.records:
            record_id = record.get("id")
            if record_id is not None and (record_id in ids or any(record_id in s for s in self._window)):
                self.duplicates_dropped += 1
                continue
            ids.add(record_id)
            fresh.append(record)
        self.distinct_records += len(fresh)
        self._window.append(ids)
        return fresh

    def settle(self) -> None:
        """Its planned pages are all handed over: any further page is read one at a time
        (`tail`), and the last two pages' ids are enough to drop repeats. A pull reads one
        list per lab: so the ids it remembers do not grow with the number of labs."""
        self._window = deque(list(self._window)[-2:], maxlen=2)

    def pages(self) -> Iterator[Page]:
        for _, page in read_together([self], self.concurrency):
            yield page

    def records(self) -> Iterator[dict[str, Any]]:
        """Every record once, in the list's order."""
        for _, page in read_together([self], self.concurrency):
            yield from self.unique(page)


def read_together(walks: list[PageWalk], concurrency: int) -> Iterator[tuple[PageWalk, Page]]:
    """The pages of several lists, `concurrency` requests at a time across all of them; each
    list's pages come in order. Several small lists (one per lab, say) then keep as many
    requests in flight as one big list, and the server reads each from its own index."""
    pool = ThreadPoolExecutor(max(1, concurrency), thread_name_prefix="labshare-page")
    in_flight: deque[tuple[PageWalk, Future[Page]]] = deque()
    try:
        lasts: dict[int, int] = {}
        plan: list[tuple[PageWalk, int]] = []
        for walk, first in zip(walks, pool.map(lambda walk: walk.fetch(1), walks), strict=True):
            lasts[id(walk)] = walk.begin(first)
            plan += [(walk, number) for number in range(2, lasts[id(walk)] + 1)]
            yield walk, first
            if lasts[id(walk)] <= 1:
                walk.settle()
        pending = iter(plan)
        while True:
            # A bounded number of pages in flight: memory stays flat in the size of the lists.
            while len(in_flight) < 2 * concurrency and (task := next(pending, None)):
                in_flight.append((task[0], pool.submit(task[0].fetch, task[1])))
            if not in_flight:
                break
            walk, future = in_flight.popleft()
            page = future.result()
            walk.took(page)
            yield walk, page
            if page.number == lasts[id(walk)]:
                walk.settle()
        for walk in walks:
            for page in walk.tail(lasts[id(walk)]):
                yield walk, page
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
