"""One test per write path: each records its change in the record, whatever made it."""

import io
import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from labshare.accounts.models import User
from labshare.bookings.models import Booking
from labshare.changes.models import Change
from labshare.equipment.models import Equipment
from labshare.oauth.tokens import issue_tokens
from tests.bookings.fixtures import LONDON, slot


def recorded(type_: str, record_id: int) -> list[str]:
    return list(
        Change.objects.filter(type=type_, record_id=record_id).order_by("id").values_list("action", flat=True)
    )


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_booking_page_records_the_request(microscope, bob):
    start, end = slot()
    form = {
        "start": start.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M"),
        "end": end.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M"),
        "lab": bob.memberships.get().lab_id,
        "confirm": "1",
    }
    response = signed_in(bob).post(f"/equipment/{microscope.pk}/book", form)
    assert response.status_code == 302
    assert recorded("bookings", Booking.objects.get().pk)[0] == "created"


def test_the_write_api_records_the_request_and_its_cancellation(
    client, microscope, bob, chemistry_lab, alice_app
):
    token = issue_tokens(bob, alice_app, [chemistry_lab], ["read_bookings", "write_bookings"])["access_token"]
    start, end = slot()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    body = {"equipment_id": microscope.pk, "start_time": start.isoformat(), "end_time": end.isoformat()}
    made = client.post("/v1/bookings", json.dumps(body), content_type="application/json", **headers)
    assert made.status_code == 201, made.content
    booking_id = made.json()["id"]
    cancelled = client.post(
        f"/v1/bookings/{booking_id}/cancel", "{}", content_type="application/json", **headers
    )
    assert cancelled.status_code == 200
    actions = recorded("bookings", booking_id)
    assert actions[0] == "created" and actions[-1] == "updated" and len(actions) >= 2


def test_the_admin_records_a_deletion(alice, microscope):
    User.objects.filter(pk=alice.pk).update(is_staff=True, is_superuser=True)
    alice.refresh_from_db()
    response = signed_in(alice).post(
        reverse("admin:equipment_equipment_changelist"),
        {"action": "delete_selected", "_selected_action": [microscope.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Equipment.objects.filter(pk=microscope.pk).exists()
    assert recorded("equipment", microscope.pk) == ["created", "deleted"]


def test_the_demo_records_one_creation_per_record(db):
    call_command("demo", size="40", stdout=io.StringIO())
    created = set(
        Change.objects.filter(type="bookings", action="created").values_list("record_id", flat=True)
    )
    assert created == set(Booking.objects.values_list("pk", flat=True)) and created
    equipment = set(Change.objects.filter(type="equipment").values_list("record_id", flat=True))
    assert equipment == set(Equipment.objects.values_list("pk", flat=True))
    # The demo's triggers are back after its bulk load: the next write is recorded.
    booking = Booking.objects.first()
    booking.save()
    assert recorded("bookings", booking.pk) == ["created", "updated"]


@pytest.mark.parametrize("replace", [True])
def test_the_demo_replacing_its_data_records_the_deletions(db, replace):
    call_command("demo", size="40", stdout=io.StringIO())
    first = set(Booking.objects.values_list("pk", flat=True))
    call_command("demo", size="40", seed=2, replace=replace, stdout=io.StringIO())
    deleted = set(
        Change.objects.filter(type="bookings", action="deleted").values_list("record_id", flat=True)
    )
    assert deleted == first
