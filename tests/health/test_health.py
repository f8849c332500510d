"""/health/live and /health/ready in process; the outages (no PostgreSQL, no Redis) are
answered by real servers in tests/e2e/test_observability.py."""

import os

import pytest

from tests.conftest import redis_caches
from tests.e2e.conftest import free_port

REDIS_URL = os.environ.get("LABSHARE_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


def test_it_answers_live_without_the_database(client):
    # No `db` fixture: pytest-django refuses any database access, so a query would fail the test.
    response = client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_it_answers_ready_after_one_query(client, db, django_assert_num_queries):
    # 1: SELECT 1
    with django_assert_num_queries(1):
        response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}
    assert "no-store" in response["Cache-Control"]


def test_it_opens_no_session(client, db):
    response = client.get("/health/ready")
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")


def test_it_asks_redis_when_it_is_configured(client, db, settings):
    settings.REDIS_URL = REDIS_URL
    settings.CACHES = redis_caches(REDIS_URL)
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}


def test_it_names_redis_when_redis_does_not_answer(client, db, settings):
    closed = f"redis://127.0.0.1:{free_port()}/0"
    settings.REDIS_URL = closed
    settings.CACHES = redis_caches(closed)
    response = client.get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"] == {"database": "ok", "redis": "unavailable"}
    assert body["error"] == "temporarily_unavailable"
    assert "redis" in body["error_description"]
    assert response["Retry-After"] == "5"


@pytest.mark.parametrize("path", ["/health/live", "/health/ready"])
def test_it_takes_only_get_and_head(client, db, path):
    assert client.head(path).status_code == 200
    assert client.post(path).status_code == 405


def test_probes_are_not_redirected_to_https(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/health/live").status_code == 200
    assert client.get("/metrics").status_code == 301
