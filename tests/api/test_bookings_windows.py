"""Filtered booking lists choose their plan by what the filter leaves (api/queries.py,
bookings_plan): a bounded start_time window with many rows a day is read day by day on
PostgreSQL (DAY_ROWS), a narrow one through booking_lab_start and sorted (WINDOW_ROWS), a wide
one walks the list's order. Every plan must give the same answers, byte for byte."""

import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from django.core.management import call_command
from django.db import connection

from labshare.accounts.models import Account, AccountType, Membership, User
from labshare.api import queries
from labshare.api.pagination import Page
from labshare.demo.generate import REFERENCE_NOW
from labshare.oauth.tokens import demo_application, issue_tokens

SCOPES = ("read_bookings", "read_equipment")
# The start of each plan's rows: found in a statement that read them.
WINDOW_ROWS_READ = queries.WINDOW_ROWS.split("{window}")[0]
DAY_ROWS_READ = queries.DAY_ROWS.split("{window}")[0]
# Thresholds that make each plan the one chosen wherever it applies.
NEVER, ALWAYS = 10**9, 0
PLANS = {
    "walk": {"WINDOW_PLAN_ROWS": ALWAYS, "DAY_PLAN_FACTOR": NEVER},
    "window": {"WINDOW_PLAN_ROWS": NEVER, "DAY_PLAN_FACTOR": NEVER},
    "days": {"WINDOW_PLAN_ROWS": ALWAYS, "DAY_PLAN_FACTOR": ALWAYS},
}
INDIA = timezone(timedelta(hours=5, minutes=30))
# The small demo set's bookings run from a few months before its "now" to six months after.
MONTHS = [REFERENCE_NOW.replace(day=1) + timedelta(days=30 * n) for n in range(-5, 7, 2)]


@pytest.fixture
def demo_tokens(db, monkeypatch) -> dict[str, str]:
    """The small demo set, and tokens for all its labs and for its busiest lab alone."""
    monkeypatch.setenv("LABSHARE_DEMO_PASSWORD", "demo password for tests")
    call_command("demo", size="small", seed=1, now=REFERENCE_NOW.isoformat(), stdout=io.StringIO())
    user = User.objects.create(email="windows@example.org", first_name="Wendy", last_name="Window")
    labs = list(Account.objects.filter(account_type=AccountType.LAB).order_by("id"))
    Membership.objects.bulk_create([Membership(user=user, lab=lab) for lab in labs])
    busiest = max(labs, key=lambda lab: lab.provided_bookings.count())
    return {
        "all labs": issue_tokens(user, demo_application(), labs, SCOPES)["access_token"],
        "one lab": issue_tokens(user, demo_application(), [busiest], SCOPES)["access_token"],
    }


@contextmanager
def statements_run() -> Iterator[list[str]]:
    """The SQL of every statement run meanwhile (the debug log keeps only the last 9,000,
    and loading the demo set fills it)."""
    run: list[str] = []

    def record(execute, sql, params, many, context):
        run.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield run


def windows() -> list[dict]:
    """A week and a month at every position of the data range, open-ended ones, and a
    window combined with a status filter."""
    chosen = []
    for start in MONTHS:
        chosen.append(
            {"start_after": start.isoformat(), "start_before": (start + timedelta(days=7)).isoformat()}
        )
        chosen.append(
            {"start_after": start.isoformat(), "start_before": (start + timedelta(days=30)).isoformat()}
        )
    # Bounds in the middle of a UTC day, given in another offset: the days at each end are
    # partly in the window.
    middle = MONTHS[2] + timedelta(hours=13, minutes=30)
    chosen.append(
        {
            "start_after": middle.astimezone(INDIA).isoformat(),
            "start_before": (middle + timedelta(days=9, hours=7)).astimezone(INDIA).isoformat(),
        }
    )
    chosen.append({"start_before": MONTHS[1].isoformat()})
    chosen.append({"start_after": MONTHS[-2].isoformat()})
    chosen.append({"start_after": MONTHS[2].isoformat(), "status": "Completed,Cancelled"})
    return chosen


def answers(client, token: str, path: str, query: dict) -> list[tuple]:
    """Every page of a list, by page number and by following sort=updated_at's next links,
    each as its status, headers and body."""
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    pages = []
    for number in (1, 2, 3, 2):  # page 2 again: continued after its remembered start
        response = client.get(path, {**query, "per_page": 10, "page": number}, **headers)
        pages.append(summary(response))
    url, params = path, {**query, "per_page": 10, "sort": "updated_at"}
    for _ in range(3):
        response = client.get(url, params, **headers)
        pages.append(summary(response))
        links = response.headers["Link"].split(", ")
        following = [link for link in links if link.endswith('rel="next"')]
        if not following:
            break
        url, params = following[0][1 : following[0].index(">")].removeprefix("http://testserver"), {}
    return pages


def summary(response) -> tuple:
    assert response.status_code == 200, response.content
    kept = ("X-Total-Records", "X-Current-Page", "X-Per-Page", "Link")
    return response.status_code, [response.headers[name] for name in kept], response.content


def read_by(plan: str, run: list[str]) -> bool:
    marker = {"window": WINDOW_ROWS_READ, "days": DAY_ROWS_READ}.get(plan)
    if marker is None:
        return not any(WINDOW_ROWS_READ in sql or DAY_ROWS_READ in sql for sql in run)
    return any(marker in sql for sql in run)


@pytest.mark.parametrize("token_name", ["all labs", "one lab"])
@pytest.mark.parametrize("view", ["list", "detail"])
def test_it_answers_the_same_by_every_plan(client, demo_tokens, monkeypatch, token_name, view):
    token = demo_tokens[token_name]
    bodies = set()
    for query in windows():
        query = {**query, "view": view}
        by_plan = {}
        for plan, thresholds in PLANS.items():
            for name, value in thresholds.items():
                monkeypatch.setattr(queries, name, value)
            with statements_run() as run:
                by_plan[plan] = answers(client, token, "/v1/bookings", query)
            monkeypatch.undo()
            listed_any = by_plan[plan][0][1][0] != "0"
            bounded = "start_after" in query and "start_before" in query
            applies = plan != "days" or (bounded and connection.vendor == "postgresql")
            if listed_any and applies:
                assert read_by(plan, run), (plan, query)
        assert by_plan["window"] == by_plan["walk"], query
        assert by_plan["days"] == by_plan["walk"], query
        bodies.update(body for *_, body in by_plan["walk"])
    assert len(bodies) > 10, "the windows list bookings, and different ones"


def test_it_walks_the_order_when_the_window_leaves_many_rows(client, demo_tokens, monkeypatch):
    monkeypatch.setattr(queries, "WINDOW_PLAN_ROWS", 5)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {demo_tokens['all labs']}"}
    query = {"start_after": MONTHS[0].isoformat()}
    with statements_run() as run:
        response = client.get("/v1/bookings", query, **headers)
    assert int(response.headers["X-Total-Records"]) > 5
    assert not any(WINDOW_ROWS_READ in sql for sql in run)


def test_it_never_narrows_an_unfiltered_list(demo_tokens):
    assert not queries.narrow_window(queries.Filters(), 10)
    assert queries.narrow_window(queries.Filters(start_after=REFERENCE_NOW), 10)
    assert not queries.narrow_window(queries.Filters(start_after=REFERENCE_NOW), None)


def test_it_lists_the_utc_days_a_window_touches():
    after = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    assert queries.window_days(
        queries.Filters(start_after=after, start_before=after + timedelta(hours=1))
    ) == [
        date(2026, 3, 1),
        date(2026, 3, 2),
    ]
    # A window ending at midnight leaves that day out.
    midnight = datetime(2026, 3, 3, tzinfo=UTC)
    assert queries.window_days(queries.Filters(start_after=after, start_before=midnight)) == [
        date(2026, 3, 1),
        date(2026, 3, 2),
    ]
    assert queries.window_days(queries.Filters(start_after=after)) is None
    assert queries.window_days(queries.Filters(start_after=midnight, start_before=after)) == []


@pytest.mark.django_db
def test_it_reads_by_day_only_a_bounded_window_newest_first_on_postgresql():
    week = queries.Filters(start_after=REFERENCE_NOW, start_before=REFERENCE_NOW + timedelta(days=7))
    by_day = "days" if connection.vendor == "postgresql" else "window"
    # 7 days x 100 rows reached, twice over: enough rows a day.
    assert queries.bookings_plan(week, 1_400, 100, None) == by_day
    assert queries.bookings_plan(week, 1_399, 100, None) == "window"
    assert queries.bookings_plan(week, 1_400_000, 100, None) == ("days" if by_day == "days" else "walk")
    walk = Page(1, 100, by_updated_at=True)
    assert queries.bookings_plan(week, 1_400, 100, walk) == "window"
    open_ended = queries.Filters(start_after=REFERENCE_NOW)
    assert queries.bookings_plan(open_ended, 1_400, 100, None) == "window"
    assert queries.bookings_plan(queries.Filters(), 1_400, 100, None) == "walk"
    years = queries.Filters(start_after=REFERENCE_NOW, start_before=REFERENCE_NOW + timedelta(days=3650))
    assert queries.bookings_plan(years, 10_000_000, 100, None) == "walk"
