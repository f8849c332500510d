"""OAuth fixtures: applications with known secrets, and the consent step done through the pages."""

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client

from labshare.oauth.models import Application
from tests.conftest import FAST_PASSWORD_HASHERS

SECRET = "s3cret-for-tests"
RSPACE_REDIRECT = "https://rspace.example.test/apps/clustermarket/redirect_uri"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_PASSWORD_HASHERS


@pytest.fixture
def rspace_app(alice) -> Application:
    """A confidential client like RSpace's, with a known secret."""
    return Application.objects.create(
        name="RSpace",
        user=alice,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=RSPACE_REDIRECT,
        scopes="read_accounts read_equipment read_bookings",
        client_secret=SECRET,
    )


@pytest.fixture
def public_app(alice) -> Application:
    return Application.objects.create(
        name="Browser dashboard",
        user=alice,
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="http://127.0.0.1:9000/callback",
        scopes="read_bookings",
    )


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_query(application: Application, **extra: str) -> str:
    params = {
        "client_id": application.client_id,
        "redirect_uri": application.redirect_uris.split()[0],
        "response_type": "code",
        "scope": application.scopes,
        "state": "abcdefghij",
        **extra,
    }
    return urlencode(params)


def consent(client: Client, application: Application, labs, allow: bool = True, **extra: str):
    """Open the consent page as the signed-in user and post it; return the redirect response."""
    page = client.get(f"/oauth/authorize?{authorize_query(application, **extra)}")
    assert page.status_code == 200, page.content
    form = page.context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None and name != "labs"}
    data["labs"] = [lab.pk for lab in labs]
    if allow:
        data["allow"] = "true"
    return client.post("/oauth/authorize", data)


def query_of(response) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(response["Location"]).query).items()}


def code_for(client: Client, user, application: Application, labs, **extra: str) -> str:
    client.force_login(user)
    response = consent(client, application, labs, **extra)
    assert response.status_code == 302, response.content
    return query_of(response)["code"]


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()
