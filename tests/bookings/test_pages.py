"""The booking pages' rules, through Django's test client: who sees what, and what each form does."""

from datetime import timedelta

import pytest
from django.test import Client

from labshare.bookings.models import Booking, BookingStatus
from labshare.bookings.services import request_booking
from labshare.equipment.models import BookingAccess, Equipment
from tests.bookings.fixtures import LONDON, slot


def signed_in(user) -> Client:
    client = Client(enforce_csrf_checks=False)
    client.force_login(user)  # the sign-in itself is tested in tests/oauth
    return client


def local(moment) -> str:
    return moment.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def booking(microscope, bob):
    start, end = slot()
    return request_booking(equipment=microscope, start=start, end=end, requester=bob)


def test_pages_need_a_sign_in(client, microscope):
    for path in (
        "/equipment",
        f"/equipment/{microscope.pk}",
        f"/equipment/{microscope.pk}/book",
        "/bookings",
    ):
        response = client.get(path)
        assert response.status_code == 302 and response.url.startswith("/login"), path


def test_the_catalogue_lists_what_the_user_may_book_and_searches(microscope, graphene_lab, bob, dana):
    Equipment.objects.create(lab=graphene_lab, name="Glovebox", booking_access=BookingAccess.LAB)
    assert "Glovebox" not in signed_in(bob).get("/equipment").content.decode()
    page = signed_in(dana).get("/equipment").content.decode()
    assert "Glovebox" in page and "Confocal microscope" in page
    found = signed_in(dana).get("/equipment", {"q": "glove", "lab": graphene_lab.pk}).content.decode()
    assert "Glovebox" in found and "Confocal microscope" not in found
    assert signed_in(dana).get("/equipment", {"lab": "x", "category": "-1"}).status_code == 200


def test_equipment_closed_to_the_user_is_not_found(graphene_lab, bob):
    glovebox = Equipment.objects.create(lab=graphene_lab, name="Glovebox", booking_access=BookingAccess.LAB)
    assert signed_in(bob).get(f"/equipment/{glovebox.pk}").status_code == 404
    assert signed_in(bob).get(f"/equipment/{glovebox.pk}/book").status_code == 404


def test_the_calendar_shows_busy_slots_to_all_and_details_to_the_booker_and_administrators(
    booking, microscope, stage, dana, bob, alice
):
    week = f"?week={booking.start_time.astimezone(LONDON).date()}"
    others = signed_in(dana).get(f"/equipment/{stage.pk}{week}").content.decode()
    assert "Busy" in others and "Bob Baker" not in others
    assert local(booking.start_time)[11:] + "–" in others  # the lab's wall-clock time
    for user in (bob, alice):
        page = signed_in(user).get(f"/equipment/{microscope.pk}{week}").content.decode()
        assert "Bob Baker" in page and f"/bookings/{booking.pk}" in page


def test_a_request_is_reviewed_with_its_cost_then_confirmed(microscope, bob, graphene_form):
    start, end = slot(hours=2)
    form = {
        "start": local(start),
        "end": local(end),
        "lab": bob.memberships.get().lab_id,
        "answer_1": "4",
        "answer_2": "DAPI",
    }
    client = signed_in(bob)
    review = client.post(f"/equipment/{microscope.pk}/book", form)
    assert review.status_code == 200
    assert "120.00 GBP" in review.content.decode()
    assert not Booking.objects.exists()
    confirmed = client.post(f"/equipment/{microscope.pk}/book", {**form, "confirm": "1"})
    booking = Booking.objects.get()
    assert confirmed.status_code == 302 and confirmed.url == f"/bookings/{booking.pk}"
    assert (booking.status, booking.start_time, booking.custom_form_responses.get().answers) == (
        BookingStatus.REQUESTED,
        start,
        [None, 4, "DAPI"],
    )


def test_form_errors_are_shown_per_field(microscope, bob, graphene_form):
    start, end = slot()
    response = signed_in(bob).post(
        f"/equipment/{microscope.pk}/book",
        {"start": local(start), "end": local(end), "lab": bob.memberships.get().lab_id, "answer_1": "99"},
    )
    assert response.status_code == 400
    assert "Samples) must be at most 20" in response.context["form"].errors["answer_1"][0]
    assert not Booking.objects.exists()


def test_a_time_skipped_by_daylight_saving_is_refused(microscope, bob):
    response = signed_in(bob).post(
        f"/equipment/{microscope.pk}/book",
        {"start": "2030-03-31T01:30", "end": "2030-03-31T03:00", "lab": bob.memberships.get().lab_id},
    )
    assert response.status_code == 400
    assert "does not exist in Europe/London" in response.context["form"].errors["start"][0]


def test_a_taken_slot_is_refused_with_a_clear_message(booking, microscope, dana):
    response = signed_in(dana).post(
        f"/equipment/{microscope.pk}/book",
        {"start": local(booking.start_time), "end": local(booking.end_time), "lab": microscope.lab_id},
    )
    assert response.status_code == 400
    assert "is already booked from" in response.context["form"].errors["start"][0]


def test_only_the_labs_administrators_see_its_queue_and_decide(booking, alice, bob, dana):
    lab = booking.provider_lab_id
    assert signed_in(dana).get(f"/labs/{lab}/requests").status_code == 403
    assert signed_in(bob).post(f"/bookings/{booking.pk}/approve").status_code in (403, 404)
    assert signed_in(dana).post(f"/bookings/{booking.pk}/approve").status_code == 404
    queue = signed_in(alice).get(f"/labs/{lab}/requests")
    assert queue.status_code == 200 and f"Approve booking {booking.pk}" in queue.content.decode()
    response = signed_in(alice).post(
        f"/bookings/{booking.pk}/approve", {"note": "Welcome", "next": f"/labs/{lab}/requests"}
    )
    assert response.status_code == 302 and response.url == f"/labs/{lab}/requests"
    booking.refresh_from_db()
    assert booking.status == BookingStatus.BOOKED and booking.notes.get().message == "Welcome"


def test_actions_are_post_only_and_csrf_protected(booking, bob):
    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)
    assert client.get(f"/bookings/{booking.pk}/cancel").status_code == 405
    assert client.post(f"/bookings/{booking.pk}/cancel").status_code == 403
    booking.refresh_from_db()
    assert booking.status == BookingStatus.REQUESTED


def test_my_bookings_and_cancelling_before_the_start(booking, bob):
    client = signed_in(bob)
    page = client.get("/bookings").content.decode()
    assert f"Cancel booking {booking.pk}" in page
    response = client.post(f"/bookings/{booking.pk}/cancel", {"reason": "Ill", "next": "/bookings"})
    assert response.status_code == 302 and response.url == "/bookings"
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def test_a_next_pointing_elsewhere_is_ignored(booking, bob):
    response = signed_in(bob).post(f"/bookings/{booking.pk}/cancel", {"next": "https://evil.example/"})
    assert response.url == f"/bookings/{booking.pk}"


def test_private_notes_are_shown_to_administrators_only(booking, alice, bob):
    signed_in(alice).post(
        f"/bookings/{booking.pk}/notes", {"message": "Check invoice", "visibility": "private"}
    )
    signed_in(bob).post(f"/bookings/{booking.pk}/notes", {"message": "Running late"})
    assert "Check invoice" in signed_in(alice).get(f"/bookings/{booking.pk}").content.decode()
    mine = signed_in(bob).get(f"/bookings/{booking.pk}").content.decode()
    assert "Running late" in mine and "Check invoice" not in mine
    assert (
        signed_in(bob)
        .post(f"/bookings/{booking.pk}/notes", {"message": "x", "visibility": "private"})
        .status_code
        == 403
    )


def test_others_do_not_see_a_booking(booking, dana):
    assert signed_in(dana).get(f"/bookings/{booking.pk}").status_code == 404


def test_an_administrator_adds_maintenance_and_bad_input_is_a_400(microscope, alice, dana):
    lab = microscope.lab_id
    start, end = slot(days=12, hours=3)
    form = {"equipment": microscope.pk, "start": local(start), "end": local(end), "note": "Service"}
    assert signed_in(dana).post(f"/labs/{lab}/maintenance", form).status_code == 403
    assert signed_in(alice).post(f"/labs/{lab}/maintenance", form).status_code == 302
    booking = Booking.objects.get()
    assert booking.booking_type == "maintenance" and booking.end_time - booking.start_time == timedelta(
        hours=3
    )
    again = signed_in(alice).post(f"/labs/{lab}/maintenance", form)
    assert again.status_code == 400 and "already booked" in again.content.decode()
    assert signed_in(alice).post(f"/labs/{lab}/maintenance", {**form, "start": "soon"}).status_code == 400
