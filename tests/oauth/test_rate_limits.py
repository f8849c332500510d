"""429 with Retry-After on the token endpoints and on sign-in; counted in the cache."""

import socket

import pytest

from tests.oauth.conftest import SECRET


@pytest.mark.parametrize("url", ["/oauth/token", "/oauth/revoke", "/oauth/introspect"])
def test_it_limits_the_token_endpoints_per_address(client, rspace_app, settings, url):
    settings.LABSHARE_RATE_LIMIT = "3/minute"
    body = {
        "client_id": rspace_app.client_id,
        "client_secret": SECRET,
        "token": "x",
        "grant_type": "refresh_token",
    }
    answers = [client.post(url, body) for _ in range(3)]
    assert all(answer.status_code != 429 for answer in answers)

    limited = client.post(url, body)
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert limited.json()["error"] == "slow_down"

    other_address = client.post(url, body, REMOTE_ADDR="10.0.0.9")
    assert other_address.status_code != 429


def test_it_limits_sign_in_per_account(client, alice, settings):
    settings.LABSHARE_SIGN_IN_RATE_LIMIT = "2/minute"
    for address in ("10.0.0.1", "10.0.0.2"):
        response = client.post(
            "/login", {"username": "alice@example.test", "password": "wrong"}, REMOTE_ADDR=address
        )
        assert response.status_code == 200

    limited = client.post(
        "/login",
        {"username": "ALICE@example.test", "password": "correct horse battery staple"},
        REMOTE_ADDR="10.0.0.3",
    )
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) >= 1
    assert "Too many sign-in attempts" in limited.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_limits_sign_in_per_address(client, alice, bob, settings):
    settings.LABSHARE_RATE_LIMIT = "2/minute"
    for email in ("alice@example.test", "bob@example.test"):
        assert client.post("/login", {"username": email, "password": "wrong"}).status_code == 200
    assert client.post("/login", {"username": "charlie@example.test", "password": "x"}).status_code == 429


def test_a_limit_holds_in_process_memory_while_redis_is_down(client, rspace_app, settings):
    # A Redis client as production configures it, aimed at a port where nothing listens.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port}/0",
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.25, "SOCKET_TIMEOUT": 0.25},
        },
    }
    settings.LABSHARE_RATE_LIMIT = "3/minute"
    body = {"client_id": rspace_app.client_id, "client_secret": SECRET, "token": "x"}
    answers = [client.post("/oauth/revoke", body).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
