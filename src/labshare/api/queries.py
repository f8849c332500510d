"""Every read of the API: one hand-written statement each, run through Django's connection.

Hand-written because the list endpoints are the hot path (no model instances, no ORM
compilation), and the same SQL runs on SQLite and PostgreSQL. Every statement is filtered
by the token's labs. `{where}`, `{labs}` and `{bookings}` slots take placeholders, never input;
the one value written into a statement is the token's own lab and account ids, as integers
(`among`).
"""

from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache, lru_cache

from django.db import connection
from django.db.backends.utils import CursorWrapper

from labshare.api import rendered
from labshare.api.pagination import Page
from labshare.replicas import read_connection

# The lists' orders: newest created first (v0.1.5), or oldest change first (sort=updated_at).
NEWEST_FIRST = "{0}.created_at DESC, {0}.id DESC"
OLDEST_CHANGE_FIRST = "{0}.updated_at, {0}.id"


@dataclass(frozen=True)
class Filters:
    """The optional incremental-sync filters (extensions to v0.1.5)."""

    updated_since: datetime | None = None
    start_after: datetime | None = None
    start_before: datetime | None = None
    statuses: list[str] | None = field(default=None)


def one_of(values: Sequence) -> tuple[str, list]:
    """A membership test to follow a column, and its parameters: one array on PostgreSQL
    (`= ANY(%s)`), so that any number of values costs one parameter; `IN (%s, ...)` elsewhere."""
    if connection.vendor == "postgresql":
        return "= ANY(%s)", [list(values)]
    # `IN (NULL)` matches nothing: a token with no labs reads empty lists.
    return f"IN ({', '.join(['%s'] * len(values)) or 'NULL'})", list(values)


def id_array(ids: Iterable[int]) -> str:
    """A PostgreSQL array literal of integer ids (each passed through int())."""
    return array_literal(tuple(ids))


@lru_cache(maxsize=1024)
def array_literal(ids: tuple[int, ...]) -> str:
    """Cached: a token's hundreds of labs are written into every statement of its requests."""
    return f"'{{{','.join(map(str, map(int, ids)))}}}'::bigint[]"


def among(ids: Sequence[int]) -> tuple[str, list]:
    """`one_of` for the token's labs or accounts: ids the server read itself. On PostgreSQL
    they are written into the statement as an array literal, so that it is planned for these
    ids, and prepared with that plan. Given as a parameter, the array would get a generic
    plan once the statement is prepared, made for an array of unknown size: for a token with
    hundreds of labs that plan reads every lab's bookings to sort them."""
    if connection.vendor == "postgresql":
        return f"= ANY({id_array(ids)})", []
    return one_of(ids)


def when(value: datetime) -> object:
    return connection.ops.adapt_datetimefield_value(value)


def conditions(alias: str, labs_column: str, labs: Sequence[int], filters: Filters) -> tuple[str, list]:
    """The WHERE clause every list shares: the token's labs, then any filters asked for."""
    test, parameters = among(labs)
    parts = [f"{alias}.{labs_column} {test}"]
    if filters.updated_since is not None:
        parts.append(f"{alias}.updated_at >= %s")
        parameters.append(when(filters.updated_since))
    if filters.start_after is not None:
        parts.append(f"{alias}.start_time >= %s")
        parameters.append(when(filters.start_after))
    if filters.start_before is not None:
        parts.append(f"{alias}.start_time < %s")
        parameters.append(when(filters.start_before))
    if filters.statuses:
        test, statuses = one_of(filters.statuses)
        parts.append(f"{alias}.status {test}")
        parameters.extend(statuses)
    return " AND ".join(parts), parameters


def order_by(alias: str, page: Page | None = None) -> str:
    """The ORDER BY of a list for `page`: newest first unless it walks by updated_at."""
    return (OLDEST_CHANGE_FIRST if page is not None and page.by_updated_at else NEWEST_FIRST).format(alias)


def page_conditions(
    alias: str, labs_column: str, labs: Sequence[int], filters: Filters, page: Page | None
) -> tuple[str, list]:
    """`conditions`, then, when a sort=updated_at walk continues, the rows after its cursor."""
    where, parameters = conditions(alias, labs_column, labs, filters)
    if page is not None and page.after is not None:
        where += f" AND ({alias}.updated_at, {alias}.id) > (%s, %s)"
        parameters.extend([when(page.after.updated_at), page.after.id])
    return where, parameters


@contextmanager
def reading() -> Iterator[CursorWrapper]:
    """A cursor for the API's reads. On PostgreSQL it loads time stamps with psycopg's own
    (compiled) loader instead of Django's, which parses each in Python to set Django's time zone:
    a page of 100 bookings has 400 of them, and the shapes convert each to UTC anyway."""
    with read_connection().cursor() as cursor:
        if cursor.db.vendor == "postgresql":
            cursor.cursor.adapters.register_loader("timestamptz", compiled_timestamp_loader())
        yield cursor


@cache
def compiled_timestamp_loader() -> type:
    import psycopg

    return psycopg.adapters.get_loader(psycopg.adapters.types["timestamptz"].oid, psycopg.pq.Format.TEXT)


def fetch_all(sql: str, parameters: Sequence) -> list[dict]:
    with reading() as cursor:
        cursor.execute(sql, parameters)
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def item_columns(columns: str, render: Callable[[], str], alias: str) -> str:
    """The select list of a list's page: the columns its shape reads, or on PostgreSQL the item
    rendered there (`rendered_columns`)."""
    if connection.vendor != "postgresql" or not renders_every_zone(connection.settings_dict["NAME"]):
        return columns
    return rendered_columns(render, alias)


@cache
def rendered_columns(render: Callable[[], str], alias: str) -> str:
    """The item as PostgreSQL renders it (api/rendered.py), and what paging reads of its row."""
    return f"{alias}.id, {alias}.updated_at, {render()} AS item"


@cache
def renders_every_zone(_database: str) -> bool:
    """rendered.renders_every_zone, asked once a database."""
    with connection.cursor() as cursor:
        cursor.execute(rendered.KNOWN_ZONES)
        return rendered.renders_every_zone([name for (name,) in cursor.fetchall()])


def render_booking_item() -> str:
    return rendered.booking_item(LAST_PUBLIC_NOTE)


def fetch_one(sql: str, parameters: Sequence) -> dict | None:
    rows = fetch_all(sql, parameters)
    return rows[0] if rows else None


def fetch_count(sql: str, parameters: Sequence) -> int | None:
    with reading() as cursor:
        cursor.execute(sql, parameters)
        row = cursor.fetchone()
    return None if row is None else row[0]


LAST_PUBLIC_NOTE = """(SELECT n.message FROM bookings_bookingnote n
        WHERE n.booking_id = b.id AND n.is_public
        ORDER BY n.created_at DESC, n.id DESC LIMIT 1)"""

# Accounts -------------------------------------------------------------------------------

ACCOUNTS_COUNT = "SELECT COUNT(*) FROM accounts_account a WHERE {where}"
ACCOUNT_ITEM_COLUMNS = (
    "a.id, a.name, a.account_type, a.organisation_id, a.department_id, a.created_at, a.updated_at"
)
ACCOUNTS_PAGE = """
SELECT {columns}
FROM accounts_account a
WHERE {where}
ORDER BY {order}
LIMIT %s OFFSET %s
"""
ACCOUNT = """
SELECT a.id, a.name, a.account_type, a.sector, a.description, a.timezone, a.created_at, a.updated_at,
       d.id AS department_id, d.name AS department_name,
       o.id AS organisation_id, o.name AS organisation_name
FROM accounts_account a
LEFT JOIN accounts_account d ON d.id = a.department_id
LEFT JOIN accounts_account o ON o.id = a.organisation_id
WHERE a.id = %s AND a.id {labs}
"""
ACCOUNT_CHILDREN = """
SELECT c.id, c.name, c.account_type
FROM accounts_account c
WHERE (c.organisation_id = %s OR c.department_id = %s) AND c.id {labs}
ORDER BY c.name, c.id
"""


def accounts_count(account_ids: Sequence[int], filters: Filters) -> int:
    where, parameters = conditions("a", "id", account_ids, filters)
    return fetch_count(ACCOUNTS_COUNT.format(where=where), parameters)


def accounts_page(account_ids: Sequence[int], filters: Filters, page: Page) -> list[dict]:
    where, parameters = page_conditions("a", "id", account_ids, filters, page)
    columns = item_columns(ACCOUNT_ITEM_COLUMNS, rendered.account_item, "a")
    sql = ACCOUNTS_PAGE.format(where=where, order=order_by("a", page), columns=columns)
    return fetch_all(sql, [*parameters, page.per_page, page.offset])


def account(account_id: int, account_ids: Sequence[int]) -> dict | None:
    test, parameters = among(account_ids)
    return fetch_one(ACCOUNT.format(labs=test), [account_id, *parameters])


def account_children(account_id: int, account_ids: Sequence[int]) -> list[dict]:
    test, parameters = among(account_ids)
    return fetch_all(ACCOUNT_CHILDREN.format(labs=test), [account_id, account_id, *parameters])


# Bookings -------------------------------------------------------------------------------

BOOKINGS_COUNT = "SELECT COUNT(*) FROM bookings_booking b WHERE {where}"
# S608: these f-strings join module constants only, never input.
# A page of booking ids from the bookings alone (an index-only scan of booking_newest_with_lab),
# so that the joins run for the page's rows only; `{after}` continues after a remembered row
# (AFTER_BOOKING, api/page_starts.py) so that a deep page skips nothing.
IDS_PAGE = """(
    SELECT listed.id FROM {listed}
    WHERE {where}{after}
    ORDER BY {listed_order}
    LIMIT %s OFFSET %s) page
JOIN bookings_booking b ON b.id = page.id"""
BOOKING_IDS_PAGE = IDS_PAGE.replace("{listed}", "bookings_booking listed")
# A start_time window that leaves few rows (WINDOW_PLAN_ROWS) is read through booking_lab_start
# alone (it includes what the page sorts on), then sorted. The fence (`{fence}`, OFFSET 0 on
# PostgreSQL) keeps the planner from walking booking_newest_with_lab newest first instead, as
# it would expecting the window's rows to be spread evenly: for a window in the past that walk
# passes most of the table to find them. `{where}` is then TRUE: the window's own conditions
# are `{window}`.
WINDOW_ROWS = """(SELECT listed.id, listed.created_at, listed.updated_at
        FROM bookings_booking listed
        WHERE {window}{fence}) listed"""
BOOKING_WINDOW_IDS_PAGE = IDS_PAGE.replace("{listed}", WINDOW_ROWS)
WINDOW_PLAN_ROWS = 50_000
# A bounded window that leaves many rows a day (DAY_PLAN_FACTOR times what a page reaches) is
# read day by day on PostgreSQL, through booking_start_day_newest (bookings/0008): each UTC
# day's newest rows in the window, as many as the page reaches, then merged and sorted. It
# reads days x reach index entries wherever the window lies, where reading the window reads
# all its rows and walking the list's order passes every booking created after it.
DAY_ROWS = """(SELECT listed.id, listed.created_at, listed.updated_at
        FROM unnest(%s::date[]) AS day (day)
        CROSS JOIN LATERAL (SELECT listed.id, listed.created_at, listed.updated_at
            FROM bookings_booking listed
            WHERE (listed.start_time AT TIME ZONE 'UTC')::date = day.day AND {window}{day_after}
            ORDER BY listed.created_at DESC, listed.id DESC
            LIMIT %s) listed) listed"""
BOOKING_DAY_IDS_PAGE = IDS_PAGE.replace("{listed}", DAY_ROWS)
DAY_PLAN_FACTOR = 2
# Past a year of days, reading each day costs more than walking the list's order finds it.
DAY_PLAN_MAX_DAYS = 366
# The plans of a page of bookings.
WALK, WINDOW, DAYS = "walk", "window", "days"
AFTER_BOOKING = """ AND (listed.created_at, listed.id) <
        (SELECT start.created_at, start.id FROM bookings_booking start WHERE start.id = %s)"""


BOOKING_ITEM_COLUMNS = f"""b.id, b.start_time, b.end_time, b.status, b.booking_type, b.equipment_id,
       b.requester_id, e.name AS equipment_name, lab.timezone, b.created_at, b.updated_at,
       {LAST_PUBLIC_NOTE} AS last_public_note"""


def bookings_statement(ids_page: str) -> str:
    return f"""
SELECT {{columns}}
FROM {ids_page}
JOIN equipment_equipment e ON e.id = b.equipment_id
JOIN accounts_account lab ON lab.id = b.provider_lab_id
ORDER BY {{order}}
"""  # noqa: S608


BOOKINGS_PAGE = bookings_statement(BOOKING_IDS_PAGE)
BOOKINGS_WINDOW_PAGE = bookings_statement(BOOKING_WINDOW_IDS_PAGE)
BOOKINGS_DAY_PAGE = bookings_statement(BOOKING_DAY_IDS_PAGE)
# The columns and joins of the detail shape, for one booking or a page of them; `{columns}`
# takes `booking_detail_columns`, which add the booking's form responses and projects.
BOOKING_COLUMNS = f"""b.id, b.cost, b.currency, b.charging_type, b.start_time, b.end_time, b.requested_at,
       b.booking_type, b.status, b.duration, b.add_ons,
       g.id AS group_id, g.name AS group_name,
       e.id AS equipment_id, e.name AS equipment_name,
       pe.id AS parent_id, pe.name AS parent_name,
       rl.id AS requester_lab_id, rl.name AS requester_lab_name,
       ro.id AS requester_organisation_id, ro.name AS requester_organisation_name,
       pl.id AS provider_lab_id, pl.name AS provider_lab_name, pl.timezone,
       po.id AS provider_organisation_id, po.name AS provider_organisation_name,
       cr.id AS creator_id, cr.first_name AS creator_first_name,
       cr.last_name AS creator_last_name, cr.email AS creator_email,
       rq.id AS requester_id, rq.first_name AS requester_first_name,
       rq.last_name AS requester_last_name, rq.email AS requester_email,
       rq.sector AS requester_sector, b.created_at, b.updated_at,
       {LAST_PUBLIC_NOTE} AS last_public_note"""
BOOKING_JOINS = """JOIN equipment_equipment e ON e.id = b.equipment_id
LEFT JOIN equipment_equipment pe ON pe.id = e.parent_id
LEFT JOIN accounts_group g ON g.id = b.requester_group_id
JOIN accounts_account rl ON rl.id = b.requester_lab_id
LEFT JOIN accounts_account ro ON ro.id = b.requester_organisation_id
JOIN accounts_account pl ON pl.id = b.provider_lab_id
LEFT JOIN accounts_account po ON po.id = b.provider_organisation_id
JOIN accounts_user cr ON cr.id = b.creator_id
JOIN accounts_user rq ON rq.id = b.requester_id
"""
BOOKING = f"""
SELECT {{columns}}
FROM bookings_booking b
{BOOKING_JOINS}WHERE b.id = %s
"""  # noqa: S608
# `view=detail` (an extension): the detail shape for a page of bookings.
BOOKINGS_DETAIL_PAGE = f"""
SELECT {{columns}}
FROM {BOOKING_IDS_PAGE}
{BOOKING_JOINS}ORDER BY {{order}}
"""  # noqa: S608
BOOKINGS_DETAIL_WINDOW_PAGE = BOOKINGS_DETAIL_PAGE.replace(BOOKING_IDS_PAGE, BOOKING_WINDOW_IDS_PAGE)
BOOKINGS_DETAIL_DAY_PAGE = BOOKINGS_DETAIL_PAGE.replace(BOOKING_IDS_PAGE, BOOKING_DAY_IDS_PAGE)
# A booking's form responses and its projects, each row with its funding code (or none), as
# shapes.booking_detail reads them; the amount as text, so that it keeps every digit.
BOOKING_FORM_RESPONSE_ROWS = (
    {"id": "r.id", "number": "v.number"},
    """FROM bookings_customformresponse r
        JOIN bookings_customformversion v ON v.id = r.version_id
        WHERE r.booking_id = b.id""",
    "r.created_at, r.id",
)
BOOKING_PROJECT_ROWS = (
    {
        "id": "p.id",
        "name": "p.name",
        "supervisor": "p.supervisor",
        "funding_code_id": "f.id",
        "code": "f.code",
        "funder_name": "f.funder_name",
        "allocated_amount": "CAST(f.allocated_amount AS TEXT)",
        "currency": "f.currency",
    },
    """FROM bookings_booking_projects bp
        JOIN projects_project p ON p.id = bp.project_id
        LEFT JOIN projects_fundingcode f ON f.project_id = p.id
        WHERE bp.booking_id = b.id""",
    "p.id, f.id",
)


def json_rows(columns: dict[str, str], rows: str, order: str, vendor: str) -> str:
    """A scalar subquery: `rows` (its FROM and WHERE) as the JSON text of an array of objects
    of `columns`, in `order`; `[]` for none."""
    if vendor == "postgresql":
        pairs = ", ".join(f"'{name}', {value}" for name, value in columns.items())
        return f"(SELECT COALESCE(json_agg(json_build_object({pairs}) ORDER BY {order}), '[]')::text {rows})"
    pairs = ", ".join(f"'{name}', {name}" for name in columns)
    values = ", ".join(f"{value} AS {name}" for name, value in columns.items())
    return f"(SELECT json_group_array(json_object({pairs})) FROM (SELECT {values} {rows} ORDER BY {order}))"  # noqa: S608


@cache
def booking_detail_columns(vendor: str) -> str:
    """The detail's columns with its form responses and projects: one statement a booking."""
    form_responses = json_rows(*BOOKING_FORM_RESPONSE_ROWS, vendor)
    projects = json_rows(*BOOKING_PROJECT_ROWS, vendor)
    return f"{BOOKING_COLUMNS},\n       {form_responses} AS form_responses,\n       {projects} AS projects"


@cache
def booking_statement(vendor: str) -> str:
    return BOOKING.format(columns=booking_detail_columns(vendor))


def bookings_count(labs: Sequence[int], filters: Filters) -> int:
    where, parameters = conditions("b", "provider_lab_id", labs, filters)
    return fetch_count(BOOKINGS_COUNT.format(where=where), parameters)


def booking_ids_page(
    statement: str,
    where: str,
    parameters: list,
    limit: int,
    offset: int,
    after_id: int | None,
    walk: Page | None = None,
    plan: str = WALK,
    days: list[date] | None = None,
    columns: str = "",
) -> list[dict]:
    """`statement` (built on BOOKING_IDS_PAGE, or on BOOKING_WINDOW_IDS_PAGE or
    BOOKING_DAY_IDS_PAGE for those plans) for `limit` rows from `offset` or after a row; `walk`
    is the page of a sort=updated_at walk, whose order and cursor it follows. `columns` fills
    the select list of a list item's statement (`item_columns`)."""
    after, after_parameters = (AFTER_BOOKING, [after_id]) if after_id is not None else ("", [])
    sql = statement.format(
        # The window and day plans apply the conditions inside (WINDOW_ROWS, DAY_ROWS); the
        # day plan continues after a row within each day, in the index's order.
        where=where if plan == WALK else "TRUE",
        window=where,
        fence=" OFFSET 0" if connection.vendor == "postgresql" else "",
        after="" if plan == DAYS else after,
        day_after=after,
        listed_order=order_by("listed", walk),
        order=order_by("b", walk),
        columns=columns,
    )
    if plan == DAYS:
        return fetch_all(sql, [days, *parameters, *after_parameters, limit + offset, limit, offset])
    return fetch_all(sql, [*parameters, *after_parameters, limit, offset])


def narrow_window(filters: Filters, total: int | None) -> bool:
    """Whether the list's start_time window leaves so few rows that reading them all through
    booking_lab_start and sorting them costs less than walking the list's order."""
    windowed = filters.start_after is not None or filters.start_before is not None
    return windowed and total is not None and total <= WINDOW_PLAN_ROWS


def window_days(filters: Filters) -> list[date] | None:
    """The UTC days a bounded start_time window touches; None when a side is open."""
    if filters.start_after is None or filters.start_before is None:
        return None
    first = filters.start_after.astimezone(UTC).date()
    last = (filters.start_before.astimezone(UTC) - timedelta(microseconds=1)).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def bookings_plan(filters: Filters, total: int | None, reach: int, walk: Page | None) -> str:
    """The plan of a page that reaches `reach` rows into a list of `total`: by day when the
    window leaves many rows each day (newest first, on PostgreSQL), else by `narrow_window`."""
    days = window_days(filters)
    if (
        connection.vendor == "postgresql"
        and days
        and len(days) <= DAY_PLAN_MAX_DAYS
        and total is not None
        and not (walk is not None and walk.by_updated_at)
        and total >= DAY_PLAN_FACTOR * len(days) * reach
    ):
        return DAYS
    return WINDOW if narrow_window(filters, total) else WALK


def bookings_page(
    labs: Sequence[int],
    filters: Filters,
    limit: int,
    offset: int,
    after_id: int | None = None,
    walk: Page | None = None,
    total: int | None = None,
) -> list[dict]:
    """A page of the bookings list; `total` (the list's count, when known) chooses the plan."""
    statements = {WALK: BOOKINGS_PAGE, WINDOW: BOOKINGS_WINDOW_PAGE, DAYS: BOOKINGS_DAY_PAGE}
    columns = item_columns(BOOKING_ITEM_COLUMNS, render_booking_item, "b")
    return planned_bookings_page(statements, labs, filters, limit, offset, after_id, walk, total, columns)


def planned_bookings_page(
    statements: dict[str, str],
    labs: Sequence[int],
    filters: Filters,
    limit: int,
    offset: int,
    after_id: int | None,
    walk: Page | None,
    total: int | None,
    columns: str = "",
) -> list[dict]:
    plan = bookings_plan(filters, total, limit + offset, walk)
    where, parameters = page_conditions("listed", "provider_lab_id", labs, filters, walk)
    return booking_ids_page(
        statements[plan],
        where,
        parameters,
        limit,
        offset,
        after_id,
        walk,
        plan,
        window_days(filters),
        columns,
    )


def visible(row: dict | None, lab_column: str, labs: Collection[int]) -> dict | None:
    """The row if it belongs to one of the labs. Details read by id alone and are checked
    here: a statement carrying hundreds of lab ids costs more to plan than to run."""
    return row if row is not None and row[lab_column] in labs else None


def booking(booking_id: int, labs: Collection[int]) -> dict | None:
    return visible(fetch_one(booking_statement(connection.vendor), [booking_id]), "provider_lab_id", labs)


def bookings_detail_page(
    labs: Sequence[int],
    filters: Filters,
    limit: int,
    offset: int,
    after_id: int | None = None,
    walk: Page | None = None,
    total: int | None = None,
) -> list[dict]:
    statements = {
        WALK: BOOKINGS_DETAIL_PAGE,
        WINDOW: BOOKINGS_DETAIL_WINDOW_PAGE,
        DAYS: BOOKINGS_DETAIL_DAY_PAGE,
    }
    columns = booking_detail_columns(connection.vendor)
    return planned_bookings_page(statements, labs, filters, limit, offset, after_id, walk, total, columns)


CUSTOM_FORM_RESPONSE = """
SELECT r.id, v.form_id, v.number, r.booking_id, r.created_at, r.updated_at, r.answers,
       v.fields, u.id AS author_id, u.first_name, u.last_name, u.email
FROM bookings_customformresponse r
JOIN bookings_customformversion v ON v.id = r.version_id
JOIN bookings_booking b ON b.id = r.booking_id
LEFT JOIN accounts_user u ON u.id = r.created_by_id
WHERE r.id = %s AND b.provider_lab_id {labs}
"""


def custom_form_response(response_id: int, labs: Sequence[int]) -> dict | None:
    test, parameters = among(labs)
    return fetch_one(CUSTOM_FORM_RESPONSE.format(labs=test), [response_id, *parameters])


# Equipment ------------------------------------------------------------------------------

EQUIPMENT_COUNT = "SELECT COUNT(*) FROM equipment_equipment e WHERE {where}"
EQUIPMENT_PAGE = """
SELECT e.id, e.name, e.description, e.room, e.availability_status, e.model, e.manufacturer,
       sc.id AS sub_category_id, sc.name AS sub_category_name,
       cp.id AS contact_id, cp.first_name AS contact_first_name,
       cp.last_name AS contact_last_name, cp.email AS contact_email,
       e.parent_id, pe.name AS parent_name, e.created_at, e.updated_at
FROM equipment_equipment e
LEFT JOIN equipment_category sc ON sc.id = e.sub_category_id
LEFT JOIN accounts_user cp ON cp.id = e.contact_person_id
LEFT JOIN equipment_equipment pe ON pe.id = e.parent_id
WHERE {where}
ORDER BY {order}
LIMIT %s OFFSET %s
"""
CHILDREN_ONLY = " AND e.parent_id IS NOT NULL"
EQUIPMENT = """
SELECT e.id, e.name, e.room, e.manufacturer, e.model, e.city, e.country, e.currency,
       e.charging_type, e.description, c.name AS category_name,
       lab.id AS lab_id, lab.name AS lab_name, e.parent_id, pe.name AS parent_name,
       e.manufacturing_year, e.serial_number, e.created_at, e.updated_at
FROM equipment_equipment e
JOIN accounts_account lab ON lab.id = e.lab_id
LEFT JOIN equipment_category c ON c.id = e.category_id
LEFT JOIN equipment_equipment pe ON pe.id = e.parent_id
WHERE e.id = %s
"""
# One row when the equipment is visible (with its booking total), none when it is not.
EQUIPMENT_BOOKINGS_COUNT = """
SELECT COUNT(b.id)
FROM equipment_equipment e
LEFT JOIN bookings_booking b ON b.equipment_id = e.id AND {where}
WHERE e.id = %s AND e.lab_id {labs}
GROUP BY e.id
"""
EQUIPMENT_BOOKING_ITEM_COLUMNS = (
    "b.id, b.equipment_id, b.start_time, b.end_time, b.status, lab.timezone, b.created_at, b.updated_at"
)
EQUIPMENT_BOOKINGS_PAGE = f"""
SELECT {{columns}}
FROM {BOOKING_IDS_PAGE}
JOIN accounts_account lab ON lab.id = b.provider_lab_id
ORDER BY {{order}}
"""  # noqa: S608


def equipment_count(labs: Sequence[int], filters: Filters, children_only: bool) -> int:
    where, parameters = conditions("e", "lab_id", labs, filters)
    where += CHILDREN_ONLY if children_only else ""
    return fetch_count(EQUIPMENT_COUNT.format(where=where), parameters)


def equipment_page(labs: Sequence[int], filters: Filters, children_only: bool, page: Page) -> list[dict]:
    where, parameters = page_conditions("e", "lab_id", labs, filters, page)
    where += CHILDREN_ONLY if children_only else ""
    sql = EQUIPMENT_PAGE.format(where=where, order=order_by("e", page))
    return fetch_all(sql, [*parameters, page.per_page, page.offset])


def equipment(equipment_id: int, labs: Collection[int]) -> dict | None:
    return visible(fetch_one(EQUIPMENT, [equipment_id]), "lab_id", labs)


def equipment_bookings_count(equipment_id: int, labs: Sequence[int], filters: Filters) -> int | None:
    """The equipment's booking total, or None when the token cannot see the equipment."""
    where, parameters = conditions("b", "provider_lab_id", labs, filters)
    test, lab_parameters = among(labs)
    sql = EQUIPMENT_BOOKINGS_COUNT.format(where=where, labs=test)
    return fetch_count(sql, [*parameters, equipment_id, *lab_parameters])


def equipment_bookings_page(
    equipment_id: int, labs: Sequence[int], filters: Filters, page: Page
) -> list[dict]:
    columns = item_columns(EQUIPMENT_BOOKING_ITEM_COLUMNS, rendered.equipment_booking_item, "b")
    return equipment_booking_ids_page(EQUIPMENT_BOOKINGS_PAGE, equipment_id, labs, filters, page, columns)


def equipment_bookings_detail_page(
    equipment_id: int, labs: Sequence[int], filters: Filters, page: Page
) -> list[dict]:
    columns = booking_detail_columns(connection.vendor)
    return equipment_booking_ids_page(BOOKINGS_DETAIL_PAGE, equipment_id, labs, filters, page, columns)


def equipment_booking_ids_page(
    statement: str, equipment_id: int, labs: Sequence[int], filters: Filters, page: Page, columns: str = ""
) -> list[dict]:
    """A page of one equipment's bookings, its ids read from booking_equipment_newest alone:
    the plan PostgreSQL keeps for any equipment and labs, where a join that also reads the
    labs' index would read all of it for a token with many labs."""
    where, parameters = page_conditions("listed", "provider_lab_id", labs, filters, page)
    return booking_ids_page(
        statement,
        f"listed.equipment_id = %s AND {where}",
        [equipment_id, *parameters],
        page.per_page,
        page.offset,
        None,
        page,
        columns=columns,
    )


# Groups ---------------------------------------------------------------------------------

GROUPS_COUNT = "SELECT COUNT(*) FROM accounts_group g WHERE {where}"
GROUPS_PAGE = """
SELECT g.id, g.name, g.created_at, g.updated_at
FROM accounts_group g
WHERE {where}
ORDER BY {order}
LIMIT %s OFFSET %s
"""
GROUP = """
SELECT g.id, g.name, g.created_at, g.updated_at, e.id AS equipment_id, e.name AS equipment_name
FROM accounts_group g
LEFT JOIN accounts_group_equipment ge ON ge.group_id = g.id
LEFT JOIN equipment_equipment e ON e.id = ge.equipment_id AND e.lab_id {labs}
WHERE g.id = %s AND g.lab_id {labs}
ORDER BY e.name, e.id
"""


def groups_count(labs: Sequence[int], filters: Filters) -> int:
    where, parameters = conditions("g", "lab_id", labs, filters)
    return fetch_count(GROUPS_COUNT.format(where=where), parameters)


def groups_page(labs: Sequence[int], filters: Filters, page: Page) -> list[dict]:
    where, parameters = page_conditions("g", "lab_id", labs, filters, page)
    sql = GROUPS_PAGE.format(where=where, order=order_by("g", page))
    return fetch_all(sql, [*parameters, page.per_page, page.offset])


def group_with_equipment(group_id: int, labs: Sequence[int]) -> list[dict]:
    """One row per piece of the group's visible equipment (one row with nulls if none)."""
    test, parameters = among(labs)
    return fetch_all(GROUP.format(labs=test), [*parameters, group_id, *parameters])


# Projects -------------------------------------------------------------------------------

PROJECTS_COUNT = "SELECT COUNT(*) FROM projects_project p WHERE {where}"
# The page of projects first, then their funding codes joined on: one statement.
PROJECTS_PAGE = """
SELECT p.id, p.name, p.supervisor, u.id AS creator_id, u.first_name AS creator_first_name,
       u.last_name AS creator_last_name, u.email AS creator_email, p.created_at, p.updated_at,
       f.id AS funding_code_id, f.code
FROM (SELECT p.id, p.name, p.supervisor, p.created_by_id, p.created_at, p.updated_at
      FROM projects_project p
      WHERE {where}
      ORDER BY {order}
      LIMIT %s OFFSET %s) p
LEFT JOIN accounts_user u ON u.id = p.created_by_id
LEFT JOIN projects_fundingcode f ON f.project_id = p.id
ORDER BY {order}, f.id
"""
PROJECT = """
SELECT p.id, p.name, p.supervisor, p.additional_information, p.created_at, p.updated_at,
       f.id AS funding_code_id, f.code, f.funder_name, f.funder_type, f.expiry_date,
       f.allocated_amount, f.spent_amount
FROM projects_project p
LEFT JOIN projects_fundingcode f ON f.project_id = p.id
WHERE p.id = %s AND p.account_id {labs}
ORDER BY f.id
"""
PROJECT_SELECTED_USERS = """
SELECT u.id, u.first_name, u.last_name, u.email
FROM projects_project_selected_users su
JOIN accounts_user u ON u.id = su.user_id
WHERE su.project_id = %s
ORDER BY u.last_name, u.first_name, u.id
"""


def projects_count(labs: Sequence[int], filters: Filters) -> int:
    where, parameters = conditions("p", "account_id", labs, filters)
    return fetch_count(PROJECTS_COUNT.format(where=where), parameters)


def projects_page(labs: Sequence[int], filters: Filters, page: Page) -> list[dict]:
    where, parameters = page_conditions("p", "account_id", labs, filters, page)
    sql = PROJECTS_PAGE.format(where=where, order=order_by("p", page))
    return fetch_all(sql, [*parameters, page.per_page, page.offset])


def project_with_funding_codes(project_id: int, labs: Sequence[int]) -> list[dict]:
    test, parameters = among(labs)
    return fetch_all(PROJECT.format(labs=test), [project_id, *parameters])


def project_selected_users(project_id: int) -> list[dict]:
    return fetch_all(PROJECT_SELECTED_USERS, [project_id])


# The user -------------------------------------------------------------------------------

USER = "SELECT u.id, u.first_name, u.last_name FROM accounts_user u WHERE u.id = %s"


def user(user_id: int) -> dict | None:
    return fetch_one(USER, [user_id])
