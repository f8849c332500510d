"""No two Requested or Booked bookings overlap on an instrument or within its family (a parent
and its child assets), even when requests for one slot arrive at once."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from labshare.bookings.models import Booking, BookingStatus
from labshare.bookings.services import SlotTaken, cancel_booking, request_booking
from labshare.equipment.models import Equipment
from tests.bookings.conftest import slot


def test_an_overlapping_request_is_refused_with_the_conflicting_booking(microscope, dana, bob):
    start, end = slot(hours=2)
    first = request_booking(equipment=microscope, start=start, end=end, requester=dana)
    with pytest.raises(SlotTaken) as taken:
        request_booking(
            equipment=microscope,
            start=start + timedelta(hours=1),
            end=end + timedelta(hours=1),
            requester=bob,
        )
    assert taken.value.conflict == first
    assert "Confocal microscope is already booked from" in taken.value.message
    assert Booking.objects.count() == 1


def test_back_to_back_slots_do_not_overlap(microscope, dana, bob):
    start, end = slot(hours=2)
    request_booking(equipment=microscope, start=start, end=end, requester=dana)
    request_booking(equipment=microscope, start=end, end=end + timedelta(hours=1), requester=bob)
    assert Booking.objects.count() == 2


def test_a_parent_and_its_child_assets_are_one_family(microscope, stage, dana, bob):
    objective = Equipment.objects.create(
        lab=microscope.lab, name="Objective", parent=microscope, booking_access=microscope.booking_access
    )
    start, end = slot()
    request_booking(equipment=stage, start=start, end=end, requester=dana)
    for equipment in (microscope, objective, stage):
        with pytest.raises(SlotTaken):
            request_booking(equipment=equipment, start=start, end=end, requester=bob)


def test_declined_and_cancelled_bookings_free_the_slot(microscope, dana, bob):
    start, end = slot()
    first = request_booking(equipment=microscope, start=start, end=end, requester=dana)
    cancel_booking(booking=first, by=dana)
    second = request_booking(equipment=microscope, start=start, end=end, requester=bob)
    assert second.status == BookingStatus.REQUESTED


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the exclusion constraint is PostgreSQL's")
def test_postgresql_refuses_an_overlap_written_past_the_domain_functions(microscope, stage, dana):
    start, end = slot()
    first = request_booking(equipment=microscope, start=start, end=end, requester=dana)
    overlap = Booking(
        equipment=stage,
        requester=dana,
        requester_lab=first.requester_lab,
        creator=dana,
        start_time=start + timedelta(minutes=30),
        end_time=end,
    )
    with pytest.raises(IntegrityError, match="booking_no_overlap_in_family"), transaction.atomic():
        overlap.save()


def _in_thread(target) -> threading.Thread:
    def run() -> None:
        try:
            target()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_of_concurrent_requests_for_one_slot_exactly_one_wins(microscope, stage, dana, bob, alice):
    start, end = slot(hours=3)
    people = [dana, bob, alice, dana]
    equipment = [microscope, stage, microscope, stage]
    ready = threading.Barrier(len(people))
    won, taken, failed = [], [], []

    def request(index: int):
        def attempt() -> None:
            ready.wait()
            try:
                won.append(
                    request_booking(
                        equipment=equipment[index],
                        start=start + timedelta(minutes=15 * index),
                        end=end,
                        requester=people[index],
                    )
                )
            except SlotTaken as error:
                taken.append(error)
            except Exception as error:  # anything else is a failure of the rule
                failed.append(error)

        return attempt

    threads = [_in_thread(request(i)) for i in range(len(people))]
    for thread in threads:
        thread.join(60)
    assert not failed
    assert len(won) == 1 and len(taken) == len(people) - 1
    assert {error.conflict.pk for error in taken} == {won[0].pk}
    assert Booking.objects.filter(status__in=["Requested", "Booked"]).count() == 1


def _someone_waits_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_a_request_that_passed_the_check_while_the_winner_was_uncommitted_is_refused(microscope, dana, bob):
    """The winner has inserted but not committed; the loser's check cannot see it yet. On
    PostgreSQL its insert waits on the exclusion constraint and fails when the winner commits;
    on SQLite its BEGIN IMMEDIATE waits for the winner, and its check then sees the slot taken."""
    start, end = slot()
    inserted, outcome = threading.Event(), {}

    def winner() -> None:
        with transaction.atomic():
            outcome["winner"] = request_booking(equipment=microscope, start=start, end=end, requester=dana)
            inserted.set()
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                if connection.vendor == "postgresql" and _someone_waits_for_a_lock():
                    break
                time.sleep(0.05 if connection.vendor == "postgresql" else 0.5)
                if connection.vendor == "sqlite":
                    break

    def loser() -> None:
        inserted.wait(10)
        try:
            outcome["loser"] = request_booking(equipment=microscope, start=start, end=end, requester=bob)
        except SlotTaken as error:
            outcome["taken"] = error

    threads = [_in_thread(winner), _in_thread(loser)]
    for thread in threads:
        thread.join(30)
    assert "loser" not in outcome
    assert outcome["taken"].conflict.pk == outcome["winner"].pk
    assert Booking.objects.count() == 1
