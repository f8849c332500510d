"""Against a real server: a membership deleted in another process is followed within the token
cache's lifetime, by the access token and by a refresh."""

import time

import httpx
import pytest

from labshare.accounts.models import Membership
from labshare.api.auth import TOKEN_CACHE_SECONDS
from labshare.equipment.models import Equipment
from labshare.oauth.models import SCOPES, Application
from labshare.oauth.tokens import issue_tokens
from tests.oauth.conftest import SECRET

pytestmark = pytest.mark.e2e
# The server's cache is its own: only the token cache's lifetime ends what it holds.
DEADLINE_SECONDS = TOKEN_CACHE_SECONDS + 2


@pytest.fixture
def app(alice) -> Application:
    return Application.objects.create(
        name="Membership client",
        user=alice,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://client.example.test/callback",
        client_secret=SECRET,
        scopes=" ".join(SCOPES),
    )


def equipment_ids(server: str, token: str) -> set[int]:
    response = httpx.get(f"{server}/v1/equipment", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()}


def refresh(server: str, app: Application, refresh_token: str) -> httpx.Response:
    body = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return httpx.post(f"{server}/oauth/token", data=body, auth=(app.client_id, SECRET), timeout=10)


def until_gone(server: str, token: str, equipment_id: int) -> bool:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if equipment_id not in equipment_ids(server, token):
            return True
        time.sleep(0.25)
    return False


def test_a_lost_membership_ends_access_to_the_lab_and_a_refresh_gives_none_of_it(
    server, alice, app, graphene_lab, optics_lab
):
    microscope = Equipment.objects.create(lab=graphene_lab, name="Titan Krios", model="Krios G4")
    laser = Equipment.objects.create(lab=optics_lab, name="Ti:Sapphire laser", model="Mira 900")
    tokens = issue_tokens(alice, app, [graphene_lab, optics_lab], SCOPES)
    assert equipment_ids(server, tokens["access_token"]) == {microscope.id, laser.id}  # now cached

    Membership.objects.filter(user=alice, lab=graphene_lab).delete()
    assert until_gone(server, tokens["access_token"], microscope.id)
    assert equipment_ids(server, tokens["access_token"]) == {laser.id}

    renewed = refresh(server, app, tokens["refresh_token"])
    assert renewed.status_code == 200, renewed.text
    assert equipment_ids(server, renewed.json()["access_token"]) == {laser.id}

    Membership.objects.filter(user=alice, lab=optics_lab).delete()
    assert until_gone(server, renewed.json()["access_token"], laser.id)
    refused = refresh(server, app, renewed.json()["refresh_token"])
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"
