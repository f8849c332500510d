"""The whole OAuth flow in headless Chromium against a real server: register, authorise two labs, exchange."""

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import sync_playwright

from labshare.oauth.models import Application, Authorisation
from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
CHROMIUM = {
    "executable_path": "/usr/bin/chromium",
    "args": ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"],
}


def test_it_registers_authorises_two_labs_and_exchanges_the_code(
    server, alice, graphene_lab, optics_lab, bio_lab
):
    ARTIFACTS.mkdir(exist_ok=True)
    callback = f"{server}/oauth/applications"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**CHROMIUM)
        page = browser.new_page()

        page.goto(f"{server}/login?next=/oauth/applications")
        page.get_by_label("Email").fill(alice.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{server}/oauth/applications")

        page.get_by_role("link", name="New application").click()
        page.get_by_label("Name", exact=True).fill("BI Dashboard")
        page.get_by_label("Company name").fill("Acme Analytics")
        page.get_by_label("Website URL").fill("https://acme.example.test")
        page.get_by_label("Read bookings").check()
        page.get_by_label("Read equipment").check()
        assert page.get_by_label("Confidential").is_checked()
        page.get_by_label("Callback URL(s)").fill(callback)
        page.get_by_role("button", name="Save").click()

        client_id = page.locator("#client-id").inner_text()
        client_secret = page.locator("#client-secret").inner_text()
        page.screenshot(path=str(ARTIFACTS / "oauth-application-created.png"), full_page=True)

        page.get_by_role("link", name="Authorise", exact=True).click()
        page.get_by_role("heading", name="Authorise BI Dashboard?").wait_for()
        page.get_by_label("Graphene Lab").check()
        page.get_by_label("Optics Lab").check()
        assert not page.get_by_label("Bio Lab").is_checked()
        page.screenshot(path=str(ARTIFACTS / "oauth-consent.png"), full_page=True)
        page.get_by_role("button", name="Authorise", exact=True).click()
        page.wait_for_url(f"{callback}?*")

        code = parse_qs(urlsplit(page.url).query)["code"][0]
        browser.close()

    response = httpx.post(
        f"{server}/oauth/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": callback},
        auth=(client_id, client_secret),
    )
    assert response.status_code == 200, response.text
    tokens = response.json()
    assert tokens["scope"] == "read_equipment read_bookings"
    assert tokens["expires_in"] == 7200

    application = Application.objects.get(client_id=client_id)
    authorisation = Authorisation.objects.get(user=alice, application=application)
    assert set(authorisation.labs.all()) == {graphene_lab, optics_lab}

    info = httpx.get(
        f"{server}/oauth/token/info", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert info.json()["application"] == {"uid": client_id}


def test_it_asks_for_a_lab_without_javascript(server, alice, alice_app):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**CHROMIUM)
        page = browser.new_context(java_script_enabled=False).new_page()
        page.goto(f"{server}/login?next=/oauth/authorized_applications")
        page.get_by_label("Email").fill(alice.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto(
            f"{server}/oauth/authorize?client_id={alice_app.client_id}&response_type=code"
            f"&redirect_uri={alice_app.redirect_uris}&scope=read_bookings&state=abcdefghij"
        )
        page.get_by_role("button", name="Authorise", exact=True).click()
        assert (
            page.get_by_role("alert").inner_text().strip()
            == "Choose at least one lab for the application to read."
        )
        page.screenshot(path=str(ARTIFACTS / "oauth-consent-error.png"), full_page=True)
        browser.close()
    assert not Authorisation.objects.exists()
