"""429 with Retry-After on the token endpoints, per client address; counted in the cache."""

import ipaddress
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


def test_it_counts_the_client_behind_a_trusted_proxy(client, rspace_app, settings):
    settings.LABSHARE_RATE_LIMIT = "2/minute"
    settings.LABSHARE_TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.0/24")]
    body = {"client_id": rspace_app.client_id, "client_secret": SECRET, "token": "x"}
    through_proxy = {"REMOTE_ADDR": "10.0.0.5"}
    for _ in range(2):
        response = client.post("/oauth/revoke", body, HTTP_X_FORWARDED_FOR="203.0.113.7", **through_proxy)
        assert response.status_code == 200
    assert (
        client.post("/oauth/revoke", body, HTTP_X_FORWARDED_FOR="203.0.113.7", **through_proxy).status_code
        == 429
    )
    # Another client behind the same proxy has its own count.
    assert (
        client.post("/oauth/revoke", body, HTTP_X_FORWARDED_FOR="203.0.113.8", **through_proxy).status_code
        == 200
    )


def test_it_ignores_x_forwarded_for_from_an_untrusted_peer(client, rspace_app, settings):
    settings.LABSHARE_RATE_LIMIT = "2/minute"
    settings.LABSHARE_TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.0/24")]
    body = {"client_id": rspace_app.client_id, "client_secret": SECRET, "token": "x"}
    for invented in ("203.0.113.1", "203.0.113.2"):
        response = client.post(
            "/oauth/revoke", body, HTTP_X_FORWARDED_FOR=invented, REMOTE_ADDR="198.51.100.9"
        )
        assert response.status_code == 200
    limited = client.post(
        "/oauth/revoke", body, HTTP_X_FORWARDED_FOR="203.0.113.3", REMOTE_ADDR="198.51.100.9"
    )
    assert limited.status_code == 429


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
