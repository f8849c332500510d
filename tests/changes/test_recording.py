"""The triggers record every write, whatever made it, in the writing transaction."""

import pytest
from django.db import connection, transaction

from labshare.accounts.models import Group
from labshare.bookings.models import Booking, BookingNote, BookingStatus
from labshare.bookings.services import add_note, request_booking
from labshare.changes.models import Change
from labshare.changes.recording import RECORDINGS, TYPES, tables, triggers
from labshare.projects.models import FundingCode
from tests.bookings.fixtures import slot


def changes(after: int = 0) -> list[tuple]:
    return list(
        Change.objects.filter(id__gt=after).order_by("txid", "id").values_list("type", "record_id", "action")
    )


def last_id() -> int:
    return Change.objects.order_by("-id").values_list("id", flat=True).first() or 0


@pytest.fixture
def booking(microscope, bob):
    start, end = slot()
    return request_booking(equipment=microscope, start=start, end=end, requester=bob)


def test_it_makes_a_trigger_for_each_operation_on_each_recorded_table():
    create, drop = triggers("sqlite")
    assert len(create) == len(drop) == 3 * len(tables())
    assert {recording.type for recording in RECORDINGS} == {*TYPES, "memberships", "authorisations"}


def test_it_records_a_create_update_and_delete_with_the_lab(microscope, graphene_lab):
    before = last_id()
    microscope.name = "Confocal 2"
    microscope.save()
    pk = microscope.pk
    microscope.delete()
    rows = Change.objects.filter(id__gt=before).order_by("id")
    assert [(c.type, c.record_id, c.action, c.lab_id) for c in rows] == [
        ("equipment", pk, "updated", graphene_lab.pk),
        ("equipment", pk, "deleted", graphene_lab.pk),
    ]
    assert all(c.occurred_at is not None for c in rows)


def test_it_records_queryset_updates_and_deletes(booking):
    before = last_id()
    Booking.objects.filter(pk=booking.pk).update(status=BookingStatus.BOOKED)
    BookingNote.objects.filter(booking=booking).delete()
    Booking.objects.filter(pk=booking.pk).delete()
    assert changes(before)[0] == ("bookings", booking.pk, "updated")
    assert changes(before)[-1] == ("bookings", booking.pk, "deleted")


def test_it_records_the_lab_a_booking_moved_from(booking, graphene_lab, chemistry_lab):
    before = last_id()
    Booking.objects.filter(pk=booking.pk).update(provider_lab=chemistry_lab)
    change = Change.objects.get(id__gt=before)
    assert (change.lab_id, change.old_lab_id) == (chemistry_lab.pk, graphene_lab.pk)


def test_a_note_a_project_s_funding_code_and_a_group_member_update_what_shows_them(
    booking, bob, dana, dana_project, graphene_lab
):
    booking.projects.add(dana_project)
    before = last_id()
    add_note(booking=booking, by=bob, message="Bring samples", public=True)
    assert changes(before) == [("bookings", booking.pk, "updated")] * 2  # the note, and updated_at
    before = last_id()
    FundingCode.objects.create(project=dana_project, code="EP/X02")
    assert changes(before) == [("projects", dana_project.pk, "updated"), ("bookings", booking.pk, "updated")]
    group = Group.objects.create(lab=graphene_lab, name="Cryo")
    before = last_id()
    group.members.add(dana)
    group.members.remove(dana)
    assert changes(before) == [("groups", group.pk, "updated")] * 2


def test_a_request_records_the_booking_and_its_form_response(microscope, bob, graphene_form):
    before = last_id()
    start, end = slot()
    booking = request_booking(
        equipment=microscope, start=start, end=end, requester=bob, answers=[None, 3, "GFP"], note="Hi"
    )
    recorded = changes(before)
    assert recorded[0] == ("bookings", booking.pk, "created")
    response = booking.custom_form_responses.get()
    assert ("custom_form_responses", response.pk, "created") in recorded
    assert {change[0] for change in recorded} == {"bookings", "custom_form_responses"}


def test_a_rolled_back_write_records_nothing(microscope):
    before = last_id()
    with pytest.raises(RuntimeError), transaction.atomic():
        microscope.delete()
        raise RuntimeError
    assert changes(before) == []


def test_the_transaction_id_is_the_writer_s_on_postgresql_and_zero_on_sqlite(microscope):
    change = Change.objects.filter(type="equipment", record_id=microscope.pk).get()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_xact_id()::text::bigint")
            assert change.txid == cursor.fetchone()[0]  # the test's own transaction wrote it
    else:
        assert change.txid == 0
