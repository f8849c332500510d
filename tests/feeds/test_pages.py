"""The feeds on the equipment, lab and "my bookings" pages, and their CSRF-protected POSTs."""

import re

import pytest
from django.test import Client

from labshare.feeds.models import CalendarFeed, FeedKind
from tests.feeds.conftest import events_of

pytestmark = pytest.mark.django_db


def signed_in(user, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


def feed_url(page: str) -> str:
    """The feed URL a page shows, as the path the test client asks for."""
    (url,) = re.findall(r'value="(http://testserver/feeds/[^"]+\.ics)"', page)
    return url.removeprefix("http://testserver")


def test_the_equipment_page_gives_shows_and_serves_a_feed(requested, microscope, dana):
    member = signed_in(dana)
    page = member.get(f"/equipment/{microscope.pk}").content.decode()
    assert "Get a calendar feed" in page and "/feeds/" not in page.split("Subscribe", 1)[1].split("<form")[0]

    response = member.post(
        "/feeds", {"kind": "equipment", "equipment": microscope.pk, "next": f"/equipment/{microscope.pk}"}
    )
    assert response.status_code == 302 and response.url == f"/equipment/{microscope.pk}"

    page = member.get(f"/equipment/{microscope.pk}").content.decode()
    path = feed_url(page)
    assert "webcal://testserver/feeds/" in page
    assert f"booking-{requested.pk}@127.0.0.1" in events_of(Client().get(path).content)


def test_the_page_tells_outsiders_they_get_busy_time_only(microscope, bob, dana):
    assert "busy time only" in signed_in(bob).get(f"/equipment/{microscope.pk}").content.decode()
    assert "busy time only" not in signed_in(dana).get(f"/equipment/{microscope.pk}").content.decode()


def test_the_lab_page_and_my_bookings_give_lab_and_user_feeds(graphene_lab, alice, dana):
    administrator = signed_in(alice)
    administrator.post(
        "/feeds", {"kind": "lab", "lab": graphene_lab.pk, "next": f"/labs/{graphene_lab.pk}/requests"}
    )
    assert feed_url(administrator.get(f"/labs/{graphene_lab.pk}/requests").content.decode())

    member = signed_in(dana)
    page = member.get("/bookings").content.decode()
    assert "Calendar feed: My bookings" in page and "Calendar feed: Graphene Lab" in page
    member.post("/feeds", {"kind": "user"})
    member.post("/feeds", {"kind": "lab", "lab": graphene_lab.pk})
    page = member.get("/bookings").content.decode()
    assert len(re.findall(r'value="http://testserver/feeds/[^"]+\.ics"', page)) == 2
    assert Client().get(feed_url(page.split("Calendar feed: Graphene Lab")[0])).status_code == 200


def test_replace_and_revoke_from_the_page(dana):
    member = signed_in(dana)
    member.post("/feeds", {"kind": "user"})
    feed = CalendarFeed.objects.get(user=dana, kind=FeedKind.USER)
    old = feed_url(member.get("/bookings").content.decode())

    assert member.post(f"/feeds/{feed.pk}/replace", {"next": "/bookings"}).status_code == 302
    new = feed_url(member.get("/bookings").content.decode())
    assert new != old
    assert Client().get(old).status_code == 404 and Client().get(new).status_code == 200

    assert member.post(f"/feeds/{feed.pk}/revoke").status_code == 302
    assert Client().get(new).status_code == 404
    assert (
        "/feeds/"
        not in member.get("/bookings")
        .content.decode()
        .split("Calendar feed: My bookings")[1]
        .split("</div>")[0]
    )


def test_the_posts_need_a_sign_in_and_a_csrf_token(dana, bob):
    assert Client().post("/feeds", {"kind": "user"}).status_code == 302  # to the sign-in
    assert signed_in(dana, csrf=True).post("/feeds", {"kind": "user"}).status_code == 403
    feed_of_bob = signed_in(bob)
    feed_of_bob.post("/feeds", {"kind": "user"})
    feed = CalendarFeed.objects.get(user=bob)
    assert signed_in(dana, csrf=True).post(f"/feeds/{feed.pk}/revoke").status_code == 403
    assert signed_in(bob).get("/feeds").status_code == 405
    assert not CalendarFeed.objects.filter(user=dana).exists()


@pytest.mark.parametrize(
    ("data", "status", "parameter"),
    [
        ({}, 400, "kind"),
        ({"kind": "calendar"}, 400, "kind"),
        ({"kind": "equipment"}, 400, "equipment"),
        ({"kind": "equipment", "equipment": "x"}, 400, "equipment"),
        ({"kind": "equipment", "equipment": "999999"}, 404, "equipment"),
        ({"kind": "lab", "lab": "-1"}, 400, "lab"),
        ({"kind": "lab", "lab": "99999999999999999999"}, 400, "lab"),
        ({"kind": "lab", "lab": "999999"}, 404, "lab"),
    ],
)
def test_bad_input_is_a_4xx_naming_the_parameter(dana, data, status, parameter):
    response = signed_in(dana).post("/feeds", data)
    assert response.status_code == status
    assert response.json()["parameter"] == parameter and response.json()["error_description"]
    assert not CalendarFeed.objects.exists()


def test_someone_else_s_feed_is_not_found(dana, bob):
    signed_in(bob).post("/feeds", {"kind": "user"})
    feed = CalendarFeed.objects.get(user=bob)
    for action in ("replace", "revoke"):
        response = signed_in(dana).post(f"/feeds/{feed.pk}/{action}")
        assert response.status_code == 404 and response.json()["parameter"] == "feed"
    feed.refresh_from_db()
    assert feed.active and feed.generation == 1
