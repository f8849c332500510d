"""GET /v1/bookings"""

from datetime import UTC, datetime, timedelta

import time_machine
from django.utils import timezone

from labshare.bookings.models import BookingNote
from tests.api import samples
from tests.api.conftest import change_times, make_booking
from tests.api.contract import CHANGE_TIMES, assert_matches_contract, assert_same_shape


def test_it_lists_the_bookings_the_authorised_labs_provide(world, alice_token, api):
    response = api("/v1/bookings", alice_token)
    assert response.status_code == 200
    assert_matches_contract(response, "/bookings")
    assert [b["id"] for b in response.json()] == [world.maintenance.id, world.booking.id]
    assert response.json()[1] == {
        "id": world.booking.id,
        "start_time": "2022-03-29T09:45:00.000+01:00",
        "end_time": "2022-03-29T11:45:00.000+01:00",
        "status": "Booked",
        "booking_type": "internal",
        "equipment_id": world.microscope.id,
        "user_id": world.booking.requester_id,
        "equipment": {"name": "Titan Krios"},
        "last_public_note": {"message": "Please handle with care"},
        **change_times(world.booking),
    }
    assert response.json()[0]["last_public_note"] is None


def test_it_matches_the_reference_samples(world, alice_token, api):
    for item in api("/v1/bookings", alice_token).json():
        assert_same_shape(item, samples.BOOKING_ITEMS[1], extra=CHANGE_TIMES)


def test_it_writes_times_in_the_provider_labs_time_zone(world, alice, bio_lab, token_with, api):
    token = token_with("read_bookings", labs=(bio_lab,))
    item = api("/v1/bookings", token).json()[0]
    start = world.bio_booking.start_time.astimezone(UTC)
    assert start.hour == 12  # noon UTC is 07:00 or 08:00 in New York
    assert item["start_time"][11:] in ("07:00:00.000-05:00", "08:00:00.000-04:00")


def test_it_shows_the_newest_public_note_only(world, alice_token, api):
    BookingNote.objects.create(booking=world.maintenance, message="Hidden", is_public=False)
    items = {b["id"]: b for b in api("/v1/bookings", alice_token).json()}
    assert items[world.maintenance.id]["last_public_note"] is None


def test_it_narrows_to_a_provider_account(world, alice_token, api, alice):
    make_booking(world.laser, alice, world.optics_lab, 30)
    optics = api("/v1/bookings", alice_token, provider_account=world.optics_lab.id).json()
    assert [b["equipment_id"] for b in optics] == [world.laser.id]
    graphene = api("/v1/bookings", alice_token, provider_account=world.graphene_lab.id).json()
    assert {b["id"] for b in graphene} == {world.booking.id, world.maintenance.id}
    # A department or an organisation: the authorised labs in it.
    assert len(api("/v1/bookings", alice_token, provider_account=world.physics.id).json()) == 3
    assert len(api("/v1/bookings", alice_token, provider_account=world.cambridge.id).json()) == 3


def test_it_filters_for_incremental_sync(world, alice_token, api):
    def listed(**query) -> set[int]:
        response = api("/v1/bookings", alice_token, **query)
        assert response.status_code == 200, response.json()
        assert int(response["X-Total-Records"]) == len(response.json())
        return {b["id"] for b in response.json()}

    both = {world.booking.id, world.maintenance.id}
    assert listed() == both
    assert listed(status="booked") == {world.booking.id}
    assert listed(status="COMPLETED,booked") == both
    assert listed(status="Cancelled") == set()
    start = world.booking.start_time
    assert listed(start_after=start.isoformat()) == both
    assert listed(start_after=(start + timedelta(seconds=1)).isoformat()) == {world.maintenance.id}
    assert listed(start_before=start.isoformat()) == set()
    assert listed(start_before="2022-03-29T09:46:00+01:00") == {world.booking.id}
    assert listed(start_after="2022-03-29", start_before="2022-03-30") == {world.booking.id}
    future = (timezone.now() + timedelta(days=1)).isoformat()
    assert listed(updated_since=future) == set()
    a_day_later = timezone.now() + timedelta(days=1, hours=1)
    with time_machine.travel(a_day_later):
        world.maintenance.status = "Cancelled"
        world.maintenance.save()
    assert listed(updated_since=future) == {world.maintenance.id}


def test_it_answers_as_before_without_the_filters(world, alice_token, api):
    plain = api("/v1/bookings", alice_token)
    assert plain.json() == api("/v1/bookings", alice_token, page=1, per_page=100).json()
    assert "updated_since" not in plain["Link"]


def test_it_accepts_an_offset_written_with_an_encoded_plus(world, alice_token, api, client):
    response = client.get(
        "/v1/bookings?start_before=2022-03-29T09:46:00%2B01:00", HTTP_AUTHORIZATION=f"Bearer {alice_token}"
    )
    assert [b["id"] for b in response.json()] == [world.booking.id]
    unencoded = client.get(
        "/v1/bookings?start_before=2022-03-29T09:46:00+01:00", HTTP_AUTHORIZATION=f"Bearer {alice_token}"
    )
    assert unencoded.status_code == 400
    assert "%2B" in unencoded.json()["error_description"]


def test_it_lists_in_three_queries_then_one(world, alice_token, api, django_assert_num_queries):
    # 1: the token with its labs; 2: the count; 3: the page, with equipment names, lab time
    # zones and last public notes joined in
    with django_assert_num_queries(3):
        api("/v1/bookings", alice_token)
    for day in range(20):
        make_booking(world.microscope, world.booking.requester, world.graphene_lab, 40 + day)
    # 1: the count (the writes above invalidated it); 2: the page: no query per booking
    with django_assert_num_queries(2):
        assert len(api("/v1/bookings", alice_token).json()) == 22
    # 1: the page
    with django_assert_num_queries(1):
        api("/v1/bookings", alice_token)


def test_it_counts_afresh_after_a_delete(world, alice_token, api):
    assert api("/v1/bookings", alice_token)["X-Total-Records"] == "2"
    world.maintenance.delete()
    assert api("/v1/bookings", alice_token)["X-Total-Records"] == "1"


def test_it_orders_ties_by_id(world, alice_token, api, alice):
    same_time = datetime(2023, 1, 1, tzinfo=UTC)
    created = [make_booking(world.microscope, alice, world.graphene_lab, 0) for _ in range(3)]
    for booking in created:
        booking.created_at = same_time
        booking.save()
    ids = [b["id"] for b in api("/v1/bookings", alice_token).json()]
    assert ids[:3] == sorted((b.id for b in created), reverse=True)
