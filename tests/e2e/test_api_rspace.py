"""The RSpace ELN client's whole sequence (REAL_CLIENTS.md) against a real running server."""

import io
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.core.management import call_command
from django.utils import timezone
from oauth2_provider.models import RefreshToken

from labshare.accounts.models import Membership, User
from labshare.bookings.models import Booking
from labshare.demo.generate import ADMIN_EMAIL
from labshare.oauth.models import Application
from tests.e2e.consent import approve, signed_in_browser

pytestmark = pytest.mark.e2e

SECRET = "rspace-client-secret"
REDIRECT = "https://rspace.example.test/apps/clustermarket/redirect_uri"
DEMO_PASSWORD = "demo password for the rspace test"


def rspace_get(api: httpx.Client, path: str, token: str) -> httpx.Response:
    """As RSpace does: every failed call is retried 4 times, 25 ms apart."""
    for _ in range(5):
        response = api.get(path, headers={"Authorization": f"Bearer {token}"})
        if response.status_code == 200:
            return response
        time.sleep(0.025)
    return response


def token_call(server: str, body: dict) -> httpx.Response:
    return httpx.post(f"{server}/oauth/token", json=body, headers={"Accept": "application/json"})


@pytest.fixture
def demo_world(server, monkeypatch):
    monkeypatch.setenv("LABSHARE_DEMO_PASSWORD", DEMO_PASSWORD)
    call_command("demo", size="400", seed=7, stdout=io.StringIO())
    admin = User.objects.get(email=ADMIN_EMAIL)
    application = Application.objects.create(
        name="RSpace",
        user=admin,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=REDIRECT,
        scopes="read_accounts read_equipment read_bookings",
        client_secret=SECRET,
    )
    labs = list(Membership.objects.filter(user=admin).values_list("lab_id", flat=True).order_by("lab_id"))
    return admin, application, labs[:2]


def test_it_serves_the_rspace_sequence(server, demo_world):
    admin, application, labs = demo_world

    # Authorise: redirect_uri raw in the query, +-joined scopes, a 10-character state, no PKCE.
    authorize = (
        f"/oauth/authorize?client_id={application.client_id}&redirect_uri={REDIRECT}"
        "&response_type=code&scope=read_equipment+read_bookings+read_accounts&state=q1w2e3r4t5"
    )
    callback = approve(signed_in_browser(server, admin.email, DEMO_PASSWORD), authorize, labs)
    query = parse_qs(urlsplit(callback).query)
    assert callback.startswith(REDIRECT) and query["state"] == ["q1w2e3r4t5"]

    # JSON token exchange, no HTTP Basic.
    exchange = token_call(
        server,
        {
            "client_id": application.client_id,
            "client_secret": SECRET,
            "code": query["code"][0],
            "grant_type": "authorization_code",
            "redirect_uri": REDIRECT,
        },
    )
    assert exchange.status_code == 200, exchange.text
    tokens = exchange.json()
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 7200
    assert set(tokens["scope"].split()) == {"read_equipment", "read_bookings", "read_accounts"}
    assert isinstance(tokens.get("user", 0), str | int)

    api = httpx.Client(base_url=f"{server}/v1/")
    listing = rspace_get(api, "bookings", tokens["access_token"])
    assert listing.status_code == 200
    bookings = listing.json()
    assert isinstance(bookings, list) and 0 < len(bookings) <= 100
    visible = Booking.objects.filter(provider_lab_id__in=labs)
    assert len(bookings) == min(100, visible.count())
    assert listing.headers["X-Total-Records"] == str(visible.count())
    newest_first = list(visible.order_by("-created_at", "-id").values_list("id", flat=True)[:100])
    assert [b["id"] for b in bookings] == newest_first
    for booking in bookings:
        assert {"id", "start_time", "end_time", "status", "equipment_id"} <= booking.keys()
        assert "T" in booking["start_time"] and booking["start_time"][23] in "+-Z"
        assert booking["status"].lower() in {"requested", "booked", "completed", "cancelled", "declined"}

    # Ten detail calls in parallel with one token.
    picked = bookings[:5]
    paths = [f"bookings/{b['id']}" for b in picked] + [f"equipment/{b['equipment_id']}" for b in picked]
    with ThreadPoolExecutor(max_workers=10) as pool:
        details = list(pool.map(lambda path: rspace_get(api, path, tokens["access_token"]), paths))
    assert [d.status_code for d in details] == [200] * 10
    for listed, detail in zip(picked, details[:5], strict=True):
        body = detail.json()
        assert body["id"] == listed["id"] and isinstance(body["id"], int)
        assert isinstance(body["requester"]["name"], str)
        assert body["equipment"]["id"] == listed["equipment_id"] and body["equipment"]["name"]
        assert body["booking_type"] in {"internal", "external", "maintenance"}
        assert isinstance(body["duration"], int)
        assert isinstance(body["requester_lab"]["id"], int)
        assert body["last_public_note"] is None or isinstance(body["last_public_note"]["message"], str)
    for listed, detail in zip(picked, details[5:], strict=True):
        body = detail.json()
        assert body["id"] == listed["equipment_id"] and body["name"]
        assert "manufacturer" in body and "model" in body

    # Refresh, JSON body; every answer carries a new refresh token.
    refreshed = token_call(
        server,
        {
            "client_id": application.client_id,
            "client_secret": SECRET,
            "refresh_token": tokens["refresh_token"],
            "grant_type": "refresh_token",
        },
    )
    assert refreshed.status_code == 200, refreshed.text
    renewed = refreshed.json()
    assert renewed["refresh_token"] != tokens["refresh_token"] and renewed["expires_in"] == 7200
    assert rspace_get(api, "bookings", renewed["access_token"]).status_code == 200

    # An expired refresh token: 400 invalid_grant, which RSpace shows as "please re-connect".
    RefreshToken.objects.filter(revoked__isnull=True).update(created=timezone.now() - timedelta(days=31))
    expired = token_call(
        server,
        {
            "client_id": application.client_id,
            "client_secret": SECRET,
            "refresh_token": renewed["refresh_token"],
            "grant_type": "refresh_token",
        },
    )
    assert expired.status_code == 400 and expired.json()["error"] == "invalid_grant"

    # A bad bearer: 401 with Doorkeeper's challenge.
    refused = api.get("bookings", headers={"Authorization": "Bearer not-a-token"})
    assert refused.status_code == 401
    assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]
