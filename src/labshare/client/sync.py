"""Pull: bring the local tables up to date with the server.

Against a Labshare server, a list that honours `updated_since` is read incrementally from
the last pull's watermark (the server's clock, less a safety overlap); a count check then
says whether anything was deleted, and only then is the list read in full. Against a server
without the extension (the real service), every pull reads the lists in full, upserts by id,
fetches details only for records whose list entry changed, and deletes local records the
server no longer lists, but only when the list kept still while it was read.

Booking details come with the list pages when the server offers `view=detail` (a Labshare
extension: each item in the shape of /v1/bookings/{id}); otherwise, as from the real service,
one detail request per new or changed booking.
"""

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from itertools import islice
from typing import Any, Protocol

from labshare.client.api import Client, iso
from labshare.client.errors import ApiError
from labshare.client.pagination import PageWalk, read_together
from labshare.client.store import Store, record_hash
from labshare.client.tables import RESOURCES

BATCH = 2000
WATERMARK_OVERLAP = timedelta(minutes=2)  # covers clock skew between server processes


class Progress(Protocol):
    def add_total(self, resource: str, count: int) -> None: ...
    def advance(self, resource: str, count: int) -> None: ...


class NoProgress:
    def add_total(self, resource: str, count: int) -> None:
        pass

    def advance(self, resource: str, count: int) -> None:
        pass


@dataclass
class SyncSummary:
    resource: str
    mode: str = "full"  # or "incremental"
    read: int = 0
    written: int = 0
    deleted: int = 0
    deletions_checked: bool = False
    detail_requests: int = 0  # one per record whose details were read on their own
    details_in_pages: bool = False  # read with the list pages (`view=detail`) instead
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Source:
    """How one table is read: its list (per lab or not) and the detail merged into each row."""

    table: str
    per_lab: bool
    walk: Callable[[Client, int | None, str | None], PageWalk]
    detail: Callable[[Client, dict[str, Any], int | None], dict[str, Any]] | None
    probe_path: str
    # Read per provider lab when the per-lab totals add up to the whole list: the server
    # reads each lab's bookings from its own index, far cheaper than pages of one big list.
    partitioned: bool = False
    # The row for an item of a `view=detail` page, when the list offers that view.
    from_detail_item: Callable[[dict[str, Any]], dict[str, Any]] | None = None


def _merge_account(summary: dict[str, Any], detail: dict[str, Any]) -> dict[str, Any]:
    # The list gives parent ids, the details give {id, name} objects under the same names.
    return {
        **detail,
        "organisation_id": summary.get("organisation"),
        "department_id": summary.get("department"),
    }


def _booking_from_detail_item(detail: dict[str, Any]) -> dict[str, Any]:
    # The list item's own fields, from the details: the row is then the one a list record
    # merged with its details makes.
    return {
        **detail,
        "equipment_id": detail["equipment"]["id"],
        "user_id": detail["requester"]["id"],
        "_details_at": datetime.now(UTC).isoformat(),
    }


SOURCES: dict[str, Source] = {
    "accounts": Source(
        "accounts",
        False,
        lambda client, lab, since: client.walk("accounts", updated_since=since),
        lambda client, record, lab: _merge_account(record, dict(client.account(record["id"]))),
        "accounts",
    ),
    "equipment": Source(
        "equipment",
        True,
        lambda client, lab, since: client.walk("equipment", account=lab, updated_since=since),
        lambda client, record, lab: {**record, **client.equipment(record["id"])},
        "equipment",
    ),
    "groups": Source(
        "groups",
        True,
        lambda client, lab, since: client.walk("groups", account=lab, updated_since=since),
        lambda client, record, lab: {**record, **client.group(record["id"])},
        "groups",
    ),
    "projects": Source(
        "projects",
        True,
        lambda client, lab, since: client.walk(f"accounts/{lab}/projects", updated_since=since),
        lambda client, record, lab: {**record, **client.project(lab or 0, record["id"])},
        "accounts/{lab}/projects",
    ),
    "bookings": Source(
        "bookings",
        False,
        lambda client, lab, since: client.walk("bookings", provider_account=lab, updated_since=since),
        lambda client, record, lab: {
            **record,
            **client.booking(record["id"]),
            "_details_at": datetime.now(UTC).isoformat(),
        },
        "bookings",
        partitioned=True,
        from_detail_item=_booking_from_detail_item,
    ),
}


def batched(iterable: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    while chunk := list(islice(iterable, size)):
        yield chunk


def watermark_from(server_date: str | None) -> str:
    moment = parsedate_to_datetime(server_date) if server_date else datetime.now(UTC)
    return (moment - WATERMARK_OVERLAP).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Puller:
    def __init__(
        self,
        client: Client,
        store: Store,
        progress: Progress | None = None,
        details: bool = True,
        full: bool = False,
        detail_pages: bool = True,
    ) -> None:
        """`detail_pages=False` reads details one record at a time even from a server that
        offers them in pages, as from the real service."""
        self.client = client
        self.store = store
        self.progress = progress or NoProgress()
        self.details = details
        self.full = full
        self.detail_pages = detail_pages
        self.pool = ThreadPoolExecutor(client.concurrency, thread_name_prefix="labshare-detail")
        self._lab_ids: list[int] | None = None

    def pull(self, resources: Sequence[str] = RESOURCES) -> list[SyncSummary]:
        unknown = set(resources) - set(RESOURCES)
        if unknown:
            raise ValueError(
                f"Unknown resource(s): {', '.join(sorted(unknown))}; choose from {', '.join(RESOURCES)}."
            )
        summaries = []
        try:
            for resource in RESOURCES:  # this order: labs before per-lab lists, bookings before forms
                if resource not in resources:
                    continue
                if resource == "user":
                    summaries.append(self.pull_user())
                elif resource == "custom_form_responses":
                    summaries.append(self.pull_custom_form_responses())
                else:
                    summaries.append(self.pull_source(SOURCES[resource]))
        finally:
            self.pool.shutdown(cancel_futures=True)
        return summaries

    def lab_ids(self) -> list[int]:
        if self._lab_ids is None:
            self._lab_ids = sorted(a["id"] for a in self.client.accounts() if a.get("account_type") == "lab")
        return self._lab_ids

    def pull_user(self) -> SyncSummary:
        user = dict(self.client.user())
        self.store.upsert("user", [{**user, "_synced_at": datetime.now(UTC).isoformat()}])
        self.progress.add_total("user", 1)
        self.progress.advance("user", 1)
        return SyncSummary("user", read=1, written=1)

    def pull_source(self, source: Source) -> SyncSummary:
        summary = SyncSummary(source.table)
        summary.details_in_pages = (
            self.details
            and self.detail_pages
            and source.from_detail_item is not None
            and self.client.supports_detail_view(source.probe_path)
        )
        if summary.details_in_pages:
            summary.notes.append("details read with the list pages")
        labs: list[int | None] = list(self.lab_ids()) if source.per_lab else [None]
        if source.partitioned and self.lab_ids():
            per_lab: list[int | None] = list(self.lab_ids())
            if self._server_count(source, per_lab) == self._server_count(source, [None]):
                labs = per_lab
        watermark = None if self.full else self.store.watermark(source.table)
        probe = source.probe_path.format(lab=labs[0]) if labs and labs[0] is not None else source.probe_path
        incremental = bool(watermark) and bool(labs) and self.client.supports_updated_since(probe)
        if incremental:
            summary.mode = "incremental"
            new_watermark = self._read(source, labs, watermark, summary)
            if self._server_count(source, labs) != self.store.count(source.table):
                summary.notes.append("the counts differ: read in full to find deletions")
                summary.mode = "incremental+full"
                self._read(source, labs, None, summary)
            else:
                summary.deletions_checked = True
        else:
            new_watermark = self._read(source, labs, None, summary)
        self.store.finish(source.table, new_watermark, summary.mode)
        return summary

    def _server_count(self, source: Source, labs: list[int | None]) -> int:
        def count(lab: int | None) -> int:
            walk = source.walk(self.client, lab, None)
            response = self.client.session.get(walk.path, {**walk.params, "per_page": 1})
            return int(response.headers.get("X-Total-Records", 0))

        return sum(self.pool.map(count, labs))

    def _read(self, source: Source, labs: list[int | None], since: str | None, summary: SyncSummary) -> str:
        """Read the lists (from `since`, or in full), write what changed; return the new watermark."""
        full = since is None
        # A full read compares with what is stored, to skip what did not change and find what
        # was deleted; into an empty table (a first pull) there is nothing to compare with.
        compare = full and self.store.count(source.table) > 0
        if compare:
            self.store.begin_seen()
        walks = {lab: source.walk(self.client, lab, since) for lab in labs}
        if summary.details_in_pages:
            for walk in walks.values():
                walk.params["view"] = "detail"
        lab_of = {id(walk): lab for lab, walk in walks.items()}
        # (lab, record) pairs of every list, written together: one write per batch, however
        # many labs the batch comes from.
        pending: list[tuple[int | None, dict[str, Any]]] = []
        watermark = None
        for walk, page in read_together(list(walks.values()), self.client.concurrency):
            lab = lab_of[id(walk)]
            if page.number == 1:
                self.progress.add_total(source.table, walk.total_at_start or len(page.records))
                watermark = watermark or watermark_from(walk.server_date)
            pending += [(lab, record) for record in walk.unique(page)]
            if len(pending) >= BATCH:  # bounded memory, whatever the number of labs
                self._flush(source, pending, compare, summary)
                pending = []
        self._flush(source, pending, compare, summary)
        consistent = all(walk.consistent for walk in walks.values())
        if full:
            if consistent:
                if compare:
                    summary.deleted += self.store.delete_unseen(source.table)
                summary.deletions_checked = True
            else:
                summary.notes.append("the list changed while it was read: deletions are checked next time")
        return watermark or watermark_from(None)

    def _flush(
        self,
        source: Source,
        chunk: list[tuple[int | None, dict[str, Any]]],
        compare: bool,
        summary: SyncSummary,
    ) -> None:
        if not chunk:
            return
        summary.read += len(chunk)
        if compare:
            self.store.mark_seen([record["id"] for _, record in chunk])
        summary.written += self._write(source, chunk, compare, summary)
        self.progress.advance(source.table, len(chunk))

    def _write(
        self,
        source: Source,
        chunk: list[tuple[int | None, dict[str, Any]]],
        only_changed: bool,
        summary: SyncSummary,
    ) -> int:
        """Write (lab, record) pairs: with their details, and only those that changed if asked."""
        hashes = {record["id"]: record_hash(record) for _, record in chunk}
        if only_changed:
            stored = self.store.hashes(source.table, hashes)
            chunk = [item for item in chunk if stored.get(item[1]["id"], "") != hashes[item[1]["id"]]]
        if not chunk:
            return 0
        if summary.details_in_pages:
            assert source.from_detail_item is not None
            rows = [(lab, source.from_detail_item(record)) for lab, record in chunk]
        elif self.details and source.detail is not None:
            summary.detail_requests += len(chunk)
            details = self.pool.map(lambda item: self._detail(source, item[1], item[0]), chunk)
            rows = [(lab, row) for (lab, _), row in zip(chunk, details, strict=True) if row]
        else:
            rows = [(lab, dict(record)) for lab, record in chunk]
        now = datetime.now(UTC).isoformat()
        for lab, row in rows:
            row["_list_hash"] = hashes[row["id"]]
            row["_synced_at"] = now
            if source.per_lab:
                row["lab_id"] = lab
        return self.store.upsert(source.table, [row for _, row in rows])

    def _detail(self, source: Source, record: dict[str, Any], lab: int | None) -> dict[str, Any] | None:
        assert source.detail is not None
        try:
            return source.detail(self.client, record, lab)
        except ApiError as exc:
            if exc.status == 404:  # deleted since it was listed
                return None
            raise

    def pull_custom_form_responses(self) -> SyncSummary:
        """The responses linked from bookings whose details were read, fetched when new."""
        summary = SyncSummary("custom_form_responses")
        missing = [
            row[0]
            for row in self.store.db.execute(
                "SELECT DISTINCT CAST(link->>'response_id' AS BIGINT) AS id"
                " FROM (SELECT unnest(CAST(custom_form_responses AS JSON[])) AS link FROM bookings"
                "       WHERE custom_form_responses IS NOT NULL)"
                " WHERE id NOT IN (SELECT custom_form_response_id FROM custom_form_responses)"
            ).fetchall()
        ]
        self.progress.add_total("custom_form_responses", len(missing))
        for chunk in batched(iter(missing), BATCH):
            rows = [row for row in self.pool.map(self._form_response, chunk) if row]
            summary.read += len(chunk)
            summary.written += self.store.upsert("custom_form_responses", rows)
            self.progress.advance("custom_form_responses", len(chunk))
        return summary

    def _form_response(self, response_id: int) -> dict[str, Any] | None:
        try:
            return {**self.client.custom_form_response(response_id), "_synced_at": iso(datetime.now(UTC))}
        except ApiError as exc:
            if exc.status in (403, 404):
                return None
            raise
