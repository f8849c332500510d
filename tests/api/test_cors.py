"""Browser clients of /v1 from the origins CORS_ALLOWED_ORIGINS names."""

import pytest

ORIGIN = "https://dashboard.example.test"


@pytest.fixture(autouse=True)
def allowed_origin(settings):
    settings.CORS_ALLOWED_ORIGINS = [ORIGIN]


def test_it_answers_a_preflight_for_an_allowed_origin(client):
    response = client.options(
        "/v1/bookings",
        HTTP_ORIGIN=ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization",
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert "GET" in response["Access-Control-Allow-Methods"]
    assert "authorization" in response["Access-Control-Allow-Headers"].lower()


def test_it_exposes_the_page_headers(world, alice_token, client):
    response = client.get("/v1/bookings", HTTP_ORIGIN=ORIGIN, HTTP_AUTHORIZATION=f"Bearer {alice_token}")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    exposed = {h.strip().lower() for h in response["Access-Control-Expose-Headers"].split(",")}
    assert {"x-total-records", "x-current-page", "x-per-page", "link"} <= exposed


def test_it_lets_a_browser_read_a_401(client):
    response = client.get("/v1/bookings", HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 401
    assert response["Access-Control-Allow-Origin"] == ORIGIN


def test_it_gives_other_origins_no_cors_headers(alice_token, client):
    response = client.get(
        "/v1/user", HTTP_ORIGIN="https://evil.example.test", HTTP_AUTHORIZATION=f"Bearer {alice_token}"
    )
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response
    preflight = client.options(
        "/v1/user", HTTP_ORIGIN="https://evil.example.test", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET"
    )
    assert "Access-Control-Allow-Origin" not in preflight


def test_it_does_not_open_the_oauth_pages_to_cors(client):
    response = client.get("/docs", HTTP_ORIGIN=ORIGIN)
    assert "Access-Control-Allow-Origin" not in response
