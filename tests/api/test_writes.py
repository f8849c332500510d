"""The write API (an extension): POST /v1/bookings and the actions on a booking."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from labshare.accounts.models import Membership, Role
from labshare.api.models import IdempotentRequest
from labshare.bookings.models import Booking, BookingNote
from labshare.oauth.tokens import issue_tokens

WRITE = ("read_bookings", "write_bookings")


def week_ahead(hour: int, days: int = 9) -> str:
    """A wall-clock time `days` ahead, without an offset (the lab's own time)."""
    day = (timezone.now() + timedelta(days=days)).date()
    return f"{day.isoformat()}T{hour:02d}:00:00"


@pytest.fixture
def post(client):
    """POST a JSON body to a /v1 path with a bearer token: post(path, token, body, **headers)."""

    def send(path: str, token: str, body: object, **headers):
        return client.post(
            path,
            json.dumps(body) if not isinstance(body, bytes) else body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
            **{f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()},
        )

    return send


@pytest.fixture
def writer(token_with):
    return token_with(*WRITE)


def laser_request(**fields) -> dict:
    return {"start_time": week_ahead(10), "end_time": week_ahead(12), **fields}


def test_it_requests_a_booking_and_answers_it_as_the_detail_does(world, writer, post, api):
    r = post("/v1/bookings", writer, laser_request(equipment_id=world.laser.pk, note="Alignment run"))
    assert r.status_code == 201, r.content
    body = r.json()
    assert r["Location"] == f"http://testserver/v1/bookings/{body['id']}"
    assert body == api(f"/v1/bookings/{body['id']}", writer).json()
    assert body["status"] == "Requested"
    assert body["equipment"]["id"] == world.laser.pk
    assert body["requester_lab"]["id"] == world.optics_lab.pk
    assert body["last_public_note"]["message"] == "Alignment run"


def test_it_reads_times_without_an_offset_in_the_lab_s_time_zone(world, writer, post):
    # The laser's Optics Lab keeps UTC; the microscope's Graphene Lab London time.
    r = post("/v1/bookings", writer, laser_request(equipment_id=world.laser.pk))
    booking = Booking.objects.get(pk=r.json()["id"])
    assert booking.start_time == datetime.fromisoformat(week_ahead(10)).replace(tzinfo=UTC)


def test_it_refuses_a_wall_clock_time_the_clocks_skip(world, writer, post):
    # 2027-03-28 01:30 does not exist in London: the clocks go from 01:00 to 02:00.
    r = post(
        "/v1/bookings",
        writer,
        {
            "equipment_id": world.microscope.pk,
            "start_time": "2027-03-28T01:30:00",
            "end_time": "2027-03-28T03:00",
        },
    )
    assert r.status_code == 422
    assert r.json()["parameter"] == "start_time"
    assert "clock change" in r.json()["error_description"]
    assert not Booking.objects.filter(start_time__year=2027).exists()


def test_it_answers_409_with_the_slot_that_holds_the_time(world, writer, post):
    first = post("/v1/bookings", writer, laser_request(equipment_id=world.laser.pk))
    second = post(
        "/v1/bookings",
        writer,
        {"equipment_id": world.laser.pk, "start_time": week_ahead(11), "end_time": week_ahead(13)},
    )
    assert second.status_code == 409
    body = second.json()
    assert body["error"] == "slot_taken"
    assert body["conflict"]["booking_id"] == first.json()["id"]
    assert body["conflict"]["start_time"] == first.json()["start_time"]
    assert Booking.objects.filter(equipment=world.laser, start_time__gt=timezone.now()).count() == 1


def test_it_names_each_invalid_custom_form_question_by_its_label(world, writer, post):
    fields = world.form_response.version.fields
    r = post(
        "/v1/bookings",
        writer,
        {
            "equipment_id": world.microscope.pk,
            "start_time": week_ahead(10),
            "end_time": week_ahead(11),
            "custom_form_answers": [None] * len(fields),
        },
    )
    assert r.status_code == 422, r.content
    errors = r.json()["errors"]
    required = [f["text"] for f in fields if f.get("validations", {}).get("isRequired")]
    assert required and {e["field"] for e in errors} == set(required)
    assert all(e["parameter"] == "custom_form_answers" for e in errors)
    assert not Booking.objects.filter(equipment=world.microscope, start_time__gt=timezone.now()).exists()


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        ({"equipment_id": None}, "equipment_id"),
        ({"equipment_id": "seven"}, "equipment_id"),
        ({"equipment_id": 10**30}, "equipment_id"),
        ({"start_time": None}, "start_time"),
        ({"start_time": "tomorrow", "end_time": "2030-01-01T11:00"}, "start_time"),
        ({"project_ids": "all"}, "project_ids"),
        ({"group_id": 999999}, "group_id"),
        ({"note": 5}, "note"),
    ],
)
def test_it_names_the_field_at_fault(world, writer, post, body, parameter):
    request = {
        "equipment_id": world.laser.pk,
        "start_time": week_ahead(10),
        "end_time": week_ahead(12),
        **body,
    }
    r = post("/v1/bookings", writer, request)
    assert r.status_code == 422, r.content
    assert r.json()["parameter"] == parameter
    assert not Booking.objects.filter(start_time__gt=timezone.now()).exists()


@pytest.mark.parametrize("body", [b"{", b"[1, 2]", b'"booking"'])
def test_it_refuses_a_body_that_is_not_a_json_object(world, writer, post, body):
    r = post("/v1/bookings", writer, body)
    assert r.status_code == 400
    assert r.json()["parameter"] == "body"


def test_it_needs_the_write_scope_and_leaves_the_read_api_as_it_was(world, token_with, post, api):
    reader = token_with("read_bookings")
    r = post("/v1/bookings", reader, laser_request(equipment_id=world.laser.pk))
    assert r.status_code == 403
    assert r.json()["error"] == "insufficient_scope"
    assert "write_bookings" in r["WWW-Authenticate"]
    assert api("/v1/bookings", reader).status_code == 200


def test_it_books_only_for_the_token_s_labs(world, alice, alice_app, optics_lab, post):
    # Alice belongs to the Bio Lab too, but this token may act only for the Optics Lab.
    token = issue_tokens(alice, alice_app, [optics_lab], WRITE)["access_token"]
    r = post(
        "/v1/bookings", token, laser_request(equipment_id=world.laser.pk, requester_lab_id=world.bio_lab.pk)
    )
    assert r.status_code == 403
    assert r.json()["parameter"] == "requester_lab_id"


def test_it_replays_a_retry_with_the_same_key_and_books_once(world, writer, post):
    body = laser_request(equipment_id=world.laser.pk)
    first = post("/v1/bookings", writer, body, **{"Idempotency-Key": "retry-1"})
    again = post("/v1/bookings", writer, body, **{"Idempotency-Key": "retry-1"})
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true"
    assert Booking.objects.filter(equipment=world.laser, start_time__gt=timezone.now()).count() == 1


def test_it_replays_an_error_too(world, writer, post):
    body = {"equipment_id": world.laser.pk, "start_time": "soon", "end_time": week_ahead(12)}
    first = post("/v1/bookings", writer, body, **{"Idempotency-Key": "bad-1"})
    again = post("/v1/bookings", writer, body, **{"Idempotency-Key": "bad-1"})
    assert first.status_code == again.status_code == 422
    assert again.content == first.content


def test_it_refuses_a_key_reused_for_another_request(world, writer, post):
    post("/v1/bookings", writer, laser_request(equipment_id=world.laser.pk), **{"Idempotency-Key": "k"})
    other = laser_request(equipment_id=world.laser.pk, note="another")
    r = post("/v1/bookings", writer, other, **{"Idempotency-Key": "k"})
    assert r.status_code == 422
    assert r.json()["error"] == "idempotency_key_reused"
    assert Booking.objects.filter(equipment=world.laser, start_time__gt=timezone.now()).count() == 1


def test_it_forgets_a_key_after_a_day(world, writer, post):
    body = laser_request(equipment_id=world.laser.pk)
    post("/v1/bookings", writer, body, **{"Idempotency-Key": "old"})
    IdempotentRequest.objects.update(created_at=timezone.now() - timedelta(hours=25))
    Booking.objects.filter(equipment=world.laser).delete()
    r = post("/v1/bookings", writer, body, **{"Idempotency-Key": "old"})
    assert r.status_code == 201
    assert "Idempotent-Replayed" not in r


def test_it_refuses_a_malformed_key(world, writer, post):
    r = post(
        "/v1/bookings", writer, laser_request(equipment_id=world.laser.pk), **{"Idempotency-Key": "x" * 300}
    )
    assert r.status_code == 400
    assert r.json()["parameter"] == "Idempotency-Key"


def requested(world, writer, post) -> int:
    r = post("/v1/bookings", writer, laser_request(equipment_id=world.laser.pk))
    assert r.status_code == 201, r.content
    return r.json()["id"]


def test_an_administrator_of_the_providing_lab_approves_and_declines(world, writer, post):
    booking_id = requested(world, writer, post)
    r = post(f"/v1/bookings/{booking_id}/approve", writer, {"note": "See you then"})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "Booked"
    assert r.json()["last_public_note"]["message"] == "See you then"
    again = post(f"/v1/bookings/{booking_id}/decline", writer, {})
    assert again.status_code == 422
    assert again.json()["parameter"] == "status"


def test_a_member_who_does_not_administer_the_lab_may_not_approve(world, alice, writer, post):
    booking_id = requested(world, writer, post)
    Membership.objects.filter(user=alice, lab=world.optics_lab).update(role=Role.MEMBER)
    r = post(f"/v1/bookings/{booking_id}/approve", writer, {})
    assert r.status_code == 403
    assert Booking.objects.get(pk=booking_id).status == "Requested"


def test_another_lab_s_token_does_not_see_the_booking(world, writer, bob, alice_app, chemistry_lab, post):
    booking_id = requested(world, writer, post)
    bobs = issue_tokens(bob, alice_app, [chemistry_lab], WRITE)["access_token"]
    for action in ("approve", "decline", "cancel", "notes"):
        r = post(f"/v1/bookings/{booking_id}/{action}", bobs, {"message": "hi"})
        assert r.status_code == 404, action


def test_the_requester_cancels_with_a_reason(world, writer, post):
    booking_id = requested(world, writer, post)
    r = post(f"/v1/bookings/{booking_id}/cancel", writer, {"reason": "Samples not ready"})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "Cancelled"
    assert "Samples not ready" in r.json()["last_public_note"]["message"]


def test_it_adds_public_and_private_notes(world, writer, post):
    booking_id = requested(world, writer, post)
    public = post(f"/v1/bookings/{booking_id}/notes", writer, {"message": "Bring your own slides"})
    assert public.status_code == 201, public.content
    assert public.json()["last_public_note"]["message"] == "Bring your own slides"
    private = post(f"/v1/bookings/{booking_id}/notes", writer, {"message": "Trainee", "public": False})
    assert private.status_code == 201
    assert private.json()["last_public_note"]["message"] == "Bring your own slides"
    assert BookingNote.objects.filter(booking_id=booking_id, is_public=False, message="Trainee").exists()
    empty = post(f"/v1/bookings/{booking_id}/notes", writer, {"message": "  "})
    assert empty.status_code == 422
    assert empty.json()["parameter"] == "message"


def test_it_answers_an_unknown_booking_404_and_a_bad_id_400(world, writer, post):
    assert post("/v1/bookings/999999/cancel", writer, {}).status_code == 404
    r = post("/v1/bookings/abc/cancel", writer, {})
    assert r.status_code == 400
    assert r.json()["parameter"] == "id"
