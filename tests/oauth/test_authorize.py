"""/oauth/authorize: the consent page and the labs it grants."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from labshare.accounts.models import Membership
from labshare.oauth.models import Application, Authorisation
from tests.oauth.conftest import RSPACE_REDIRECT, authorize_query, consent, query_of


def test_it_sends_a_stranger_to_sign_in_and_back(client, alice, rspace_app):
    url = f"/oauth/authorize?{authorize_query(rspace_app)}"
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login?next=")

    signed_in = client.post(
        response["Location"], {"username": "alice@example.test", "password": "correct horse battery staple"}
    )
    assert signed_in.status_code == 302
    assert signed_in["Location"] == url


def test_it_shows_the_application_scopes_and_the_users_labs(client, alice, rspace_app, chemistry_lab):
    client.force_login(alice)
    page = client.get(f"/oauth/authorize?{authorize_query(rspace_app, scope='read_bookings')}")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Authorise RSpace?" in html
    assert "Read bookings" in html and "Read equipment" not in html
    for lab in ("Graphene Lab", "Optics Lab", "Bio Lab"):
        assert lab in html
    assert "Chemistry Lab" not in html


def test_it_grants_the_chosen_labs(client, alice, rspace_app, graphene_lab, bio_lab):
    client.force_login(alice)
    response = consent(client, rspace_app, [graphene_lab, bio_lab])
    assert response.status_code == 302
    params = query_of(response)
    assert response["Location"].startswith(RSPACE_REDIRECT + "?")
    assert params["state"] == "abcdefghij" and params["code"]
    assert set(Authorisation.objects.get(user=alice, application=rspace_app).labs.all()) == {
        graphene_lab,
        bio_lab,
    }


def test_it_replaces_the_labs_when_asked_again(client, alice, rspace_app, graphene_lab, optics_lab):
    client.force_login(alice)
    consent(client, rspace_app, [graphene_lab])
    consent(client, rspace_app, [optics_lab])
    assert list(Authorisation.objects.get(user=alice).labs.all()) == [optics_lab]
    assert Authorisation.objects.count() == 1


def test_it_requires_a_lab(client, alice, rspace_app):
    client.force_login(alice)
    response = consent(client, rspace_app, [])
    assert response.status_code == 400
    assert "Choose at least one lab" in response.content.decode()
    assert "Authorise RSpace?" in response.content.decode()
    assert not Authorisation.objects.exists()


def test_it_refuses_a_lab_the_user_does_not_belong_to(client, alice, rspace_app, chemistry_lab):
    client.force_login(alice)
    response = consent(client, rspace_app, [chemistry_lab])
    assert response.status_code == 400
    assert not Authorisation.objects.exists()


def test_it_redirects_a_denial_with_access_denied(client, alice, rspace_app, graphene_lab):
    client.force_login(alice)
    response = consent(client, rspace_app, [], allow=False)
    assert response.status_code == 302
    params = query_of(response)
    assert params["error"] == "access_denied" and params["state"] == "abcdefghij"
    assert "code" not in params
    assert not Authorisation.objects.exists()


@pytest.mark.parametrize("scope", ["read_user", "read_bookings read_projects", "write_everything"])
def test_it_refuses_scopes_beyond_the_applications(client, alice, rspace_app, scope):
    client.force_login(alice)
    response = client.get(f"/oauth/authorize?{authorize_query(rspace_app, scope=scope)}")
    assert response.status_code == 302
    assert response["Location"].startswith(RSPACE_REDIRECT)
    assert query_of(response)["error"] == "invalid_scope"


def test_it_never_redirects_to_an_unregistered_uri(client, alice, rspace_app):
    client.force_login(alice)
    response = client.get(
        f"/oauth/authorize?{authorize_query(rspace_app, redirect_uri='https://evil.test/cb')}"
    )
    assert response.status_code == 400
    assert "evil.test" not in response.get("Location", "")


def test_it_refuses_an_unknown_client(client, alice, rspace_app):
    client.force_login(alice)
    response = client.get("/oauth/authorize?client_id=nobody&response_type=code&redirect_uri=https://x.test/")
    assert response.status_code == 400


def test_it_protects_the_consent_form_from_csrf(alice, rspace_app, graphene_lab):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    page = client.get(f"/oauth/authorize?{authorize_query(rspace_app)}")
    data = {k: v for k, v in page.context["form"].initial.items() if v is not None and k != "labs"}
    data |= {"labs": [graphene_lab.pk], "allow": "true"}

    assert client.post("/oauth/authorize", data).status_code == 403
    assert not Authorisation.objects.exists()

    data["csrfmiddlewaretoken"] = page.context["csrf_token"]
    assert client.post("/oauth/authorize", data).status_code == 302
    assert Authorisation.objects.exists()


def test_it_ticks_the_labs_already_authorised(client, alice, rspace_app, optics_lab):
    client.force_login(alice)
    consent(client, rspace_app, [optics_lab])
    page = client.get(f"/oauth/authorize?{authorize_query(rspace_app)}")
    assert page.context["form"].initial["labs"] == [optics_lab.pk]


def test_it_offers_nothing_to_a_user_without_labs(client, charlie, rspace_app):
    client.force_login(charlie)
    page = client.get(f"/oauth/authorize?{authorize_query(rspace_app)}")
    assert "You belong to no lab" in page.content.decode()
    assert Membership.objects.filter(user=charlie).count() == 0


def test_it_names_the_issuer_in_the_code_response(client, alice, rspace_app, graphene_lab):
    client.force_login(alice)
    params = query_of(consent(client, rspace_app, [graphene_lab]))
    assert params["code"] and params["iss"] == "http://testserver"  # RFC 9207


def test_it_takes_the_issuer_from_the_web_url_setting(client, alice, rspace_app, graphene_lab, settings):
    settings.LABSHARE_WEB_URL = "https://app.example.test"
    client.force_login(alice)
    assert query_of(consent(client, rspace_app, [graphene_lab]))["iss"] == "https://app.example.test"


def test_it_describes_a_denial_and_names_the_issuer(client, alice, rspace_app, graphene_lab):
    client.force_login(alice)
    params = query_of(consent(client, rspace_app, [], allow=False))
    assert params == {
        "error": "access_denied",
        "error_description": "The resource owner or authorization server denied the request.",
        "state": "abcdefghij",
        "iss": "http://testserver",
    }


@pytest.mark.parametrize("response_type", ["token", "id_token", "code token", "nonsense"])
def test_it_supports_only_the_code_response_type(client, alice, rspace_app, response_type):
    client.force_login(alice)
    response = client.get(f"/oauth/authorize?{authorize_query(rspace_app, response_type=response_type)}")
    assert response.status_code == 302
    assert response["Location"].startswith(RSPACE_REDIRECT + "?")
    params = query_of(response)
    assert params["error"] == "unsupported_response_type"
    assert params["error_description"] == "The authorization server does not support this response type."
    assert params["state"] == "abcdefghij" and params["iss"] == "http://testserver"


def test_it_names_a_missing_parameter_in_an_error_redirect(client, alice, rspace_app):
    client.force_login(alice)
    query = authorize_query(rspace_app).replace("response_type=code&", "")
    params = query_of(client.get(f"/oauth/authorize?{query}"))
    assert params["error"] == "invalid_request"
    assert params["error_description"] == "Missing required parameter: response_type."


def test_it_keeps_the_callbacks_own_query(client, alice, graphene_lab):
    application = Application.objects.create(
        name="Tenant app",
        user=alice,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://t.example.test/cb?tenant=4&tenant=5",
        scopes="read_bookings",
    )
    client.force_login(alice)
    location = consent(client, application, [graphene_lab])["Location"]
    query = parse_qs(urlsplit(location).query)
    assert query["tenant"] == ["4", "5"] and query["code"] and query["iss"] == ["http://testserver"]
