"""Deep pages of /v1/bookings continue after a remembered row instead of skipping rows.

Whichever way a page is read (OFFSET, or after the row that ends the page before), it holds
the same bookings in the same order; any write makes the remembered starts unreadable.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from labshare.bookings.models import Booking
from labshare.equipment.models import Equipment
from tests.api.conftest import at, make_booking

PER_PAGE = 7


@pytest.fixture
def bookings(graphene_lab, optics_lab, alice):
    """40 bookings over two labs, in runs that share a created_at (ties are ordered by id)."""
    microscope = Equipment.objects.create(lab=graphene_lab, name="Microscope")
    laser = Equipment.objects.create(lab=optics_lab, name="Laser")
    for index in range(40):
        equipment = microscope if index % 2 else laser
        make_booking(equipment, alice, graphene_lab, days=index // 3)
    return Booking.objects.order_by("-created_at", "-id")


def ids_of(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()]


def read(api, token, page: int, **query) -> tuple[list[int], bool]:
    """The page's ids, and whether it was read after a remembered row."""
    with CaptureQueriesContext(connection) as queries:
        response = api("/v1/bookings", token, page=page, per_page=PER_PAGE, **query)
    continued = any("start.id" in query["sql"] for query in queries.captured_queries)
    return ids_of(response), continued


def expected(bookings, page: int) -> list[int]:
    start = (page - 1) * PER_PAGE
    return list(bookings.values_list("id", flat=True)[start : start + PER_PAGE])


def test_it_reads_a_deep_page_again_after_its_remembered_start(bookings, alice_token, api):
    first, continued_first = read(api, alice_token, 4)
    again, continued_again = read(api, alice_token, 4)
    assert first == again == expected(bookings, 4)
    assert (continued_first, continued_again) == (False, True)


def test_it_continues_a_walk_through_every_page(bookings, alice_token, api):
    walked, continued = [], []
    for page in range(1, 7):
        ids, was_continued = read(api, alice_token, page)
        walked.extend(ids)
        continued.append(was_continued)
    assert walked == list(bookings.values_list("id", flat=True))
    assert continued == [False, True, True, True, True, True]


def test_it_forgets_page_starts_when_a_booking_changes(bookings, alice_token, api):
    read(api, alice_token, 3)
    newest = bookings.first()
    newest.delete()
    ids, continued = read(api, alice_token, 3)
    assert not continued
    assert ids == expected(Booking.objects.order_by("-created_at", "-id"), 3)


def test_it_remembers_starts_per_filter_and_view(bookings, alice_token, api):
    read(api, alice_token, 2)
    detailed, continued = read(api, alice_token, 2, view="detail")
    assert not continued and detailed == expected(bookings, 2)
    filtered, continued = read(api, alice_token, 2, start_after=(at(0) + timedelta(days=25)).isoformat())
    assert not continued
    assert filtered == expected(bookings.filter(start_time__gte=at(0) + timedelta(days=25)), 2)
