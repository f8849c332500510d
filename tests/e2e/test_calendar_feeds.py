"""Calendar feeds against a real server: a calendar client's polls (304 while nothing changes,
the new SEQUENCE one poll after an approval), and in headless Chromium the equipment page's
feed URL, which then serves a booking approved on the lab's page."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect, sync_playwright

from labshare.bookings.services import approve_booking, request_booking
from labshare.feeds import services
from labshare.feeds.models import FeedKind
from tests.bookings.fixtures import slot
from tests.e2e.conftest import start_labshare_serve, stop_process_group
from tests.e2e.test_booking_browser import sign_in
from tests.e2e.test_oauth_browser import CHROMIUM
from tests.feeds.conftest import an_hour_old, events_of, feed_path

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server_log(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("feeds") / "server.log"


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, server_log) -> Iterator[str]:
    process, base_url = start_labshare_serve(log=server_log)
    yield base_url
    stop_process_group(process)


def test_a_calendar_client_polls_a_feed(server, server_log, transactional_db, microscope, bob, dana, alice):
    start, end = slot(days=5)
    booking = an_hour_old(request_booking(equipment=microscope, start=start, end=end, requester=bob))
    url = server + feed_path(services.subscribe(user=dana, kind=FeedKind.LAB, lab=microscope.lab))
    uid = f"booking-{booking.pk}@127.0.0.1"
    with httpx.Client(timeout=10) as calendar_client:
        first = calendar_client.get(url)
        assert first.status_code == 200 and first.headers["content-type"] == "text/calendar; charset=utf-8"
        assert str(events_of(first.content)[uid]["STATUS"]) == "TENTATIVE"
        head = calendar_client.head(url)
        assert (
            head.status_code == 200 and head.content == b"" and head.headers["etag"] == first.headers["etag"]
        )
        unchanged = calendar_client.get(url, headers={"If-None-Match": first.headers["etag"]})
        assert unchanged.status_code == 304 and unchanged.content == b""

        approve_booking(booking=booking, by=alice)

        changed = calendar_client.get(url, headers={"If-None-Match": first.headers["etag"]})
        assert changed.status_code == 200
        event = events_of(changed.content)[uid]
        assert str(event["STATUS"]) == "CONFIRMED"
        assert int(event["SEQUENCE"]) > int(events_of(first.content)[uid]["SEQUENCE"])
        assert calendar_client.get(url, headers={"If-None-Match": changed.headers["etag"]}).status_code == 304
        assert calendar_client.get(url.replace(".ics", "x.ics")).status_code == 404
    # The access log names the path without the token, which is the feed's only credential.
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    log = server_log.read_text()
    assert '"GET /feeds/[token].ics" 304' in log and token not in log


def test_the_equipment_page_gives_a_feed_that_shows_an_approval_made_on_the_web(
    server, transactional_db, microscope, bob, dana, alice
):
    start, end = slot(days=6)
    booking = request_booking(equipment=microscope, start=start, end=end, requester=bob)
    uid = f"booking-{booking.pk}@127.0.0.1"
    # Django's ORM refuses to run beside Playwright's event loop: the feed is read with httpx.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**CHROMIUM)
        member = browser.new_context().new_page()
        sign_in(member, server, dana)
        member.goto(f"{server}/equipment/{microscope.pk}")
        member.get_by_role("button", name="Get a calendar feed for Confocal microscope").click()
        feed_url = member.get_by_label("Feed URL for Confocal microscope", exact=True).input_value()
        assert feed_url.startswith(f"{server}/feeds/") and feed_url.endswith(".ics")
        before = httpx.get(feed_url, timeout=10)
        assert str(events_of(before.content)[uid]["STATUS"]) == "TENTATIVE"

        administrator = browser.new_context().new_page()
        sign_in(administrator, server, alice)
        administrator.goto(f"{server}/labs/{microscope.lab_id}/requests")
        administrator.get_by_role("button", name=f"Approve booking {booking.pk}").click()
        expect(administrator.get_by_text(f"Booking {booking.pk} approved.")).to_be_visible()

        after = httpx.get(feed_url, headers={"If-None-Match": before.headers["etag"]}, timeout=10)
        assert after.status_code == 200
        event = events_of(after.content)[uid]
        assert (
            str(event["STATUS"]) == "CONFIRMED" and str(event["SUMMARY"]) == "Confocal microscope: Bob Baker"
        )
        browser.close()
