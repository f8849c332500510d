"""The booking workflow in headless Chromium against a real server: a member finds an
instrument and requests it with the lab's custom form; the lab's administrator approves it;
the API lists it; the member cancels it."""

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect, sync_playwright

from labshare.bookings.models import Booking, BookingStatus
from labshare.oauth.models import SCOPES
from labshare.oauth.tokens import issue_tokens
from tests.bookings.fixtures import LONDON, slot
from tests.conftest import PASSWORD
from tests.e2e.test_oauth_browser import CHROMIUM

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


def sign_in(page, server: str, user) -> None:
    page.goto(f"{server}/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_request_approve_list_and_cancel_in_the_browser(
    server,
    microscope,
    graphene_form,
    bob,
    alice,
    alice_app,
    graphene_lab,
):
    ARTIFACTS.mkdir(exist_ok=True)
    start, end = slot(days=10, hour=9, hours=2)
    # Django's ORM refuses to run beside Playwright's event loop: prepare and check outside it.
    token = issue_tokens(alice, alice_app, [graphene_lab], SCOPES)["access_token"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**CHROMIUM)
        member = browser.new_context().new_page()
        sign_in(member, server, bob)
        member.goto(f"{server}/equipment")
        member.get_by_label("Name").fill("confocal")
        member.get_by_role("button", name="Search").click()
        member.get_by_role("link", name="Confocal microscope").click()
        member.get_by_role("link", name="Request a booking").click()
        member.get_by_label("Start").fill(start.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M"))
        member.get_by_label("End", exact=True).fill(end.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M"))
        member.get_by_label("Samples (required)").fill("3")
        member.get_by_label("Stain").select_option("GFP")
        member.get_by_label("Note to the lab").fill("Live cells, please keep the incubator on.")
        member.get_by_role("button", name="Review the request").click()
        expect(member.locator("#cost")).to_have_text("120.00 GBP")
        member.screenshot(path=str(ARTIFACTS / "booking-review.png"), full_page=True)
        member.get_by_role("button", name="Confirm request").click()
        expect(member.locator("#status")).to_have_text("Requested")
        booking_id = int(member.url.rsplit("/", 1)[1])

        administrator = browser.new_context().new_page()
        sign_in(administrator, server, alice)
        administrator.get_by_role("link", name="Requests: Graphene Lab").click()
        administrator.get_by_label(f"Public note for booking {booking_id}").fill("The incubator will be on.")
        administrator.get_by_role("button", name=f"Approve booking {booking_id}").click()
        expect(administrator.get_by_text(f"Booking {booking_id} approved.")).to_be_visible()
        administrator.screenshot(path=str(ARTIFACTS / "booking-queue.png"), full_page=True)

        listed = httpx.get(f"{server}/v1/bookings", headers={"Authorization": f"Bearer {token}"}).json()
        assert [(b["id"], b["status"]) for b in listed] == [(booking_id, "Booked")]

        member.goto(f"{server}/bookings")
        member.get_by_role("button", name=f"Cancel booking {booking_id}").click()
        expect(member.get_by_text(f"Booking {booking_id} cancelled.")).to_be_visible()
        browser.close()
    booking = Booking.objects.get()
    assert (booking.pk, booking.status) == (booking_id, BookingStatus.CANCELLED)
    assert booking.custom_form_responses.get().answers == [None, 3, "GFP"]
    listed = httpx.get(
        f"{server}/v1/bookings/{booking_id}", headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert listed["status"] == "Cancelled"
