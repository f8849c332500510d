"""A figure of the bench, and the filtered figures: date windows over the whole data range,
a status filter and an incremental sync (`updated_since` with `sort=updated_at`), on
/v1/bookings and /v1/equipment/{id}/bookings, for a token of every lab and one of one lab.

Each figure is compared with the unfiltered first page of the same list for the same token
(`reference`): for the one-lab token those unfiltered figures are measured here too.
"""

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
