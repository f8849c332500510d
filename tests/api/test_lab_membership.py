"""A token reads only the labs of its authorisation that its user is still a member of.

Checked where the bearer check reads the token and again at refresh: a lost membership, a
deactivated user or a deleted lab is followed at once in the process that wrote it (signals)
and within the token cache's lifetime everywhere else (tests/e2e/test_lab_membership.py).
"""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from labshare.accounts.models import Account, AccountType, Membership
from labshare.api.auth import TOKEN_CACHE_SECONDS
from labshare.oauth.models import SCOPES, Application
from labshare.oauth.tokens import NotAMember, issue_tokens
from tests.oauth.conftest import SECRET
from tests.oauth.test_token_refresh import assert_invalid_grant


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


@pytest.fixture
def tokens(world, alice, app) -> dict:
    """Every scope, for the Graphene Lab (the microscope) and the Optics Lab (the laser)."""
    return issue_tokens(alice, app, [world.graphene_lab, world.optics_lab], SCOPES)


def refresh(client, app: Application, refresh_token: str):
    return client.post(
        "/oauth/token",
        {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": app.client_id,
            "client_secret": SECRET,
        },
    )


def lab_ids(api, token: str) -> set[int]:
    response = api("/v1/accounts", token)
    assert response.status_code == 200
    return {account["id"] for account in response.json() if account["account_type"] == "lab"}


def leave(user, lab) -> None:
    Membership.objects.get(user=user, lab=lab).delete()


def test_it_stops_reading_a_lab_the_user_left_at_once(world, alice, tokens, api):
    token = tokens["access_token"]
    assert api(f"/v1/equipment/{world.microscope.id}", token).status_code == 200
    leave(alice, world.graphene_lab)
    assert api(f"/v1/equipment/{world.microscope.id}", token).status_code == 404
    assert api(f"/v1/equipment/{world.laser.id}", token).status_code == 200
    assert lab_ids(api, token) == {world.optics_lab.id}


def test_it_stops_reading_it_within_the_cache_lifetime_when_no_signal_is_sent(world, alice, tokens, api):
    """As in another process, or after a bulk delete: the cache is not cleared, it ages out."""
    token = tokens["access_token"]
    assert api(f"/v1/equipment/{world.microscope.id}", token).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM accounts_membership WHERE user_id = %s AND lab_id = %s",
            [alice.id, world.graphene_lab.id],
        )
    later = timezone.now() + timedelta(seconds=TOKEN_CACHE_SECONDS)
    with time_machine.travel(later):
        assert api(f"/v1/equipment/{world.microscope.id}", token).status_code == 404
        assert lab_ids(api, token) == {world.optics_lab.id}


def test_a_deactivated_user_reads_nothing(world, alice, tokens, api):
    alice.is_active = False
    alice.save()
    assert api("/v1/user", tokens["access_token"]).status_code == 401


def test_a_deleted_lab_is_read_no_more(world, alice, app, api):
    # A lab with equipment or bookings cannot be deleted (protected); a new one can.
    new_lab = Account.objects.create(account_type=AccountType.LAB, name="New Lab")
    Membership.objects.create(user=alice, lab=new_lab)
    token = issue_tokens(alice, app, [world.optics_lab, new_lab], SCOPES)["access_token"]
    assert lab_ids(api, token) == {world.optics_lab.id, new_lab.id}
    new_lab.delete()
    assert lab_ids(api, token) == {world.optics_lab.id}


def test_an_authorisation_left_with_no_lab_reads_empty_lists(world, alice, tokens, api):
    token = tokens["access_token"]
    leave(alice, world.graphene_lab)
    leave(alice, world.optics_lab)
    for path in ("/v1/bookings", "/v1/equipment", "/v1/accounts", "/v1/groups"):
        response = api(path, token)
        assert response.status_code == 200, path
        assert response.json() == [], path
        assert response["X-Total-Records"] == "0", path
    assert api(f"/v1/equipment/{world.laser.id}", token).status_code == 404
    assert api(f"/v1/accounts/{world.optics_lab.id}", token).status_code == 404
    assert api("/v1/user", token).status_code == 200  # who the user is, not a lab's data


def test_a_refresh_gives_only_the_labs_still_held(client, world, alice, app, tokens, api):
    leave(alice, world.graphene_lab)
    response = refresh(client, app, tokens["refresh_token"])
    assert response.status_code == 200, response.content
    renewed = response.json()["access_token"]
    assert api(f"/v1/equipment/{world.microscope.id}", renewed).status_code == 404
    assert lab_ids(api, renewed) == {world.optics_lab.id}


def test_a_refresh_is_refused_once_no_lab_is_held(client, world, alice, app, tokens):
    leave(alice, world.graphene_lab)
    leave(alice, world.optics_lab)
    assert_invalid_grant(refresh(client, app, tokens["refresh_token"]))


def test_a_refresh_is_refused_to_a_deactivated_user(client, alice, app, tokens):
    alice.is_active = False
    alice.save()
    assert_invalid_grant(refresh(client, app, tokens["refresh_token"]))


def test_a_refresh_still_works_for_a_member(client, app, tokens):
    assert refresh(client, app, tokens["refresh_token"]).status_code == 200


def test_no_token_is_issued_for_a_lab_the_user_is_not_a_member_of(world, alice, app):
    with pytest.raises(NotAMember, match=str(world.chemistry_lab.id)):
        issue_tokens(alice, app, [world.graphene_lab, world.chemistry_lab], SCOPES)


def test_the_authorised_applications_page_shows_only_labs_still_held(client, world, alice, app, tokens):
    leave(alice, world.graphene_lab)
    client.force_login(alice)
    html = " ".join(client.get("/oauth/authorized_applications").content.decode().split())
    assert "reads Optics Lab." in html
    assert "Graphene Lab" not in html
    leave(alice, world.optics_lab)
    html = " ".join(client.get("/oauth/authorized_applications").content.decode().split())
    assert "no lab: you are no longer a member of any lab it was given" in html
