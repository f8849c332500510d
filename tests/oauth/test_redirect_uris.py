"""Callback URLs (RFC 8252): https anywhere, http only on loopback, or a native app's own scheme."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from labshare.oauth.models import Application
from tests.oauth.conftest import consent, query_of
from tests.oauth.test_applications import FORM

ACCEPTED = [
    "https://bi.example.test/callback?tenant=4",
    "http://127.0.0.1/callback",
    "http://127.0.0.1:8123/callback",
    "http://[::1]:9000/cb",
    "http://localhost:3000/cb",
    "org.example.labapp:/oauth/callback",
]
REFUSED = [
    ("http://bi.example.test/callback", "uses http:// on a host that is not this computer"),
    ("http://192.168.1.20/callback", "uses http:// on a host that is not this computer"),
    ("http://127.0.0.1.example.test/cb", "uses http:// on a host that is not this computer"),
    ("javascript:alert(1)", "is not a valid callback URL"),
    ("data:text/html,hi", "is not a valid callback URL"),
    ("https://bi.example.test/cb#part", "is not a valid callback URL"),
]


@pytest.mark.parametrize("uri", ACCEPTED)
def test_the_form_accepts(client, alice, uri):
    client.force_login(alice)
    response = client.post("/oauth/applications/new", {**FORM, "redirect_uris": uri})
    assert response.status_code == 302, response.content.decode()
    assert Application.objects.get(name=FORM["name"]).redirect_uris == uri


@pytest.mark.parametrize(("uri", "message"), REFUSED)
def test_the_form_refuses(client, alice, uri, message):
    client.force_login(alice)
    response = client.post(
        "/oauth/applications/new", {**FORM, "redirect_uris": f"https://ok.example.test\n{uri}"}
    )
    assert response.status_code == 400
    assert f"“{uri}” {message}" in response.content.decode()
    assert not Application.objects.exists()


@pytest.mark.parametrize(("uri", "message"), REFUSED)
def test_createapp_refuses(db, uri, message):
    with pytest.raises(CommandError, match=re.escape(f"redirect_uris: “{uri}” {message}")):
        call_command("createapp", "--name", "X", "--redirect-uri", uri)
    assert not Application.objects.exists()


def test_the_model_refuses_wherever_an_application_is_created(alice):
    application = Application(
        name="X",
        user=alice,
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="http://bi.example.test/cb",
    )
    with pytest.raises(ValidationError) as raised:
        application.full_clean()
    assert "uses http:// on a host that is not this computer" in raised.value.message_dict["redirect_uris"][0]


def test_it_sends_the_code_to_a_native_apps_own_scheme(client, alice, graphene_lab):
    application = Application.objects.create(
        name="Lab app",
        user=alice,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="org.example.labapp:/oauth/callback",
        scopes="read_bookings",
    )
    client.force_login(alice)
    response = consent(client, application, [graphene_lab])
    assert response.status_code == 302
    assert response["Location"].startswith("org.example.labapp:/oauth/callback?")
    assert query_of(response)["code"]
