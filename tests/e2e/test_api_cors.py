"""CORS on a real server, configured as an operator does: CORS_ALLOWED_ORIGINS in the environment."""

import httpx
import pytest

from tests.e2e.conftest import start_server

ORIGIN = "https://dashboard.example.test"


@pytest.fixture
def cors_server(transactional_db):
    process, base_url = start_server({"CORS_ALLOWED_ORIGINS": f"{ORIGIN},https://other.example.test"})
    yield base_url
    process.terminate()
    process.wait(10)


def test_it_lets_an_allowed_origin_read_pages(cors_server, alice_token):
    preflight = httpx.options(
        f"{cors_server}/v1/bookings",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == ORIGIN
    response = httpx.get(
        f"{cors_server}/v1/bookings", headers={"Origin": ORIGIN, "Authorization": f"Bearer {alice_token}"}
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert "x-total-records" in response.headers["access-control-expose-headers"].lower()


def test_it_gives_an_unlisted_origin_nothing(cors_server, alice_token):
    response = httpx.get(
        f"{cors_server}/v1/user",
        headers={"Origin": "https://evil.example.test", "Authorization": f"Bearer {alice_token}"},
    )
    assert "access-control-allow-origin" not in response.headers
