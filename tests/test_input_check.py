# ruff: noqa: F811  (the OAuth fixtures imported below are used as arguments)
"""No input makes a 500: a NUL or a lone surrogate anywhere, or a deeply nested JSON body, answers
400 naming the parameter (JSON on the API and the OAuth endpoints, text on the pages)."""

import base64
import json

import pytest
from django.db import DataError, connection

from tests.oauth.conftest import SECRET, fast_password_hashing, rspace_app  # noqa: F401  (fixtures)

NUL = "\x00"
UNUSABLE = "contains a NUL character or a lone surrogate."


def assert_oauth_refusal(response, parameter: str) -> None:
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["error"] == "invalid_request"
    assert body["parameter"] == parameter
    assert parameter in body["error_description"]


def assert_page_refusal(response, parameter: str) -> None:
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("text/plain")
    assert f"{parameter} {UNUSABLE}" in response.content.decode()


@pytest.mark.parametrize("path", ["/oauth/token", "/oauth/revoke", "/oauth/introspect"])
def test_a_nul_in_a_form_client_id(client, rspace_app, path):
    body = {"grant_type": "refresh_token", "refresh_token": "x", "token": "x", "client_secret": SECRET}
    response = client.post(path, {**body, "client_id": f"{rspace_app.client_id}{NUL}"})
    assert_oauth_refusal(response, "client_id")


def test_a_nul_in_a_json_client_id(client, rspace_app):
    body = {"grant_type": "refresh_token", "refresh_token": "x", "client_id": NUL, "client_secret": SECRET}
    response = client.post("/oauth/token", json.dumps(body), content_type="application/json")
    assert_oauth_refusal(response, "client_id")


@pytest.mark.parametrize("credentials", [f"{NUL}:{SECRET}", "%00:secret", f"id:{NUL}"])
def test_a_nul_in_http_basic_credentials(client, rspace_app, credentials):
    basic = base64.b64encode(credentials.encode()).decode()
    response = client.post(
        "/oauth/token",
        {"grant_type": "refresh_token", "refresh_token": "x"},
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    assert_oauth_refusal(response, "client_secret" if credentials.startswith("id:") else "client_id")


def test_a_lone_surrogate_in_a_json_body(client, db):
    body = b'{"grant_type": "refresh_token", "refresh_token": "\\ud800", "client_id": "x"}'
    response = client.post("/oauth/token", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_a_deeply_nested_json_body(client, db, depth):
    body = '{"grant_type": ' + "[" * depth + "]" * depth + "}"
    response = client.post("/oauth/token", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_a_json_value_that_is_no_string_is_named(client, db):
    response = client.post("/oauth/token", '{"client_id": {"a": 1}}', content_type="application/json")
    assert_oauth_refusal(response, "client_id")


def test_a_strange_json_name_is_shown_escaped_even_in_the_challenge_header(client, db):
    body = json.dumps({"a\nb\u00e9" + "x" * 100: [1], "client_id": "x"})
    response = client.post("/oauth/token", body, content_type="application/json")
    assert_oauth_refusal(response, ascii("a\nb\u00e9" + "x" * 36) + "...")
    assert "\n" not in response["WWW-Authenticate"]


def test_a_nul_in_the_token_info_bearer_token(client, db):
    response = client.get("/oauth/token/info", HTTP_AUTHORIZATION=f"Bearer abc{NUL}")
    assert_oauth_refusal(response, "Authorization")


@pytest.mark.parametrize("signed_in", [False, True])
def test_a_nul_in_authorize_parameters(client, alice, rspace_app, signed_in):
    if signed_in:
        client.force_login(alice)
    query = {
        "client_id": rspace_app.client_id,
        "redirect_uri": rspace_app.redirect_uris,
        "response_type": "code",
        "state": f"s{NUL}",
    }
    assert_page_refusal(client.get("/oauth/authorize", query), "state")
    assert_page_refusal(client.get("/oauth/authorize", {**query, "client_id": NUL}), "client_id")


def test_a_nul_in_an_api_parameter(client, alice_token):
    response = client.get("/v1/bookings", {"status": NUL}, HTTP_AUTHORIZATION=f"Bearer {alice_token}")
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_parameter",
        "error_description": f"status {UNUSABLE}",
        "parameter": "status",
    }


def test_a_nul_in_the_path(client, alice_token):
    response = client.get(f"/v1/bookings/1{NUL}", HTTP_AUTHORIZATION=f"Bearer {alice_token}")
    assert response.status_code == 400
    assert response.json()["parameter"] == "path"


def test_a_nul_in_a_sign_in_form(client, alice):
    response = client.post("/login", {"email": f"alice@example.test{NUL}", "password": "x"})
    assert_page_refusal(response, "email")


def test_a_nul_in_a_parameter_name_is_shown_escaped(client, db):
    response = client.get("/login", {f"a{NUL}b": "1"})
    assert_page_refusal(response, "'a\\x00b'")


def test_a_nul_in_a_cookie(client, alice):
    client.cookies["sessionid"] = f"abc{NUL}"
    assert_page_refusal(client.get("/oauth/authorized_applications"), "sessionid")


def test_a_nul_in_a_header(client, db):
    assert_page_refusal(client.get("/login", HTTP_X_REQUEST_ID=f"1{NUL}"), "X-Request-Id")


def test_a_lone_surrogate_in_a_form_body_is_replaced_not_a_500(client, db):
    """Form bodies are decoded with replacement characters: the view sees no surrogate."""
    body = "email=%ED%A0%80%40example.test&password=x"
    response = client.post("/login", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code in (200, 400)


def test_the_database_refuses_a_nul_itself(db):
    """Why the check is needed: on PostgreSQL a NUL would reach the database as an error."""
    from labshare.oauth.models import Application

    if connection.vendor != "postgresql":
        pytest.skip("SQLite stores a NUL")
    with pytest.raises(DataError, match="NUL"):
        Application.objects.filter(client_id=NUL).first()
