"""labshare.changes.feed: reading the record in order, as labs see it. On PostgreSQL a reader
sees only committed transactions older than every running one, so these tests commit."""

import pytest

from labshare.bookings.models import Booking
from labshare.bookings.services import add_note, request_booking
from labshare.changes import feed
from labshare.equipment.models import Equipment
from tests.bookings.fixtures import slot

pytestmark = pytest.mark.django_db(transaction=True)


def follow(labs, cursor, **options) -> tuple[list[dict], str]:
    """Every change after the cursor, page after page."""
    seen = []
    while True:
        page = feed.read(labs, after=cursor, **options)
        seen += page.changes
        cursor = page.cursor
        if not page.has_more:
            return seen, cursor


def test_without_a_cursor_it_answers_none_and_the_cursor_of_now(microscope, graphene_lab):
    page = feed.read([graphene_lab.pk])
    assert page.changes == []
    later, _ = follow([graphene_lab.pk], page.cursor)
    assert later == []


def test_it_reads_changes_in_order_with_each_record_as_its_detail(
    microscope, bob, graphene_lab, client, alice_token
):
    cursor = feed.read([graphene_lab.pk]).cursor
    start, end = slot()
    booking = request_booking(equipment=microscope, start=start, end=end, requester=bob)
    add_note(booking=booking, by=bob, message="Samples ready", public=True)
    microscope.name = "Confocal LSM"
    microscope.save()
    seen, cursor = follow([graphene_lab.pk], cursor)
    assert [(c["type"], c["id"], c["action"]) for c in seen] == [
        ("bookings", booking.pk, "created"),  # the request and its note, merged
        ("equipment", microscope.pk, "updated"),
    ]
    detail = client.get(f"/v1/bookings/{booking.pk}", HTTP_AUTHORIZATION=f"Bearer {alice_token}")
    assert seen[0]["record"] == detail.json()
    assert seen[1]["record"]["name"] == "Confocal LSM"
    assert follow([graphene_lab.pk], cursor)[0] == []


def test_other_labs_see_nothing_and_a_move_out_reads_as_deleted(microscope, bob, graphene_lab, chemistry_lab):
    start, end = slot()
    booking = request_booking(equipment=microscope, start=start, end=end, requester=bob)
    cursor = feed.read([graphene_lab.pk]).cursor
    Booking.objects.filter(pk=booking.pk).update(provider_lab=chemistry_lab)
    graphene, _ = follow([graphene_lab.pk], cursor)
    chemistry, _ = follow([chemistry_lab.pk], cursor)
    assert [(c["id"], c["action"], "record" in c) for c in graphene] == [(booking.pk, "deleted", False)]
    assert [(c["id"], c["action"]) for c in chemistry] == [(booking.pk, "created")]
    assert follow([], cursor)[0] == []


def test_a_deletion_is_a_tombstone_and_pages_follow_the_limit(graphene_lab):
    cursor = feed.read([graphene_lab.pk]).cursor
    made = [Equipment.objects.create(lab=graphene_lab, name=f"Balance {n}") for n in range(5)]
    Equipment.objects.filter(pk=made[0].pk).delete()
    first = feed.read([graphene_lab.pk], after=cursor, limit=2)
    assert len(first.changes) == 2 and first.has_more
    rest, _ = follow([graphene_lab.pk], first.cursor, limit=2)
    seen = first.changes + rest
    # The first one was deleted before it was read: it is read as deleted alone.
    assert [(c["id"], c["action"]) for c in seen] == [
        *((e.pk, "created") for e in made[1:]),
        (made[0].pk, "deleted"),
    ]


def test_types_narrow_what_is_read(microscope, bob, graphene_lab):
    cursor = feed.read([graphene_lab.pk]).cursor
    start, end = slot()
    request_booking(equipment=microscope, start=start, end=end, requester=bob)
    microscope.save()
    seen, _ = follow([graphene_lab.pk], cursor, types=["equipment"])
    assert [c["type"] for c in seen] == ["equipment"]


@pytest.mark.parametrize("cursor", ["", "!!", "MQ", "bm90LmEubnVtYmVy", "MS4yLjM", "LTEuMg"])
def test_a_cursor_it_did_not_write_is_refused(cursor):
    with pytest.raises(feed.BadCursor):
        feed.read([1], after=cursor)
