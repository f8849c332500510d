"""requests-oauthlib, configured as its documentation says, against the running server: the
code flow, a read of /v1/bookings, and a refresh it makes on its own when the token expires."""

import pytest
from requests_oauthlib import OAuth2Session

from labshare.oauth.models import Application
from tests.api.conftest import make_booking, make_equipment
from tests.e2e.consent import approve, signed_in_browser

pytestmark = pytest.mark.e2e

SECRET = "a-secret-only-requests-oauthlib-knows"
REDIRECT_URI = "https://client.example.test/callback"


def test_it_completes_the_flow_and_refreshes_on_its_own(server, alice, graphene_lab, bio_lab, monkeypatch):
    # The test server speaks plain HTTP on a loopback address.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    microscope = make_equipment(graphene_lab, "Microscope", 0)
    booked = {make_booking(microscope, alice, graphene_lab, days).pk for days in (1, 2, 3)}
    application = Application.objects.create(
        name="requests-oauthlib",
        user=alice,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=REDIRECT_URI,
        scopes="read_bookings read_accounts",
        client_secret=SECRET,
    )
    saved: list[dict] = []
    oauth = OAuth2Session(
        application.client_id,
        redirect_uri=REDIRECT_URI,
        scope=["read_bookings"],
        auto_refresh_url=f"{server}/oauth/token",
        auto_refresh_kwargs={"client_id": application.client_id, "client_secret": SECRET},
        token_updater=saved.append,
    )
    url, _state = oauth.authorization_url(f"{server}/oauth/authorize")

    callback = approve(signed_in_browser(server, alice.email), url, [graphene_lab.pk])
    token = oauth.fetch_token(f"{server}/oauth/token", client_secret=SECRET, authorization_response=callback)

    assert token["token_type"] == "Bearer" and token["scope"] == ["read_bookings"]
    first = oauth.get(f"{server}/v1/bookings")
    assert first.status_code == 200
    assert {item["id"] for item in first.json()} == booked

    # The client's copy of the access token says it has expired.
    oauth.token = {**oauth.token, "expires_at": 1, "expires_in": -1}

    again = oauth.get(f"{server}/v1/bookings")

    assert again.status_code == 200
    assert {item["id"] for item in again.json()} == booked
    assert len(saved) == 1 and saved[0]["refresh_token"] != token["refresh_token"]
    assert saved[0]["access_token"] == oauth.access_token != token["access_token"]
