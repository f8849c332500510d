"""The Redis commands a /v1 request sends (each one round trip), seen by a real Redis server's
MONITOR: every command on the cache's database from the start of the request to a marker
sent after it."""

import os
import uuid
from collections.abc import Callable

import pytest
import redis
from django.core.cache import cache
from oauth2_provider.models import AccessToken

from labshare.api.auth import checksum
from tests.conftest import redis_caches

REDIS_URL = os.environ.get("LABSHARE_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


@pytest.fixture
def redis_cache(settings):
    settings.REDIS_URL = REDIS_URL
    settings.CACHES = redis_caches(REDIS_URL)
    cache.clear()
    yield
    cache.clear()


def commands_sent(request: Callable[[], object]) -> list[str]:
    """The names of the commands the cache's database received while `request` ran."""
    server = redis.Redis.from_url(REDIS_URL)
    database = server.connection_pool.connection_kwargs.get("db", 0)
    marker = f"end-of-request-{uuid.uuid4().hex}"
    marking = redis.Redis.from_url(REDIS_URL)
    marking.ping()  # connected (and its SELECT sent) before the count starts
    names = []
    with server.monitor() as monitor:
        request()
        marking.echo(marker)
        while marker not in (command := monitor.next_command())["command"]:
            if command["db"] == database:
                names.append(command["command"].split()[0])
    return names


@pytest.mark.parametrize(
    "path",
    ["/v1/bookings", "/v1/bookings?page=2&per_page=1", "/v1/bookings?view=detail", "/v1/equipment"],
)
def test_a_cached_list_takes_two_round_trips(world, alice_token, api, redis_cache, path):
    first = api(path, alice_token)
    assert first.status_code == 200
    # 1: the token and the data version; 2: the total and, for bookings, where the page starts.
    again = commands_sent(lambda: api(path, alice_token))
    assert again == ["MGET", "MGET"]
    assert api(path, alice_token).content == first.content


def test_a_cached_detail_takes_one_round_trip(world, alice_token, api, redis_cache):
    path = f"/v1/bookings/{world.booking.id}"
    assert api(path, alice_token).status_code == 200
    # 1: the token (and the data version, read with it).
    assert commands_sent(lambda: api(path, alice_token)) == ["MGET"]


def test_a_first_list_request_fills_the_cache(world, alice_token, api, redis_cache):
    commands = commands_sent(lambda: api("/v1/bookings", alice_token))
    # The token and version (missed), the token kept, the version made (GET, SET NX, GET),
    # the total and page start (missed), the total kept.
    assert commands == ["MGET", "SET", "GET", "SET", "GET", "MGET", "SET"]


def test_a_revoked_token_is_refused_at_once(world, alice_token, api, redis_cache):
    assert api("/v1/bookings", alice_token).status_code == 200
    AccessToken.objects.get(token_checksum=checksum(alice_token)).delete()
    response = api("/v1/bookings", alice_token)
    assert response.status_code == 401
    assert response.json()["error_description"] == "The access token was revoked"


def test_a_write_renews_the_version_the_next_list_reads(world, alice_token, api, redis_cache):
    before = api("/v1/bookings", alice_token)
    world.booking.delete()
    after = api("/v1/bookings", alice_token)
    assert int(after["X-Total-Records"]) == int(before["X-Total-Records"]) - 1
    assert world.booking.id not in [b["id"] for b in after.json()]


@pytest.mark.parametrize("path", ["/v1/bookings", "/v1/bookings?page=2&per_page=1", "/v1/equipment"])
def test_without_redis_it_answers_from_the_database(world, alice_token, api, settings, tmp_path, path):
    expected = api(path, alice_token)  # with the local-memory cache of the test settings
    # Nothing listens there: every cache call fails, and is ignored as a miss.
    settings.CACHES = redis_caches(f"unix://{tmp_path / 'no-redis.sock'}")
    for _ in range(2):
        response = api(path, alice_token)
        assert response.status_code == 200
        assert response.content == expected.content
        assert response["X-Total-Records"] == expected["X-Total-Records"]
        assert response["Link"] == expected["Link"]
