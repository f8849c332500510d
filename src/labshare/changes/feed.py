"""Reading the record of changes in order, as labs see it: what /v1/changes answers and what
webhooks deliver.

Changes are read in `(txid, id)` order. On PostgreSQL a reader reads only the changes of
transactions older than the oldest one still running (`pg_snapshot_xmin`), so that a
transaction that began first and commits last is read after, never skipped. On SQLite
writers are serialised, so ids already follow the commits; txid is always 0 there.

A record is shown as it is when read, in its `GET /v1/<type>/{id}` shape, and seen through
the labs the reader has when it reads (read after the horizon, so that no access change up
to it is missed), exactly as the lists filter: a record that moves out of them reads as
`deleted`, one that moves in as `created`. A change to what a reader may read (a lab added to
or removed from its authorisation, its user joining or leaving one of those labs) reads as
every record of that lab `created` or `deleted`, and the department and organisation it sits
in, when another lab still shows them, `updated` (they list the labs the reader sees).

A record deleted (or moved away) in a lab the reader has lost since is gone from that lab
when the loss is read, so its deletion is read as `deleted` too, even though the lab is out
of sight now: the reader may hold it from before. A reader may so be told of the deletion of
a record of a lab it had only for a while.
"""

import base64
import binascii
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from django.db import connection

from labshare.api import details
from labshare.api.queries import among, fetch_all, fetch_one
from labshare.api.timestamps import utc_time
from labshare.changes.recording import TYPES

LAST_ID = 2**63 - 1
MAX_LIMIT = 1000
READS_A_PAGE = 5


class BadCursor(ValueError):
    """A cursor this server did not write."""


class CursorExpired(Exception):
    """The changes after the cursor were pruned; `cursor` is where to follow from after
    re-reading the lists."""

    def __init__(self, cursor: str) -> None:
        super().__init__("The changes after this cursor are past the retention.")
        self.cursor = cursor


@dataclass(frozen=True)
class Position:
    """Where a reader is: after the change `(txid, id)` and, within the expansion of an access
    change, after the record `part` = (index in EXPANSIONS, record id)."""

    txid: int
    id: int
    part: tuple[int, int] | None = None

    def key(self) -> tuple[int, int]:
        return (self.txid, self.id)


def encode_cursor(position: Position) -> str:
    numbers = [position.txid, position.id, *(position.part or ())]
    text = ".".join(str(number) for number in numbers)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> Position:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        numbers = [int(number) for number in text.split(".") if number.isdigit()]
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadCursor(cursor) from None
    if len(numbers) not in (2, 4) or len(numbers) != text.count(".") + 1 or max(numbers) > LAST_ID:
        raise BadCursor(cursor)
    if len(numbers) == 4 and numbers[2] >= len(EXPANSIONS):
        raise BadCursor(cursor)
    return Position(numbers[0], numbers[1], (numbers[2], numbers[3]) if len(numbers) == 4 else None)


@dataclass(frozen=True)
class Reader:
    """Whose token reads: its user's own record (`users`), and the changes to what it may
    read (`authorisations` and `memberships`), are read for it alone."""

    user_id: int
    authorisation_id: int | None

    def access_condition(self) -> tuple[str, list]:
        if self.authorisation_id is None:
            return "", []
        user, authorisation = self.user_id, self.authorisation_id
        return ACCESS_CHANGES, [user, authorisation, authorisation, user]


@dataclass(frozen=True)
class ApplicationReader:
    """An application as a whole (its webhooks): the changes to what any authorisation it
    holds may read, a service binding's included. It has no user of its own."""

    application_id: int
    user_id = None

    def access_condition(self) -> tuple[str, list]:
        return APPLICATION_ACCESS_CHANGES, [self.application_id, self.application_id]


@dataclass
class Feed:
    changes: list[dict]
    cursor: str  # to continue from
    has_more: bool = False  # the page was cut at the limit: read on at once


def horizon() -> Position:
    """The last position every reader may read now: every change at or before it has
    committed, and no later commit can write one there."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
            return Position(cursor.fetchone()[0] - 1, LAST_ID)
        # After a prune that left nothing, the horizon is where the record was cut.
        cursor.execute(
            "SELECT MAX(COALESCE((SELECT MAX(id) FROM changes_change), 0),"
            " COALESCE((SELECT MAX(change_id) FROM changes_prunedthrough), 0))"
        )
        return Position(0, cursor.fetchone()[0])


PRUNED_THROUGH = "SELECT txid, change_id FROM changes_prunedthrough ORDER BY id DESC LIMIT 1"


def expired(position: Position) -> bool:
    pruned = fetch_one(PRUNED_THROUGH, [])
    return pruned is not None and position.key() < (pruned["txid"], pruned["change_id"])


CHANGES = """
SELECT c.id, c.txid, c.type, c.record_id, c.action, c.lab_id, c.old_lab_id, c.occurred_at
FROM changes_change c
WHERE (c.txid, c.id) > (%s, %s) AND (c.txid, c.id) <= (%s, %s) AND ({visible})
ORDER BY c.txid, c.id
LIMIT %s
"""
# The access change a cursor stopped in the middle of, if the reader may still see it.
ACCESS_CHANGE = """
SELECT c.id, c.txid, c.type, c.record_id, c.action, c.lab_id, c.old_lab_id, c.occurred_at
FROM changes_change c
WHERE c.txid = %s AND c.id = %s AND c.type IN ('memberships', 'authorisations') AND ({visible})
"""
# The reader's own access changes: its user joining or leaving a lab of its authorisation;
# a lab its user is a member of added to the authorisation; any lab removed from it (its
# user may have left the lab since, and the lab must still read as gone).
ACCESS_CHANGES = """(c.type = 'memberships' AND c.record_id = %s AND c.lab_id IN
        (SELECT al.account_id FROM oauth_authorisation_labs al WHERE al.authorisation_id = %s))
    OR (c.type = 'authorisations' AND c.record_id = %s AND (c.action = 'deleted' OR c.lab_id IN
        (SELECT m.lab_id FROM accounts_membership m WHERE m.user_id = %s)))"""
# The same for every authorisation of an application: one of its users joining or leaving a
# lab it authorised, a lab one of its users is a member of added, or any lab removed.
APPLICATION_ACCESS_CHANGES = """(c.type = 'memberships' AND EXISTS (SELECT 1 FROM oauth_authorisation a
        JOIN oauth_authorisation_labs al ON al.authorisation_id = a.id
        WHERE a.application_id = %s AND a.user_id = c.record_id AND al.account_id = c.lab_id))
    OR (c.type = 'authorisations' AND EXISTS (SELECT 1 FROM oauth_authorisation a
        WHERE a.application_id = %s AND a.id = c.record_id AND (c.action = 'deleted' OR EXISTS
            (SELECT 1 FROM accounts_membership m WHERE m.user_id = a.user_id AND m.lab_id = c.lab_id))))"""
# The labs whose access changed for the reader between two positions (an index holds only
# the access changes: migrations/0003).
ACCESS_CHANGED_LABS = """
SELECT DISTINCT c.lab_id FROM changes_change c
WHERE c.type IN ('memberships', 'authorisations') AND (c.txid, c.id) {after} (%s, %s)
    AND (c.txid, c.id) <= (%s, %s) AND ({access})
"""
LAB_ACCOUNTS = """
SELECT lab.id, lab.department_id, lab.organisation_id FROM accounts_account lab WHERE lab.id {labs}
"""

# What a lab holds, type by type, in id order from an id on: a lab entering or leaving a
# reader's reach is each of these created or deleted.
EXPANSIONS: tuple[tuple[str, str], ...] = (
    (
        "accounts",
        """SELECT a.id FROM accounts_account lab JOIN accounts_account a
           ON a.id = lab.id OR a.id = lab.department_id OR a.id = lab.organisation_id
           WHERE lab.id = %s AND a.id > %s ORDER BY a.id LIMIT %s""",
    ),
    ("equipment", "SELECT id FROM equipment_equipment WHERE lab_id = %s AND id > %s ORDER BY id LIMIT %s"),
    ("groups", "SELECT id FROM accounts_group WHERE lab_id = %s AND id > %s ORDER BY id LIMIT %s"),
    ("projects", "SELECT id FROM projects_project WHERE account_id = %s AND id > %s ORDER BY id LIMIT %s"),
    (
        "bookings",
        "SELECT id FROM bookings_booking WHERE provider_lab_id = %s AND id > %s ORDER BY id LIMIT %s",
    ),
    (
        "custom_form_responses",
        """SELECT r.id FROM bookings_customformresponse r JOIN bookings_booking b ON b.id = r.booking_id
           WHERE b.provider_lab_id = %s AND r.id > %s ORDER BY r.id LIMIT %s""",
    ),
)


def accounts_of(labs: Sequence[int]) -> list[int]:
    """The labs, and the departments and organisations they sit in (what /v1/accounts lists)."""
    if not labs:
        return []
    test, parameters = among(labs)
    ids = set()
    for row in fetch_all(LAB_ACCOUNTS.format(labs=test), parameters):
        ids.update(i for i in row.values() if i is not None)
    return sorted(ids)


class Visibility:
    """What a reader's labs see of the record of changes, and each record as they see it now."""

    def __init__(
        self,
        lab_ids: Collection[int],
        types: Collection[str],
        reader: Reader | ApplicationReader | None,
        lost: Collection[int] = (),
    ) -> None:
        self.lab_ids = sorted(lab_ids)
        self.labs = frozenset(self.lab_ids)
        self.account_ids = accounts_of(self.lab_ids)
        self.accounts = frozenset(self.account_ids)
        self.types = types
        self.reader = reader
        # Labs out of sight now whose access changed for the reader since its cursor.
        self.lost = frozenset(lost) - self.labs
        self.records: dict[tuple[str, int], dict | None] = {}

    def accounts_besides(self, lab: int) -> frozenset[int]:
        """The accounts seen through the reader's labs other than `lab`."""
        return frozenset(accounts_of([other for other in self.lab_ids if other != lab]))

    def condition(self) -> tuple[str, list]:
        """The SQL that keeps the changes these labs may see, and its parameters."""
        parts, parameters = [], []
        by_lab = [t for t in self.types if t not in ("accounts", "users")]
        if by_lab and self.lab_ids:
            test, lab_parameters = among(self.lab_ids)
            kinds = ", ".join(f"'{t}'" for t in by_lab)
            parts.append(f"(c.type IN ({kinds}) AND (c.lab_id {test} OR c.old_lab_id {test}))")
            parameters += [*lab_parameters, *lab_parameters]
        if "accounts" in self.types and self.account_ids:
            test, account_parameters = among(self.account_ids)
            parts.append(f"(c.type = 'accounts' AND c.lab_id {test})")
            parameters += account_parameters
        by_lab_or_account = [t for t in self.types if t != "users"]
        if by_lab_or_account and self.lost:
            test, lost_parameters = among(sorted(self.lost))
            kinds = ", ".join(f"'{t}'" for t in by_lab_or_account)
            parts.append(f"(c.type IN ({kinds}) AND (c.lab_id {test} OR c.old_lab_id {test}))")
            parameters += [*lost_parameters, *lost_parameters]
        if self.reader is not None:
            if "users" in self.types and self.reader.user_id is not None:
                parts.append("(c.type = 'users' AND c.record_id = %s)")
                parameters.append(self.reader.user_id)
            access, access_parameters = self.reader.access_condition()
            if access:
                parts.append(access)
                parameters += access_parameters
        return " OR ".join(parts) or "1 = 0", parameters

    def sees(self, type_: str, lab_id: int | None, record_id: int) -> bool:
        if type_ == "accounts":
            return lab_id in self.accounts
        if type_ == "users":
            return self.reader is not None and record_id == self.reader.user_id
        return lab_id in self.labs

    def action(self, row: dict) -> str | None:
        """The change as these labs see it: moving into them is a creation, out a deletion."""
        now = self.sees(row["type"], row["lab_id"], row["record_id"])
        before_lab = row["lab_id"] if row["old_lab_id"] is None else row["old_lab_id"]
        before = self.sees(row["type"], before_lab, row["record_id"])
        if row["action"] == "updated" and now != before:
            return "created" if now else "deleted"
        if now or before:
            return row["action"]
        gone = row["action"] == "deleted" or row["old_lab_id"] is not None
        return "deleted" if gone and self.lost & {row["lab_id"], row["old_lab_id"]} else None

    def record(self, type_: str, record_id: int) -> dict | None:
        key = (type_, record_id)
        if key not in self.records:
            self.records[key] = self.read_record(type_, record_id)
        return self.records[key]

    def read_record(self, type_: str, record_id: int) -> dict | None:
        if type_ == "accounts":
            return details.account(record_id, self.account_ids)
        if type_ == "users":
            return details.user(record_id)
        if type_ in ("bookings", "equipment"):
            return getattr(details, {"bookings": "booking"}.get(type_, type_))(record_id, self.labs)
        reader = {
            "custom_form_responses": details.custom_form_response,
            "groups": details.group,
            "projects": details.project,
        }[type_]
        return reader(record_id, self.lab_ids)


class Page:
    """The changes of one answer, up to `limit`, consecutive changes of one record merged."""

    def __init__(self, visibility: Visibility, limit: int) -> None:
        self.visibility = visibility
        self.limit = limit
        self.changes: list[dict] = []
        self.last: tuple[str, int] | None = None

    @property
    def full(self) -> bool:
        return len(self.changes) >= self.limit

    def add(self, position: Position, type_: str, record_id: int, action: str, occurred_at: object) -> None:
        record = None
        if action != "deleted":
            record = self.visibility.record(type_, record_id)
            if record is None:
                # Gone or moved out of sight since: a later change says so.
                return
        change = {
            "cursor": encode_cursor(position),
            "type": type_,
            "id": record_id,
            "action": action,
            "occurred_at": utc_time(occurred_at),
        }
        if record is not None:
            change["record"] = record
        if self.last == (type_, record_id):
            previous = self.changes.pop()
            if previous["action"] == "created" and action == "updated":
                change["action"] = "created"
        self.changes.append(change)
        self.last = (type_, record_id)


def expand(row: dict, page: Page, start: tuple[int, int] | None) -> tuple[int, int] | None:
    """Add the records of the lab an access change is about, from `start` on, as created
    when the reader sees the lab now and deleted when it does not. Answers where the page
    filled up, or None when the expansion is complete."""
    visibility = page.visibility
    lab = row["lab_id"]
    entering_or_leaving = "created" if lab in visibility.labs else "deleted"
    first, after = start if start is not None else (0, 0)
    for index in range(first, len(EXPANSIONS)):
        type_, statement = EXPANSIONS[index]
        if type_ not in visibility.types:
            continue
        last_id = after if index == first else 0
        while True:
            room = page.limit - len(page.changes)
            ids = [r["id"] for r in fetch_all(statement, [lab, last_id, room])]
            for record_id in ids:
                last_id = record_id
                action = entering_or_leaving
                # A department or organisation seen through another lab stays: its labs change.
                if type_ == "accounts" and record_id != lab and record_id in visibility.accounts_besides(lab):
                    action = "updated"
                position = Position(row["txid"], row["id"], (index, record_id))
                page.add(position, type_, record_id, action, row["occurred_at"])
                if page.full:
                    return (index, record_id)
            if len(ids) < room:
                break
    return None


def access_changed_labs(
    reader: Reader | ApplicationReader | None, start: Position, bound: Position
) -> set[int]:
    """The labs whose access changed for the reader after `start`, up to `bound`: the change
    `start` stopped in the middle of too, as the rest of it is yet to be read."""
    if reader is None:
        return set()
    access, parameters = reader.access_condition()
    if not access:
        return set()
    statement = ACCESS_CHANGED_LABS.format(access=access, after=">" if start.part is None else ">=")
    rows = fetch_all(statement, [*start.key(), *bound.key(), *parameters])
    return {row["lab_id"] for row in rows}


def read(
    lab_ids: Collection[int] | Callable[[], Collection[int]],
    *,
    types: Collection[str] | None = None,
    after: str | Position | None = None,
    limit: int = 100,
    reader: Reader | ApplicationReader | None = None,
) -> Feed:
    """The changes after the cursor `after` that the labs may see, in order, at most `limit`;
    without `after`, none, and the cursor of now. The labs may be given as a function, which
    is called after the horizon is read (as the reader's labs must be). Raises BadCursor,
    CursorExpired."""
    bound = horizon()
    if after is None:
        return Feed([], encode_cursor(bound))
    position = after if isinstance(after, Position) else decode_cursor(after)
    if expired(position):
        raise CursorExpired(encode_cursor(bound))
    wanted = [t for t in TYPES if types is None or t in types]
    labs = lab_ids() if callable(lab_ids) else lab_ids
    lost = access_changed_labs(reader, position, bound)
    visibility = Visibility(labs, wanted, reader, lost)
    page = Page(visibility, max(1, min(limit, MAX_LIMIT)))
    condition, parameters = visibility.condition()
    if position.part is not None:
        # A cursor names the change it stopped in; only one the reader sees is expanded.
        row = fetch_one(ACCESS_CHANGE.format(visible=condition), [position.txid, position.id, *parameters])
        stopped = None if row is None else expand(row, page, position.part)
        if stopped is not None:
            return Feed(page.changes, encode_cursor(Position(position.txid, position.id, stopped)), True)
    statement = CHANGES.format(visible=condition)
    # Changes read but not shown (a record gone since) leave room: read on, a few times at most.
    for _ in range(READS_A_PAGE):
        rows = fetch_all(statement, [*position.key(), *bound.key(), *parameters, page.limit])
        for row in rows:
            position = Position(row["txid"], row["id"])
            if row["type"] in ("memberships", "authorisations"):
                stopped = expand(row, page, None)
                if stopped is not None:
                    return Feed(page.changes, encode_cursor(Position(row["txid"], row["id"], stopped)), True)
            else:
                action = visibility.action(row)
                if action is not None:
                    page.add(position, row["type"], row["record_id"], action, row["occurred_at"])
            if page.full:
                return Feed(page.changes, encode_cursor(position), True)
        if len(rows) < page.limit:
            return Feed(page.changes, encode_cursor(bound))
    return Feed(page.changes, encode_cursor(position), True)
