"""GET /feeds/<token>.ics: the calendar, its 304s, who reads what, and bad tokens."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from labshare.accounts.models import Account
from labshare.accounts.services import leave_lab
from labshare.bookings.models import Booking, BookingNote
from labshare.bookings.notifications import ics_event
from labshare.bookings.services import (
    add_note,
    approve_booking,
    cancel_booking,
    decline_booking,
    request_booking,
)
from labshare.equipment.models import Equipment
from labshare.feeds import services
from labshare.feeds.models import FeedKind
from labshare.feeds.tokens import feed_token
from tests.bookings.fixtures import slot
from tests.feeds.conftest import events_of, feed_path, parsed

pytestmark = pytest.mark.django_db


def test_it_serves_the_equipment_family_as_a_calendar(client, requested, stage, microscope_feed_of_dana, bob):
    start, end = slot(days=8)
    on_the_stage = request_booking(equipment=stage, start=start, end=end, requester=bob)

    response = client.get(feed_path(microscope_feed_of_dana))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert int(response["Content-Length"]) == len(response.content)
    calendar = parsed(response.content)
    assert str(calendar["X-WR-CALNAME"]) == "Confocal microscope bookings"
    events = events_of(response.content)
    assert set(events) == {f"booking-{requested.pk}@127.0.0.1", f"booking-{on_the_stage.pk}@127.0.0.1"}
    event = events[f"booking-{requested.pk}@127.0.0.1"]
    assert str(event["SUMMARY"]) == "Confocal microscope: Bob Baker"
    assert str(event["LOCATION"]) == "B12"
    assert str(event["STATUS"]) == "TENTATIVE"
    assert "Thin films" in str(event["DESCRIPTION"])
    assert event.decoded("DTSTART") == requested.start_time
    assert event.decoded("DTEND") == requested.end_time
    assert event.decoded("LAST-MODIFIED") == requested.updated_at.replace(microsecond=0)
    assert event.decoded("DTSTAMP") == requested.updated_at.replace(microsecond=0)
    assert int(event["SEQUENCE"]) == 0


def test_an_unchanged_feed_answers_304_to_its_etag_and_its_date(client, requested, microscope_feed_of_dana):
    first = client.get(feed_path(microscope_feed_of_dana))
    etag, last_modified = first["ETag"], first["Last-Modified"]
    assert etag.startswith('"') and not etag.startswith("W/")

    by_etag = client.get(feed_path(microscope_feed_of_dana), HTTP_IF_NONE_MATCH=etag)
    by_date = client.get(feed_path(microscope_feed_of_dana), HTTP_IF_MODIFIED_SINCE=last_modified)

    for unchanged in (by_etag, by_date):
        assert unchanged.status_code == 304
        assert unchanged.content == b""
        assert unchanged["ETag"] == etag and unchanged["Last-Modified"] == last_modified
    assert client.get(feed_path(microscope_feed_of_dana), HTTP_IF_NONE_MATCH='"other"').status_code == 200


def test_a_poll_is_three_queries_and_a_render_one_more(
    client, requested, microscope_feed_of_dana, django_assert_num_queries
):
    # 1: the feed with its user and equipment; 2: the user's membership of the equipment's lab;
    # 3: what the ETag hashes (the events' rows); (rendering) 4: the events with their last public note.
    with django_assert_num_queries(4):
        etag = client.get(feed_path(microscope_feed_of_dana))["ETag"]
    with django_assert_num_queries(3):
        assert client.get(feed_path(microscope_feed_of_dana), HTTP_IF_NONE_MATCH=etag).status_code == 304


@pytest.mark.parametrize("change", ["approve", "decline", "cancel", "note"])
def test_a_change_through_the_domain_functions_makes_a_new_sequence_and_etag(
    client, requested, microscope_feed_of_dana, alice, bob, change
):
    uid = f"booking-{requested.pk}@127.0.0.1"
    before = client.get(feed_path(microscope_feed_of_dana))
    sequence_before = int(events_of(before.content)[uid]["SEQUENCE"])

    if change == "approve":
        approve_booking(booking=requested, by=alice, note="Bring your own slides")
    elif change == "decline":
        decline_booking(booking=requested, by=alice)
    elif change == "cancel":
        cancel_booking(booking=requested, by=bob, reason="Samples not ready")
    else:
        add_note(booking=requested, by=alice, message="Room changed", public=True)

    after = client.get(feed_path(microscope_feed_of_dana), HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    event = events_of(after.content)[uid]
    assert int(event["SEQUENCE"]) > sequence_before
    assert event.decoded("LAST-MODIFIED") > events_of(before.content)[uid].decoded("LAST-MODIFIED")
    expected = {"approve": "CONFIRMED", "decline": "CANCELLED", "cancel": "CANCELLED", "note": "TENTATIVE"}
    assert str(event["STATUS"]) == expected[change]


def test_cancelled_bookings_stay_as_cancelled_until_the_setting_s_days_pass(
    client, requested, microscope_feed_of_dana, bob, settings
):
    cancel_booking(booking=requested, by=bob)
    uid = f"booking-{requested.pk}@127.0.0.1"
    assert (
        str(events_of(client.get(feed_path(microscope_feed_of_dana)).content)[uid]["STATUS"]) == "CANCELLED"
    )

    settings.LABSHARE_FEEDS_CANCELLED_DAYS = -2  # as if the cancellation were two days too old
    assert uid not in events_of(client.get(feed_path(microscope_feed_of_dana)).content)


def test_the_window_and_the_size_are_bounded_by_settings(
    client, microscope, bob, microscope_feed_of_dana, settings
):
    near = request_booking(equipment=microscope, start=slot(days=3)[0], end=slot(days=3)[1], requester=bob)
    far = request_booking(equipment=microscope, start=slot(days=40)[0], end=slot(days=40)[1], requester=bob)
    uids = set(events_of(client.get(feed_path(microscope_feed_of_dana)).content))
    assert uids == {f"booking-{near.pk}@127.0.0.1", f"booking-{far.pk}@127.0.0.1"}

    settings.LABSHARE_FEEDS_FUTURE_DAYS = 20
    assert set(events_of(client.get(feed_path(microscope_feed_of_dana)).content)) == {
        f"booking-{near.pk}@127.0.0.1"
    }
    settings.LABSHARE_FEEDS_FUTURE_DAYS, settings.LABSHARE_FEEDS_MAX_EVENTS = 365, 1
    assert set(events_of(client.get(feed_path(microscope_feed_of_dana)).content)) == {
        f"booking-{near.pk}@127.0.0.1"
    }


def test_people_outside_the_lab_see_busy_time_only(client, requested, microscope_feed_of_bob, alice):
    approve_booking(booking=requested, by=alice, note="Bob's private business")

    body = client.get(feed_path(microscope_feed_of_bob)).content

    event = events_of(body)[f"booking-{requested.pk}@127.0.0.1"]
    assert str(event["SUMMARY"]) == "Busy"
    assert "DESCRIPTION" not in event
    assert str(event["STATUS"]) == "CONFIRMED"
    assert b"Bob" not in body and b"business" not in body and b"external" not in body


def test_a_lab_feed_is_for_the_lab_s_members_and_ends_when_they_leave(
    client, requested, graphene_feed_of_dana, microscope_feed_of_dana, dana, graphene_lab
):
    lab_feed = client.get(feed_path(graphene_feed_of_dana))
    assert lab_feed.status_code == 200
    assert f"booking-{requested.pk}@127.0.0.1" in events_of(lab_feed.content)
    assert str(parsed(lab_feed.content)["X-WR-CALNAME"]) == "Graphene Lab bookings"
    equipment_feed = client.get(feed_path(microscope_feed_of_dana))

    leave_lab(user=dana, lab=graphene_lab)

    gone = client.get(feed_path(graphene_feed_of_dana))
    assert gone.status_code == 404 and gone.json()["parameter"] == "token"
    # The microscope is open to external users: Dana still sees when it is busy, no more.
    now_busy = client.get(feed_path(microscope_feed_of_dana), HTTP_IF_NONE_MATCH=equipment_feed["ETag"])
    assert now_busy.status_code == 200
    assert str(events_of(now_busy.content)[f"booking-{requested.pk}@127.0.0.1"]["SUMMARY"]) == "Busy"


def test_a_user_feed_has_the_user_s_own_bookings_and_ends_with_the_account(
    client, requested, bob_own_feed, bob, microscope, dana
):
    start, end = slot(days=9)
    request_booking(equipment=microscope, start=start, end=end, requester=dana)
    events = events_of(client.get(feed_path(bob_own_feed)).content)
    assert set(events) == {f"booking-{requested.pk}@127.0.0.1"}

    bob.is_active = False
    bob.save()
    assert client.get(feed_path(bob_own_feed)).status_code == 404


def test_a_replaced_or_revoked_url_stops_answering(client, requested, bob_own_feed, bob):
    old_path = feed_path(bob_own_feed)
    replaced = services.replace_feed(feed=bob_own_feed, by=bob)
    assert client.get(old_path).status_code == 404
    new_path = feed_path(replaced)
    assert new_path != old_path and client.get(new_path).status_code == 200

    services.revoke_feed(feed=replaced, by=bob)
    assert client.get(new_path).status_code == 404
    again = services.subscribe(user=bob, kind=FeedKind.USER)
    assert feed_path(again) not in (old_path, new_path)
    assert client.get(feed_path(again)).status_code == 200


@pytest.mark.parametrize(
    "token",
    [
        "x",
        "1-",
        "0-" + "A" * 43,
        "1-" + "A" * 43,
        "1-" + "A" * 42,
        "1-" + "A" * 44,
        "9" * 19 + "-" + "A" * 43,
    ],
)
def test_a_bad_token_is_404_naming_the_token(client, bob_own_feed, token):
    response = client.get(f"/feeds/{token}.ics")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found" and response.json()["parameter"] == "token"


def test_another_feed_s_token_does_not_open_this_one(client, bob_own_feed, microscope_feed_of_dana):
    _, mac = feed_token(microscope_feed_of_dana).split("-", 1)
    response = client.get(f"/feeds/{bob_own_feed.pk}-{mac}.ics")
    assert response.status_code == 404
    assert response.json() == {
        "error": "not_found",
        "error_description": "No calendar feed answers to this token.",
        "parameter": "token",
    }


def test_head_answers_the_headers_of_get_and_other_methods_are_405(client, requested, bob_own_feed):
    get = client.get(feed_path(bob_own_feed))
    head = client.head(feed_path(bob_own_feed))
    assert head.status_code == 200 and head.content == b""
    assert head["ETag"] == get["ETag"] and head["Content-Length"] == get["Content-Length"]
    assert client.head(feed_path(bob_own_feed), HTTP_IF_NONE_MATCH=get["ETag"]).status_code == 304

    for answer in (
        Client(enforce_csrf_checks=True).post(feed_path(bob_own_feed)),
        client.put(feed_path(bob_own_feed)),
    ):
        assert answer.status_code == 405 and answer["Allow"] == "GET, HEAD"
        assert answer.json()["parameter"] == "method"


def test_line_breaks_and_control_characters_in_a_booking_never_break_a_content_line(
    client, requested, microscope, microscope_feed_of_dana, alice
):
    microscope.name = "Confocal\rmicroscope\x1b[31m"
    microscope.room = "B12\r\nbasement\x07"
    microscope.save()
    add_note(
        booking=requested, by=alice, message="Bring\rslides\r\nand\x01\x0bgloves\x7f\tplease", public=True
    )

    body = client.get(feed_path(microscope_feed_of_dana)).content

    lines = body.split(b"\r\n")
    assert lines[-1] == b"" and all(b"\r" not in line and b"\n" not in line for line in lines)
    assert not any((byte < 0x20 and byte != 0x09) or byte == 0x7F for line in lines for byte in line)
    event = events_of(body)[f"booking-{requested.pk}@127.0.0.1"]
    assert str(event["SUMMARY"]) == "Confocal\nmicroscope[31m: Bob Baker"
    assert str(event["LOCATION"]) == "B12\nbasement"
    assert str(event["DESCRIPTION"]).endswith("\nBring\nslides\nandgloves\tplease")


def test_the_feed_and_the_booking_e_mail_write_one_location(
    client, requested, microscope, microscope_feed_of_dana
):
    microscope.city = "Manchester"
    microscope.save()
    uid = f"booking-{requested.pk}@127.0.0.1"

    in_the_feed = events_of(client.get(feed_path(microscope_feed_of_dana)).content)[uid]
    (in_the_e_mail,) = parsed(ics_event(Booking.objects.get(pk=requested.pk))).walk("VEVENT")

    assert str(in_the_feed["LOCATION"]) == str(in_the_e_mail["LOCATION"]) == "B12, Manchester"


def _delete(requested, **_):
    Booking.objects.filter(pk=requested.pk).delete()


def _cancel_and_wait_until_it_leaves(requested, bob, time_machine, settings, **_):
    cancel_booking(booking=requested, by=bob)
    time_machine.move_to(timezone.now() + timedelta(days=settings.LABSHARE_FEEDS_CANCELLED_DAYS + 1))


def _move_the_booking_by_a_queryset_update(requested, **_):
    # A bulk update() sets no updated_at: the event changes though its SEQUENCE does not.
    Booking.objects.filter(pk=requested.pk).update(
        start_time=requested.start_time + timedelta(hours=1), end_time=requested.end_time + timedelta(hours=1)
    )


def _rename_the_requester(bob, **_):
    bob.first_name = "Robert"
    bob.save()


def _rename_the_equipment(microscope, **_):
    Equipment.objects.filter(pk=microscope.pk).update(name="Confocal microscope II")


def _move_the_equipment(microscope, **_):
    Equipment.objects.filter(pk=microscope.pk).update(room="C3")


def _rename_the_lab(graphene_lab, **_):
    Account.objects.filter(pk=graphene_lab.pk).update(name="Graphene Centre")


def _delete_the_public_note(requested, **_):
    BookingNote.objects.filter(booking=requested).delete()


def _make_the_note_private(requested, **_):
    BookingNote.objects.filter(booking=requested).update(is_public=False)


def _edit_the_note(requested, **_):
    BookingNote.objects.filter(booking=requested).update(message="Thick films")


def _poll_less_often(settings, **_):
    settings.LABSHARE_FEEDS_REFRESH_MINUTES = 60


@pytest.mark.parametrize(
    "change",
    [
        _delete,
        _cancel_and_wait_until_it_leaves,
        _move_the_booking_by_a_queryset_update,
        _rename_the_requester,
        _rename_the_equipment,
        _move_the_equipment,
        _rename_the_lab,
        _delete_the_public_note,
        _make_the_note_private,
        _edit_the_note,
        _poll_less_often,
    ],
)
def test_anything_written_in_the_feed_changes_its_etag(
    client, requested, graphene_feed_of_dana, microscope, graphene_lab, bob, time_machine, settings, change
):
    time_machine.move_to(timezone.now(), tick=False)
    before = client.get(feed_path(graphene_feed_of_dana))
    assert client.get(feed_path(graphene_feed_of_dana), HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 304

    change(
        requested=requested,
        microscope=microscope,
        graphene_lab=graphene_lab,
        bob=bob,
        settings=settings,
        time_machine=time_machine,
    )

    # RFC 9110 §13.2.2: with If-None-Match, If-Modified-Since is not evaluated (Last-Modified
    # cannot see a deletion or a rename).
    after = client.get(
        feed_path(graphene_feed_of_dana),
        HTTP_IF_NONE_MATCH=before["ETag"],
        HTTP_IF_MODIFIED_SINCE=before["Last-Modified"],
    )
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"] and after.content != before.content
    assert client.get(feed_path(graphene_feed_of_dana), HTTP_IF_NONE_MATCH=after["ETag"]).status_code == 304
