"""Filtered booking lists choose their plan by what the filter leaves: a narrow start_time
window is read through booking_lab_start and sorted (api/queries.py, WINDOW_ROWS), a wide
one walks the list's order. Either plan must give the same answers, byte for byte."""

import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection

from labshare.accounts.models import Account, AccountType, Membership, User
from labshare.api import queries
from labshare.demo.generate import REFERENCE_NOW
from labshare.oauth.tokens import demo_application, issue_tokens

SCOPES = ("read_bookings", "read_equipment")
# The start of the narrowed statement's window rows: found in a statement that read them.
WINDOW_ROWS_READ = queries.WINDOW_ROWS.split("{window}")[0]
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


@pytest.mark.parametrize("token_name", ["all labs", "one lab"])
@pytest.mark.parametrize("view", ["list", "detail"])
def test_it_answers_the_same_by_either_plan(client, demo_tokens, monkeypatch, token_name, view):
    token = demo_tokens[token_name]
    bodies = set()
    for query in windows():
        query = {**query, "view": view}
        with statements_run() as narrowed_run:
            narrowed = answers(client, token, "/v1/bookings", query)
        monkeypatch.setattr(queries, "WINDOW_PLAN_ROWS", 0)
        walked = answers(client, token, "/v1/bookings", query)
        monkeypatch.undo()
        assert narrowed == walked, query
        bodies.update(body for *_, body in narrowed)
        # The small set's windows are all narrow: each that lists any was read through its rows.
        listed_any = narrowed[0][1][0] != "0"
        assert any(WINDOW_ROWS_READ in sql for sql in narrowed_run) == listed_any, query
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
