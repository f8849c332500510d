"""Webhooks in headless Chromium against a real server and worker: register an endpoint on the
application's page, copy its secret, send a test ping, and see it delivered, verified."""

import time

import pytest
from playwright.sync_api import sync_playwright

from tests.conftest import PASSWORD
from tests.e2e.conftest import start_server, stop_process_group
from tests.e2e.test_oauth_browser import CHROMIUM
from tests.webhooks.receiver import Receiver
from tests.webhooks.workers import start_worker, stop

pytestmark = pytest.mark.e2e


def test_it_registers_an_endpoint_and_pings_it(transactional_db, alice, alice_app):
    # The receiver is on loopback over http: the page, as the worker, must allow it.
    process, server = start_server({"LABSHARE_WEBHOOKS_ALLOW_PRIVATE": "127.0.0.1"})
    worker, _ = start_worker()
    try:
        with Receiver() as receiver, sync_playwright() as playwright:
            browser = playwright.chromium.launch(**CHROMIUM)
            page = browser.new_page()
            page.goto(f"{server}/login?next=/oauth/applications/{alice_app.pk}")
            page.get_by_label("Email").fill(alice.email)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{server}/oauth/applications/{alice_app.pk}")

            page.get_by_label("Endpoint URL").fill(receiver.url)
            page.get_by_label("bookings", exact=True).check()
            page.get_by_role("button", name="Add endpoint").click()
            secret = page.locator("#webhook-secret").inner_text()
            assert secret.startswith("whsec_")

            page.get_by_role("button", name="Send test ping").click()
            (ping,) = receiver.wait_for(1, 30)
            assert ping.verified(secret)["type"] == "ping"

            deadline = time.monotonic() + 30
            while "delivered" not in page.locator(".delivery-status").first.inner_text():
                assert time.monotonic() < deadline
                time.sleep(0.2)
                page.reload()
            assert page.locator(".delivery-response").first.inner_text().strip() == "204"
            assert page.locator("#webhook-secret").count() == 0  # shown once
            browser.close()
    finally:
        stop(worker)
        stop_process_group(process)
