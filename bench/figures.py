"""A figure of the bench, and the filtered figures: date windows over the whole data range,
a status filter and an incremental sync (`updated_since` with `sort=updated_at`), on
/v1/bookings and /v1/equipment/{id}/bookings, for a token of every lab and one of one lab.

Each figure is compared with the unfiltered first page of the same list for the same token
(`reference`): for the one-lab token those unfiltered figures are measured here too.
"""

import argparse
import os
import statistics
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import psycopg

WINDOW = timedelta(days=7)
# The status a filter asks for: the rarest in the past, so an index in the lists' order
# walks far to fill a page.
STATUS = "Requested"
# An incremental sync asks for what changed since about the last percent of the changes.
UPDATED_SINCE_QUANTILE = 0.99
ONE_LAB_EMAIL = "bench-one-lab@bench.labshare.test"


@dataclass
class Scenario:
    name: str
    title: str
    paths: list[str]
    token: str = ""  # the bench's token for every lab when empty
    reference: str = ""  # a filtered figure: the name of the unfiltered one it is compared with


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def windows(first: datetime, last: datetime, count: int) -> list[tuple[datetime, datetime]]:
    """`count` week-long windows from the first booking's day to the last one's, evenly spaced."""
    start = first.replace(hour=0, minute=0, second=0, microsecond=0)
    span = max(last - WINDOW - start, timedelta(0))
    steps = max(count - 1, 1)
    return [(start + span * i / steps, start + span * i / steps + WINDOW) for i in range(count)]


def window_query(window: tuple[datetime, datetime]) -> str:
    return f"start_after={stamp(window[0])}&start_before={stamp(window[1])}"


def busiest_lab(url: str) -> int:
    with psycopg.connect(url) as connection:
        return connection.execute(
            "SELECT provider_lab_id FROM bookings_booking GROUP BY provider_lab_id "
            "ORDER BY COUNT(*) DESC, provider_lab_id LIMIT 1"
        ).fetchone()[0]


def one_lab_token(lab_id: int, scopes: tuple[str, ...]) -> str:
    """A fresh token of a bench user who is a member of that lab alone."""
    from labshare.accounts.models import Account, Membership, User
    from labshare.oauth.tokens import demo_application, issue_tokens

    user, _ = User.objects.get_or_create(
        email=ONE_LAB_EMAIL, defaults={"first_name": "Bench", "last_name": "One lab"}
    )
    lab = Account.objects.get(id=lab_id)
    Membership.objects.get_or_create(user=user, lab=lab)
    return issue_tokens(user, demo_application(), [lab], scopes)["access_token"]


def data_range(url: str, labs: list[int]) -> tuple[datetime, datetime, datetime]:
    """The first and last start time of the labs' bookings, and the updated_since of a sync."""
    with psycopg.connect(url) as connection:
        return connection.execute(
            "SELECT MIN(start_time), MAX(start_time), "
            "percentile_disc(%s) WITHIN GROUP (ORDER BY updated_at) "
            "FROM bookings_booking WHERE provider_lab_id = ANY(%s)",
            [UPDATED_SINCE_QUANTILE, labs],
        ).fetchone()


def equipment_of(url: str, labs: list[int], count: int) -> list[int]:
    """A fixed sample of the labs' equipment that has bookings."""
    with psycopg.connect(url) as connection:
        return [
            row[0]
            for row in connection.execute(
                "SELECT e.id FROM equipment_equipment e WHERE e.lab_id = ANY(%s) "
                "AND EXISTS (SELECT 1 FROM bookings_booking b WHERE b.equipment_id = e.id) "
                "ORDER BY md5(e.id::text) LIMIT %s",
                [labs, count],
            )
        ]


def unfiltered_for(url: str, who: str, token: str, labs: list[int]) -> list[Scenario]:
    """Page 1 of the bookings list and of equipment bookings for a token other than the
    bench's own: what its filtered figures are compared with."""
    equipment = equipment_of(url, labs, 100)
    return [
        Scenario(f"{who}_bookings_page_1", f"{who}: bookings page 1", ["/v1/bookings"], token),
        Scenario(
            f"{who}_equipment_bookings",
            f"{who}: equipment bookings",
            [f"/v1/equipment/{i}/bookings" for i in equipment],
            token,
        ),
    ]


def filtered_for(
    url: str, who: str, token: str, labs: list[int], window_count: int, references: dict[str, str]
) -> list[Scenario]:
    """The filtered figures of one token. `references` names the unfiltered figures of its
    bookings list ("bookings") and equipment bookings ("equipment")."""
    first, last, since = data_range(url, labs)
    spread = windows(first, last, window_count)
    equipment = equipment_of(url, labs, 100)
    status = f"status={STATUS}"
    sync = f"updated_since={stamp(since)}&sort=updated_at"
    figures = [
        Scenario(
            f"{who}_bookings_window_{number}",
            f"{who}: bookings {window[0]:%Y-%m-%d} +7d",
            [f"/v1/bookings?{window_query(window)}"],
            token,
            references["bookings"],
        )
        for number, window in enumerate(spread, 1)
    ]
    figures += [
        Scenario(
            f"{who}_bookings_status",
            f"{who}: bookings {status}",
            [f"/v1/bookings?{status}"],
            token,
            references["bookings"],
        ),
        Scenario(
            f"{who}_bookings_updated_since",
            f"{who}: bookings updated_since",
            [f"/v1/bookings?{sync}"],
            token,
            references["bookings"],
        ),
        Scenario(
            f"{who}_equipment_windows",
            f"{who}: equipment, {len(spread)} windows",
            [
                f"/v1/equipment/{i}/bookings?{window_query(spread[n % len(spread)])}"
                for n, i in enumerate(equipment)
            ],
            token,
            references["equipment"],
        ),
        Scenario(
            f"{who}_equipment_status",
            f"{who}: equipment {status}",
            [f"/v1/equipment/{i}/bookings?{status}" for i in equipment],
            token,
            references["equipment"],
        ),
        Scenario(
            f"{who}_equipment_updated_since",
            f"{who}: equipment updated_since",
            [f"/v1/equipment/{i}/bookings?{sync}" for i in equipment],
            token,
            references["equipment"],
        ),
    ]
    return figures


# Database time alone ----------------------------------------------------------------------
# `python bench/figures.py --database-url URL` prints, for every filtered figure and the
# unfiltered page 1 it is compared with, the database cost of the statements the API runs
# for it (captured as pg_alone does, run one at a time): median and least time of `--repeat`
# runs, the buffers touched, and the ratios to the unfiltered figure (the least time, which a
# loaded machine disturbs least, and the buffers). A quick check of a plan on a copy of the
# data, without servers or load. It writes a bench user, its memberships and tokens there.

BENCH_EMAIL = "bench@bench.labshare.test"
SCOPES = ("read_bookings", "read_equipment", "read_accounts")


def token_for_every_lab() -> tuple[str, list[int]]:
    from labshare.accounts.models import Account, AccountType, Membership, User
    from labshare.oauth.tokens import demo_application, issue_tokens

    user, _ = User.objects.get_or_create(
        email=BENCH_EMAIL, defaults={"first_name": "Bench", "last_name": "Load"}
    )
    labs = list(Account.objects.filter(account_type=AccountType.LAB).order_by("id"))
    Membership.objects.bulk_create([Membership(user=user, lab=lab) for lab in labs], ignore_conflicts=True)
    return issue_tokens(user, demo_application(), labs, SCOPES)["access_token"], [lab.id for lab in labs]


def all_scenarios(url: str, windows_count: int) -> list[Scenario]:
    token, labs = token_for_every_lab()
    lab = busiest_lab(url)
    single = one_lab_token(lab, SCOPES)
    every = unfiltered_for(url, "every lab", token, labs)
    one = unfiltered_for(url, "one lab", single, [lab])
    return [
        *every,
        *filtered_for(
            url,
            "every lab",
            token,
            labs,
            windows_count,
            {"bookings": every[0].name, "equipment": every[1].name},
        ),
        *one,
        *filtered_for(
            url, "one lab", single, [lab], windows_count, {"bookings": one[0].name, "equipment": one[1].name}
        ),
    ]


def database_cost(raw: psycopg.Connection, statements: list[str], repeat: int) -> tuple[float, float, int]:
    """The median and the least wall time of running the statements one after the other,
    prepared as pgbench -M prepared runs them (planning left out), in ms; and the buffers they
    touch, which the machine's load does not change."""
    runs = []
    for _ in range(repeat + 1):  # the first run warms the cache and is left out
        started = time.perf_counter()
        for statement in statements:
            raw.execute(statement, prepare=True).fetchall()
        runs.append((time.perf_counter() - started) * 1000)
    buffers = 0
    for statement in statements:
        plan = raw.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {statement}").fetchone()[0][0]["Plan"]
        buffers += plan["Shared Hit Blocks"] + plan["Shared Read Blocks"]
    return statistics.median(runs[1:]), min(runs[1:]), buffers


def main() -> None:
    parser = argparse.ArgumentParser(description="Database time of the filtered figures.")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--windows", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--paths", type=int, default=20, help="Paths of a many-path figure timed.")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "labshare.settings")
    import django

    django.setup()
    import pg_alone

    scenarios = all_scenarios(args.database_url, args.windows)
    least: dict[str, float] = {}
    touched: dict[str, float] = {}
    print(f"{'figure':<44}{'median ms':>10}{'least ms':>10}{'ratio':>8}{'buffers':>9}{'ratio':>8}")
    with psycopg.connect(args.database_url, autocommit=True) as raw:
        for scenario in scenarios:
            costs = [
                database_cost(raw, pg_alone.capture(path, scenario.token, raw).statements, args.repeat)
                for path in scenario.paths[: args.paths]
            ]
            median = statistics.mean(cost[0] for cost in costs)
            least[scenario.name] = statistics.mean(cost[1] for cost in costs)
            touched[scenario.name] = statistics.mean(cost[2] for cost in costs)
            name, reference = scenario.name, scenario.reference
            time_ratio = f"{least[name] / least[reference]:7.2f}x" if reference else " " * 8
            buffer_ratio = f"{touched[name] / touched[reference]:7.2f}x" if reference else ""
            print(
                f"{scenario.title:<44}{median:10.2f}{least[name]:10.2f}{time_ratio}"
                f"{touched[name]:9.0f}{buffer_ratio}",
                flush=True,
            )


if __name__ == "__main__":
    main()
