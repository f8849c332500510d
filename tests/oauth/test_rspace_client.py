"""The RSpace ELN client, exactly as REAL_CLIENTS.md describes it."""

import json
from datetime import timedelta

import time_machine
from django.utils import timezone

from labshare.oauth.models import Authorisation
from tests.oauth.conftest import RSPACE_REDIRECT, SECRET, query_of


def test_it_serves_the_rspace_client(client, alice, rspace_app, graphene_lab, bio_lab):
    client.force_login(alice)
    # redirect_uri raw (not url-encoded) and +-joined scopes, a subset of the app's; no PKCE.
    url = (
        f"/oauth/authorize?client_id={rspace_app.client_id}&redirect_uri={RSPACE_REDIRECT}"
        "&response_type=code&scope=read_equipment+read_bookings+read_accounts&state=Xy12Ab34Cd"
    )
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    assert form.initial["redirect_uri"] == RSPACE_REDIRECT
    assert form.initial["scope"] == "read_equipment read_bookings read_accounts"
    data = {k: v for k, v in form.initial.items() if v is not None and k != "labs"}
    answer = client.post("/oauth/authorize", {**data, "labs": [graphene_lab.pk, bio_lab.pk], "allow": "true"})
    assert answer["Location"].startswith(RSPACE_REDIRECT + "?")
    params = query_of(answer)
    assert params["state"] == "Xy12Ab34Cd"
    client.logout()

    exchange = client.post(
        "/oauth/token",
        json.dumps(
            {
                "client_id": rspace_app.client_id,
                "client_secret": SECRET,
                "code": params["code"],
                "grant_type": "authorization_code",
                "redirect_uri": RSPACE_REDIRECT,
            }
        ),
        content_type="application/json",
        HTTP_ACCEPT="application/json",
    )
    assert exchange.status_code == 200, exchange.content
    tokens = exchange.json()
    for field in ("access_token", "token_type", "scope", "refresh_token", "expires_in"):
        assert field in tokens
    assert not isinstance(tokens.get("user", ""), dict)
    assert set(Authorisation.objects.get(user=alice).labs.all()) == {graphene_lab, bio_lab}

    # It refreshes on its own clock, 60 s before expiry, and keeps the new refresh token each time.
    seen = {tokens["refresh_token"]}
    now = timezone.now()
    for _ in range(3):
        now += timedelta(seconds=tokens["expires_in"] - 60)
        with time_machine.travel(now):
            renewed = client.post(
                "/oauth/token",
                json.dumps(
                    {
                        "client_id": rspace_app.client_id,
                        "client_secret": SECRET,
                        "refresh_token": tokens["refresh_token"],
                        "grant_type": "refresh_token",
                    }
                ),
                content_type="application/json",
                HTTP_ACCEPT="application/json",
            )
        assert renewed.status_code == 200, renewed.content
        tokens = renewed.json()
        assert tokens["refresh_token"] not in seen
        assert tokens["expires_in"] == 7200
        seen.add(tokens["refresh_token"])
