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

from labshare.client.api import Client, CursorExpired, iso
from labshare.client.errors import ApiError
from labshare.client.pagination import PageWalk, read_together
from labshare.client.store import Store, record_hash
from labshare.client.tables import RESOURCES

BATCH = 2000
WATERMARK_OVERLAP = timedelta(minutes=2)  # covers clock skew between server processes
# The type of change each table follows in /v1/changes.
CHANGE_TYPES = {
    "user": "users",
    "accounts": "accounts",
    "equipment": "equipment",
    "groups": "groups",
    "projects": "projects",
    "bookings": "bookings",
    "custom_form_responses": "custom_form_responses",
}
TABLE_OF_TYPE = {change_type: table for table, change_type in CHANGE_TYPES.items()}


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
    mode: str = "full"  # or "incremental", "changes" (followed /v1/changes)
    read: int = 0
    written: int = 0
    deleted: int = 0
    deletions_checked: bool = False
    detail_requests: int = 0  # one per record whose details were read on their own
    details_in_pages: bool = False  # read with the list pages (`view=detail`) instead
    list_requests: int = 0  # changes mode: pages of the lists read for rows a change lacks
    change_pages: int = 0  # changes mode: the /v1/changes answers read (shared by the tables)
    notes: list[str] = field(default_factory=list)


def _merge(record: dict[str, Any], detail: dict[str, Any]) -> dict[str, Any]:
    return {**record, **detail}


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
    # A list record and its details make the row (whether the details were read on their own
    # or came with a change from /v1/changes).
    merge: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]] = _merge
    # The lab a record in its detail shape belongs to, when the details say.
    lab_of_detail: Callable[[dict[str, Any]], int | None] | None = None


def _merge_account(summary: dict[str, Any], detail: dict[str, Any]) -> dict[str, Any]:
    # The list gives parent ids, the details give {id, name} objects under the same names.
    return {
        **detail,
        "organisation_id": summary.get("organisation"),
        "department_id": summary.get("department"),
    }


def _id_of(reference: dict[str, Any] | None) -> int | None:
    return None if reference is None else reference.get("id")


def _account_from_detail(detail: dict[str, Any]) -> dict[str, Any]:
    # The list item's parent ids are the ids of the details' parents.
    summary = {"organisation": _id_of(detail["organisation"]), "department": _id_of(detail["department"])}
    return _merge_account(summary, detail)


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
        lambda client, record, lab: dict(client.account(record["id"])),
        "accounts",
        merge=_merge_account,
    ),
    "equipment": Source(
        "equipment",
        True,
        lambda client, lab, since: client.walk("equipment", account=lab, updated_since=since),
        lambda client, record, lab: dict(client.equipment(record["id"])),
        "equipment",
        lab_of_detail=lambda detail: _id_of(detail.get("lab")),
    ),
    "groups": Source(
        "groups",
        True,
        lambda client, lab, since: client.walk("groups", account=lab, updated_since=since),
        lambda client, record, lab: dict(client.group(record["id"])),
        "groups",
    ),
    "projects": Source(
        "projects",
        True,
        lambda client, lab, since: client.walk(f"accounts/{lab}/projects", updated_since=since),
        lambda client, record, lab: dict(client.project(lab or 0, record["id"])),
        "accounts/{lab}/projects",
    ),
    "bookings": Source(
        "bookings",
        False,
        lambda client, lab, since: client.walk("bookings", provider_account=lab, updated_since=since),
        lambda client, record, lab: {
            **client.booking(record["id"]),
            "_details_at": datetime.now(UTC).isoformat(),
        },
        "bookings",
        partitioned=True,
        from_detail_item=_booking_from_detail_item,
    ),
}


# Tables whose row a change's record makes alone. The others' rows also need their list
# record (equipment: availability, sub-category, contact; projects: creator; all three:
# the lab whose list they are in), read from the lists of the labs concerned.
ROW_OF_CHANGE: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "user": dict,
    "accounts": _account_from_detail,
    "bookings": _booking_from_detail_item,
    "custom_form_responses": dict,
}


def cursor_key(table: str) -> str:
    """The local store's info key of the /v1/changes cursor a table is up to date with."""
    return f"changes_cursor:{table}"


def _by_cursor(cursors: dict[str, str]) -> dict[str, list[str]]:
    tables: dict[str, list[str]] = {}
    for table, cursor in cursors.items():
        tables.setdefault(cursor, []).append(table)
    return tables


def batched(iterable: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    while chunk := list(islice(iterable, size)):
        yield chunk


def since_change(occurred_at: str) -> str:
    """The `updated_since` that lists a record changed at `occurred_at`, with the overlap."""
    moment = datetime.fromisoformat(occurred_at) - WATERMARK_OVERLAP
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


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
        """Follow /v1/changes for the tables that have a cursor from an earlier pull (when the
        server offers it and `full` is not set); read the others' lists as without it."""
        unknown = set(resources) - set(RESOURCES)
        if unknown:
            raise ValueError(
                f"Unknown resource(s): {', '.join(sorted(unknown))}; choose from {', '.join(RESOURCES)}."
            )
        chosen = [resource for resource in RESOURCES if resource in resources]
        summaries: dict[str, SyncSummary] = {}
        try:
            # Taken before any list is read: a change committed during the reads is followed next time.
            now = self.client.changes_cursor()
            cursors = {} if now is None or self.full else self._stored_cursors(chosen)
            for cursor, tables in _by_cursor(cursors).items():
                try:
                    summaries.update(self.follow(cursor, tables))
                except CursorExpired as expired:
                    # Read these in full; follow from the cursor the server gave, next time.
                    for table in tables:
                        summaries[table] = self.read_table(table, full=True, cursor=expired.cursor)
                        summaries[table].notes.append("the stored cursor expired: read in full")
            for table in chosen:  # this order: labs before per-lab lists, bookings before forms
                if table not in summaries:
                    summaries[table] = self.read_table(table, full=self.full, cursor=now)
        finally:
            self.pool.shutdown(cancel_futures=True)
        return [summaries[table] for table in chosen]

    def read_table(self, table: str, full: bool, cursor: str | None) -> SyncSummary:
        """Read a table's list as a server without /v1/changes is read; then store `cursor`
        (taken before the read) to follow the changes from next time."""
        if table == "user":
            summary = self.pull_user()
        elif table == "custom_form_responses":
            summary = self.pull_custom_form_responses()
        else:
            summary = self.pull_source(SOURCES[table], full)
        if cursor is not None:
            self.store.set_info(cursor_key(table), cursor)
        return summary

    def _stored_cursors(self, tables: Sequence[str]) -> dict[str, str]:
        cursors = {table: self.store.info(cursor_key(table)) for table in tables}
        return {table: cursor for table, cursor in cursors.items() if cursor}

    # --- following /v1/changes -----------------------------------------------------------

    def follow(self, cursor: str, tables: list[str]) -> dict[str, SyncSummary]:
        """Follow /v1/changes from `cursor` for these tables until no change is left: delete
        what was deleted, write what was created or updated. For the tables whose rows the
        changes make alone, each page's rows and the cursor after them are one commit; the
        others' rows wait for their list records, read once the changes are followed."""
        summaries = {table: SyncSummary(table, mode="changes", deletions_checked=True) for table in tables}
        waiting: dict[str, dict[int, dict[str, Any]]] = {
            table: {} for table in tables if table not in ROW_OF_CHANGE
        }
        types = [CHANGE_TYPES[table] for table in tables]
        pages = 0
        while True:
            page = self.client.changes(cursor, types)
            pages += 1
            latest: dict[str, dict[int, dict[str, Any]]] = {table: {} for table in tables}
            for change in page["changes"]:  # a record's last change in the page is its state
                table = TABLE_OF_TYPE.get(change["type"])
                if table in latest:
                    latest[table][change["id"]] = change
            with self.store.transaction():
                for table, changes in latest.items():
                    self._apply(table, list(changes.values()), summaries[table], waiting.get(table))
                    if table not in waiting:
                        self.store.set_info(cursor_key(table), page["cursor"])
            cursor = page["cursor"]
            if not page["has_more"]:
                break
        for table, changes in waiting.items():
            with self.store.transaction():
                self._write_from_lists(SOURCES[table], changes, summaries[table])
                self.store.set_info(cursor_key(table), cursor)
        for summary in summaries.values():
            summary.change_pages = pages
            if summary.list_requests:
                summary.notes.append(f"{summary.list_requests} list pages read for what the changes lack")
        return summaries

    def _apply(
        self,
        table: str,
        changes: list[dict[str, Any]],
        summary: SyncSummary,
        waiting: dict[int, dict[str, Any]] | None,
    ) -> None:
        self.progress.add_total(table, len(changes))
        summary.read += len(changes)
        deleted = [change["id"] for change in changes if change["action"] == "deleted"]
        current = [change for change in changes if change["action"] != "deleted"]
        if deleted:
            summary.deleted += self.store.delete(table, deleted)
        if waiting is None:
            now = datetime.now(UTC).isoformat()
            # No list record to hash: a later full read compares nothing and writes the row again.
            rows = [
                {**ROW_OF_CHANGE[table](change["record"]), "_list_hash": None, "_synced_at": now}
                for change in current
            ]
            summary.written += self.store.upsert(table, rows)
        else:
            for record_id in deleted:
                waiting.pop(record_id, None)
            waiting.update({change["id"]: change for change in current})
        self.progress.advance(table, len(changes))

    def _write_from_lists(
        self, source: Source, changes: dict[int, dict[str, Any]], summary: SyncSummary
    ) -> None:
        """Write the rows of changed records whose change lacks fields of their list record:
        those lists, from a little before the first change, of the labs the records are in
        (every lab when one is not known yet); a record not listed there (it changed long ago,
        and came into sight lately) from its labs' lists in full."""
        if not changes:
            return
        stored = self.store.lab_ids(source.table, changes)
        lab_of: dict[int, int | None] = {}
        for record_id, change in changes.items():
            lab = source.lab_of_detail(change["record"]) if source.lab_of_detail else None
            lab_of[record_id] = lab if lab is not None else stored.get(record_id)
        since = since_change(min(change["occurred_at"] for change in changes.values()))
        rows = self._rows_from_lists(source, self._labs_holding(lab_of, changes), since, changes, summary)
        missing = {record_id: change for record_id, change in changes.items() if record_id not in rows}
        if missing:
            labs = self._labs_holding(lab_of, missing)
            rows.update(self._rows_from_lists(source, labs, None, missing, summary))
        summary.written += self.store.upsert(source.table, list(rows.values()))

    def _labs_holding(self, lab_of: dict[int, int | None], records: dict[int, Any]) -> list[int]:
        labs = {lab_of[record_id] for record_id in records}
        return self.lab_ids() if None in labs else sorted(lab for lab in labs if lab is not None)

    def _rows_from_lists(
        self,
        source: Source,
        labs: list[int],
        since: str | None,
        changes: dict[int, dict[str, Any]],
        summary: SyncSummary,
    ) -> dict[int, dict[str, Any]]:
        walks = {lab: source.walk(self.client, lab, since) for lab in labs}
        lab_of_walk = {id(walk): lab for lab, walk in walks.items()}
        now = datetime.now(UTC).isoformat()
        rows: dict[int, dict[str, Any]] = {}
        for walk, page in read_together(list(walks.values()), self.client.concurrency):
            summary.list_requests += 1
            for record in walk.unique(page):
                change = changes.get(record["id"])
                if change is not None:
                    row = source.merge(record, change["record"])
                    rows[record["id"]] = {
                        **row,
                        "lab_id": lab_of_walk[id(walk)],
                        "_list_hash": record_hash(record),
                        "_synced_at": now,
                    }
        return rows

    # --- reading the lists -----------------------------------------------------------------

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

    def pull_source(self, source: Source, full: bool = False) -> SyncSummary:
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
        watermark = None if full else self.store.watermark(source.table)
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
            return source.merge(record, source.detail(self.client, record, lab))
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
