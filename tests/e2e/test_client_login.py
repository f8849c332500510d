"""Signing in: the browser flow (PKCE, loopback), a refresh token, refreshing, re-connecting."""

import json
import stat
import time

import pytest
from playwright.sync_api import sync_playwright

from labshare.client import Client, Endpoints, TokenStore
from labshare.client.errors import EXIT_CODES
from labshare.client.oauth import login_with_browser
from tests.client.support import create_app, run_cli, tokens_for
from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e
CHROMIUM = {
    "executable_path": "/usr/bin/chromium",
    "args": ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"],
}


def consent_in_browser(email: str, labs: list[str]):
    """What the user does in the browser the CLI opens: sign in, tick labs, authorise."""

    def open_browser(url: str) -> None:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(**CHROMIUM)
            page = browser.new_page()
            page.goto(url)
            page.fill("input[name=username]", email)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            for lab in labs:
                page.get_by_label(lab).check()
            with page.expect_response(lambda response: "/callback?" in response.url):
                page.click("button[name=allow]")
            assert "You are signed in" in page.content()
            browser.close()

    return open_browser


def test_it_signs_in_through_the_browser_with_pkce_and_a_loopback_redirect(
    server, alice, graphene_lab, tmp_path
):
    app = create_app(owner=alice.email)
    open_browser = consent_in_browser(alice.email, [graphene_lab.name])

    credentials = login_with_browser(
        Endpoints.from_urls(server), app["client_id"], app["client_secret"], open_browser=open_browser
    )
    store = TokenStore(tmp_path / "home")
    store.save(credentials)

    with Client.from_store(store) as client:
        assert client.user()["first_name"] == "Alice"
        assert [a["id"] for a in client.accounts() if a["account_type"] == "lab"] == [graphene_lab.pk]
    assert stat.S_IMODE((tmp_path / "home" / "credentials.json").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "home").stat().st_mode) == 0o700


def test_it_signs_in_with_a_refresh_token_and_shows_the_user(server, alice, graphene_lab, tmp_path):
    app = create_app(owner=alice.email)
    refresh_token = tokens_for(alice.email, app)["refresh_token"]
    home = tmp_path / "home"

    run_cli(
        home,
        "login",
        "--server",
        server,
        "--client-id",
        app["client_id"],
        "--client-secret",
        app["client_secret"],
        "--refresh-token",
        refresh_token,
    )

    assert run_cli(home, "whoami").stdout.startswith(f"Alice Archer (user {alice.pk}) at {server}/v1/")
    saved = json.loads((home / "credentials.json").read_text())
    assert saved["refresh_token"] != refresh_token  # rotated, and the new one kept
    assert stat.S_IMODE((home / "credentials.json").stat().st_mode) == 0o600


def _save(
    home, server: str, app: dict, tokens: dict, expires_at: float, access_token: str | None = None
) -> None:
    from labshare.client import Credentials

    TokenStore(home).save(
        Credentials(
            web_url=server,
            api_url=f"{server}/v1/",
            client_id=app["client_id"],
            client_secret=app["client_secret"],
            access_token=access_token or tokens["access_token"],
            refresh_token=tokens["refresh_token"],
            expires_at=expires_at,
            scope=tokens["scope"],
        )
    )


def test_it_refreshes_an_access_token_about_to_expire(server, alice, graphene_lab, tmp_path):
    app = create_app(owner=alice.email)
    tokens = tokens_for(alice.email, app)
    home = tmp_path / "home"
    _save(home, server, app, tokens, expires_at=time.time() + 30)  # inside the 60 s margin

    assert run_cli(home, "whoami").stdout.startswith("Alice Archer")

    saved = json.loads((home / "credentials.json").read_text())
    assert saved["access_token"] != tokens["access_token"]
    assert saved["refresh_token"] != tokens["refresh_token"]


def test_it_refreshes_once_when_the_api_answers_401(server, alice, graphene_lab, tmp_path):
    app = create_app(owner=alice.email)
    tokens = tokens_for(alice.email, app)
    home = tmp_path / "home"
    _save(home, server, app, tokens, expires_at=time.time() + 3600, access_token="revoked-or-unknown")

    assert run_cli(home, "whoami").stdout.startswith("Alice Archer")
    assert json.loads((home / "credentials.json").read_text())["access_token"] != "revoked-or-unknown"


def test_it_says_to_reconnect_when_the_refresh_token_is_rejected(server, alice, graphene_lab, tmp_path):
    app = create_app(owner=alice.email)
    tokens = tokens_for(alice.email, app)
    home = tmp_path / "home"
    _save(home, server, app, {**tokens, "refresh_token": "expired-or-revoked"}, expires_at=0)

    result = run_cli(home, "whoami", check=False)

    assert result.returncode == EXIT_CODES["ReconnectRequired"]
    assert "re-connect" in result.stderr and "labshare login" in result.stderr
    assert "expired-or-revoked" not in result.stderr + result.stdout


def test_it_says_to_log_in_when_nothing_is_saved(tmp_path):
    result = run_cli(tmp_path / "home", "whoami", check=False)

    assert result.returncode == EXIT_CODES["ReconnectRequired"]
    assert "labshare login" in result.stderr
