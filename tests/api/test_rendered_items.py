"""On PostgreSQL the busiest lists' items are rendered by the database (api/rendered.py): they
must be byte for byte what api/shapes.py makes of the same rows, for any text, time zone and
time stamp."""

from datetime import UTC, datetime, timedelta

import orjson
import pytest
from django.db import connection

from labshare.accounts.models import Account
from labshare.api import queries, shapes
from labshare.api.pagination import Page
from labshare.api.queries import Filters
from labshare.bookings.models import Booking, BookingNote
from labshare.equipment.models import Equipment
from tests.api.conftest import make_booking

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="only PostgreSQL renders items; SQLite shapes them in Python"
)

AWKWARD = 'Q"uote \\ back\x01\x1f\x7f\t\n\r é 🧪 \u2028 </script> {x}'
ZONES = [
    "Europe/London",
    "Asia/Kathmandu",  # +05:45
    "America/St_Johns",  # -03:30, -02:30 in summer
    "Pacific/Chatham",  # +12:45 / +13:45
    "Australia/Lord_Howe",  # a half-hour summer time
    "Africa/Monrovia",  # -00:44:30 until 1972: seconds in the offset
    "Europe/Amsterdam",
    "Etc/GMT+12",
    "UTC",
    "EST",
    # Stored around the model's validation, each reads as UTC:
    "Not/AZone",
    "europe/london",
    "posixrules",
    "O'Brien",
    "",
]
INSTANTS = [
    datetime(2022, 3, 27, 0, 59, 59, 999999, tzinfo=UTC),  # just before London's clocks go forward
    datetime(2022, 3, 27, 1, 0, tzinfo=UTC),
    datetime(2022, 10, 30, 0, 59, 59, 999500, tzinfo=UTC),  # milliseconds truncated, not rounded
    datetime(2022, 10, 30, 1, 0, 0, 1000, tzinfo=UTC),
    datetime(1900, 1, 1, 12, 0, tzinfo=UTC),  # local mean times, offsets with seconds
    datetime(1968, 5, 1, 0, 0, 0, 123456, tzinfo=UTC),
    datetime(2040, 7, 1, 23, 30, tzinfo=UTC),  # past the tables' last transition
    datetime(999, 12, 31, 23, 0, tzinfo=UTC),  # a three-digit year
]


@pytest.fixture
def awkward_bookings(world, alice) -> list[Booking]:
    """A booking at each awkward instant on the microscope, renamed awkwardly, with an awkward
    public note on every other one (and a private one, which no list shows)."""
    Equipment.objects.filter(pk=world.microscope.pk).update(name=AWKWARD)
    bookings = [
        make_booking(world.microscope, alice, world.graphene_lab, 30 + n) for n in range(len(INSTANTS))
    ]
    for n, (booking, start) in enumerate(zip(bookings, INSTANTS, strict=True)):
        Booking.objects.filter(pk=booking.pk).update(
            start_time=start, end_time=start + timedelta(microseconds=1), updated_at=start
        )
        if n % 2 == 0:
            BookingNote.objects.create(booking=booking, message=AWKWARD * (n + 1))
        BookingNote.objects.create(booking=booking, message="private", is_public=False)
    return bookings


def lab_ids(world) -> list[int]:
    return sorted([world.graphene_lab.pk, world.optics_lab.pk, world.chemistry_lab.pk, world.bio_lab.pk])


def python_bookings(labs: list[int], limit: int, offset: int) -> bytes:
    statements = {queries.WALK: queries.BOOKINGS_PAGE}
    rows = queries.planned_bookings_page(
        statements, labs, Filters(), limit, offset, None, None, None, queries.BOOKING_ITEM_COLUMNS
    )
    return orjson.dumps([shapes.booking_item(row) for row in rows])


def rendered(rows: list[dict]) -> bytes:
    assert rows and all("item" in row for row in rows)
    return orjson.dumps([orjson.Fragment(row["item"]) for row in rows])


@pytest.mark.parametrize("zone", ZONES)
def test_it_renders_bookings_as_the_python_shapes_in_every_zone(world, awkward_bookings, zone):
    Account.objects.filter(pk=world.graphene_lab.pk).update(timezone=zone)
    labs = lab_ids(world)
    for limit, offset in [(100, 0), (3, 2), (1, 7)]:
        assert rendered(queries.bookings_page(labs, Filters(), limit, offset)) == python_bookings(
            labs, limit, offset
        )


@pytest.mark.parametrize("zone", ["Asia/Kathmandu", "Not/AZone"])
def test_it_renders_equipment_bookings_as_the_python_shapes(world, awkward_bookings, zone):
    Account.objects.filter(pk=world.graphene_lab.pk).update(timezone=zone)
    labs, page = lab_ids(world), Page(1, 100)
    python_rows = queries.equipment_booking_ids_page(
        queries.EQUIPMENT_BOOKINGS_PAGE,
        world.microscope.pk,
        labs,
        Filters(),
        page,
        queries.EQUIPMENT_BOOKING_ITEM_COLUMNS,
    )
    expected = orjson.dumps([shapes.equipment_booking_item(row) for row in python_rows])
    assert rendered(queries.equipment_bookings_page(world.microscope.pk, labs, Filters(), page)) == expected


def test_it_renders_accounts_as_the_python_shapes(world):
    Account.objects.filter(pk=world.optics_lab.pk).update(name=AWKWARD)
    account_ids = sorted(Account.objects.values_list("pk", flat=True))
    page = Page(1, 100)
    where, parameters = queries.page_conditions("a", "id", account_ids, Filters(), page)
    statement = queries.ACCOUNTS_PAGE.format(
        where=where, order=queries.order_by("a", page), columns=queries.ACCOUNT_ITEM_COLUMNS
    )
    python_rows = queries.fetch_all(statement, [*parameters, page.per_page, page.offset])
    expected = orjson.dumps([shapes.account_item(row) for row in python_rows])
    assert rendered(queries.accounts_page(account_ids, Filters(), page)) == expected


def test_the_list_answers_the_rendered_items(world, awkward_bookings, api, alice_token):
    Account.objects.filter(pk=world.graphene_lab.pk).update(timezone="Asia/Kathmandu")
    answer = api("/v1/bookings", alice_token)
    labs = sorted([world.graphene_lab.pk, world.optics_lab.pk])
    assert answer.status_code == 200
    assert answer.content == python_bookings(labs, 100, 0)
    assert AWKWARD.encode() not in answer.content  # escaped, as orjson escapes it
    assert orjson.loads(answer.content)[0]["equipment"]["name"] in (AWKWARD, world.detector.name)
