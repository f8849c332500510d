"""Service applications: a lab administrator binds an application to labs they administer, and
grant_type=client_credentials (RFC 6749 §4.4) issues it tokens for those labs."""

import pytest
from django.test import Client
from oauth2_provider.models import AccessToken, RefreshToken

from labshare.oauth.errors import DESCRIPTIONS
from labshare.oauth.models import Application, Authorisation
from labshare.oauth.service_access import bind_service
from labshare.oauth.tokens import issue_tokens
from tests.conftest import PASSWORD
from tests.oauth.conftest import SECRET, basic, code_for


@pytest.fixture
def loader(alice) -> Application:
    return Application.objects.create(
        name="Warehouse loader",
        user=alice,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://loader.example.test/callback",
        scopes="read_user read_accounts read_bookings",
        client_secret=SECRET,
    )


def client_credentials(client: Client, application: Application, secret: str = SECRET, **extra):
    return client.post(
        "/oauth/token",
        {"grant_type": "client_credentials", **extra},
        HTTP_AUTHORIZATION=basic(application.client_id, secret),
    )


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def account_ids(client: Client, token: str) -> set[int]:
    response = client.get("/v1/accounts", **bearer(token))
    assert response.status_code == 200, response.content
    return {account["id"] for account in response.json()}


def service_page(client: Client, application: Application):
    return client.get(f"/oauth/applications/{application.pk}")


def post_service(client: Client, application: Application, **data):
    return client.post(f"/oauth/applications/{application.pk}/service", data)


def test_the_application_page_offers_only_the_labs_its_owner_administers(
    client, alice, loader, graphene_lab, optics_lab, bio_lab
):
    client.force_login(alice)
    page = service_page(client, loader)

    assert page.status_code == 200
    assert b"Service access is off." in page.content
    offered = {choice.data["value"].value for choice in page.context["service_form"]["labs"]}
    assert offered == {graphene_lab.pk, optics_lab.pk}  # Alice is only a member of the Bio Lab


def test_an_administrator_binds_changes_and_stops_service_access(
    client, alice, loader, graphene_lab, optics_lab
):
    client.force_login(alice)
    assert post_service(client, loader, labs=[graphene_lab.pk]).status_code == 302
    assert b"Service access is on for Graphene Lab." in service_page(client, loader).content

    client.logout()
    token = client_credentials(client, loader).json()["access_token"]
    assert graphene_lab.id in account_ids(client, token)
    assert optics_lab.id not in account_ids(client, token)

    client.force_login(alice)
    assert post_service(client, loader, labs=[optics_lab.pk]).status_code == 302
    # The token follows the binding at once, like a user's token follows their authorisation.
    assert optics_lab.id in account_ids(client, token)
    assert graphene_lab.id not in account_ids(client, token)

    assert post_service(client, loader, stop="1").status_code == 302
    assert b"Service access is off." in service_page(client, loader).content
    assert client.get("/v1/accounts", **bearer(token)).status_code == 401
    answer = client_credentials(client, loader)
    assert answer.status_code == 401
    assert answer.json()["error"] == "unauthorized_client"


def test_a_lab_the_owner_only_belongs_to_cannot_be_bound(client, alice, loader, graphene_lab, bio_lab):
    client.force_login(alice)
    response = post_service(client, loader, labs=[graphene_lab.pk, bio_lab.pk])

    assert response.status_code == 400
    assert not Authorisation.objects.exists()
    assert bio_lab.pk not in {lab.pk for lab in bind_service_choices(response)}


def bind_service_choices(response):
    return response.context["service_form"].fields["labs"].queryset


def test_no_lab_chosen_is_refused(client, alice, loader):
    client.force_login(alice)
    response = post_service(client, loader)

    assert response.status_code == 400
    assert b"Choose at least one lab you administer" in response.content
    assert not Authorisation.objects.exists()


def test_a_public_application_cannot_be_bound(client, alice, public_app, graphene_lab):
    client.force_login(alice)
    assert b"Only a confidential application" in service_page(client, public_app).content

    response = post_service(client, public_app, labs=[graphene_lab.pk])
    assert response.status_code == 400
    assert not Authorisation.objects.exists()


def test_only_the_owner_binds_their_application(client, loader, graphene_lab, chemistry_lab):
    from labshare.accounts.models import Membership, Role, User

    mallory = User.objects.create_user("mallory@example.test", PASSWORD)
    Membership.objects.create(user=mallory, lab=chemistry_lab, role=Role.ADMINISTRATOR)
    client.force_login(mallory)

    assert post_service(client, loader, labs=[chemistry_lab.pk]).status_code == 404
    assert not Authorisation.objects.exists()


def test_the_service_form_is_csrf_protected(alice, loader, graphene_lab):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)

    assert post_service(browser, loader, labs=[graphene_lab.pk]).status_code == 403
    assert not Authorisation.objects.exists()


@pytest.mark.parametrize("credentials", ["basic", "body"])
def test_client_credentials_issue_an_access_token_for_the_bound_labs(
    client, alice, loader, graphene_lab, optics_lab, bio_lab, credentials
):
    bind_service(loader, [graphene_lab])
    if credentials == "basic":
        response = client_credentials(client, loader)
    else:
        body = {"grant_type": "client_credentials", "client_id": loader.client_id, "client_secret": SECRET}
        response = client.post("/oauth/token", body)

    assert response.status_code == 200, response.content
    token = response.json()
    assert set(token) == {"access_token", "token_type", "expires_in", "scope", "created_at"}
    assert token["token_type"] == "Bearer" and token["expires_in"] == 7200
    assert token["scope"] == "read_user read_accounts read_bookings"
    assert response["Cache-Control"] == "no-store"
    assert not RefreshToken.objects.exists()
    assert AccessToken.objects.get().user == alice

    user = client.get("/v1/user", **bearer(token["access_token"]))
    assert user.status_code == 200 and user.json() == {
        "id": alice.id,
        "first_name": "Alice",
        "last_name": "Archer",
    }
    ids = account_ids(client, token["access_token"])
    assert graphene_lab.id in ids and optics_lab.id not in ids and bio_lab.id not in ids
    assert client.get("/v1/equipment", **bearer(token["access_token"])).status_code == 403  # no scope


def test_client_credentials_may_narrow_the_scopes(client, loader, graphene_lab):
    bind_service(loader, [graphene_lab])
    response = client_credentials(client, loader, scope="read_bookings")

    assert response.status_code == 200 and response.json()["scope"] == "read_bookings"
    assert client_credentials(client, loader, scope="read_equipment").json()["error"] == "invalid_scope"


def test_client_credentials_need_a_service_binding(client, alice, loader, graphene_lab):
    # The owner's own consent (a user's authorisation) is not a service binding.
    issue_tokens(alice, loader, [graphene_lab], ["read_bookings"])
    response = client_credentials(client, loader)

    assert response.status_code == 401
    assert response.json() == {
        "error": "unauthorized_client",
        "error_description": DESCRIPTIONS["unauthorized_client"],
    }


def test_client_credentials_need_the_right_secret(client, loader, graphene_lab):
    bind_service(loader, [graphene_lab])
    response = client_credentials(client, loader, secret="wrong")

    assert response.status_code == 401 and response.json()["error"] == "invalid_client"
    assert not AccessToken.objects.exists()


def test_a_public_client_gets_no_client_credentials(client, public_app, graphene_lab):
    Authorisation.objects.create(user=public_app.user, application=public_app, service=True).labs.set(
        [graphene_lab]
    )
    response = client.post(
        "/oauth/token", {"grant_type": "client_credentials", "client_id": public_app.client_id}
    )

    assert response.status_code == 401 and response.json()["error"] == "invalid_client"
    assert not AccessToken.objects.exists()


def test_an_inactive_owner_gets_no_client_credentials(client, alice, loader, graphene_lab):
    bind_service(loader, [graphene_lab])
    alice.is_active = False
    alice.save()

    assert client_credentials(client, loader).json()["error"] == "unauthorized_client"


def test_the_owners_consent_replaces_the_service_binding(client, alice, loader, graphene_lab, bio_lab):
    bind_service(loader, [graphene_lab])
    code_for(client, alice, loader, [bio_lab])
    client.logout()

    # The consent's labs may be labs Alice only belongs to: they do not become service labs.
    assert client_credentials(client, loader).json()["error"] == "unauthorized_client"
    assert not Authorisation.objects.get().service
