"""/metrics in process: off, the token, counts that move, bounded labels, the gauge callbacks."""

import pytest
from django.core.cache import caches
from prometheus_client.parser import text_string_to_metric_families

from labshare import metrics
from labshare.accounts.models import User
from tests.conftest import redis_caches
from tests.e2e.conftest import free_port

TOKEN = "metrics-scrape-token"


def scrape(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def requests_of(samples: dict, route: str, status: str = "200", method: str = "GET") -> float:
    key = ("labshare_http_requests_total", (("method", method), ("route", route), ("status", status)))
    return samples.get(key, 0.0)


@pytest.fixture
def metrics_on(settings):
    settings.LABSHARE_METRICS_TOKEN = TOKEN


def test_it_is_not_found_while_metrics_are_off(client, settings):
    settings.LABSHARE_METRICS_TOKEN = ""
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", f"Basic {TOKEN}", "Bearer "])
def test_it_wants_the_token(client, metrics_on, authorization):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    response = client.get("/metrics", **headers)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "no-store" in response["Cache-Control"]


def test_requests_are_counted_by_route_method_and_status(client, metrics_on, alice_token):
    before = scrape(client)
    for _ in range(3):
        client.get("/v1/bookings", HTTP_AUTHORIZATION=f"Bearer {alice_token}")
    client.get("/v1/bookings", HTTP_AUTHORIZATION="Bearer not-a-token")
    after = scrape(client)
    assert requests_of(after, "api-bookings") - requests_of(before, "api-bookings") == 3
    assert requests_of(after, "api-bookings", "401") - requests_of(before, "api-bookings", "401") == 1
    count = ("labshare_http_request_duration_seconds_count", (("method", "GET"), ("route", "api-bookings")))
    assert after[count] - before.get(count, 0) == 4


def test_labels_name_routes_never_paths(client, metrics_on, alice_token, graphene_lab):
    for path in ("/v1/bookings/1", "/v1/bookings/2", "/v1/bookings/987654", "/no/such/page/31"):
        client.get(path, HTTP_AUTHORIZATION=f"Bearer {alice_token}")
    client.generic("BREW", "/v1/bookings")
    labels = {value for _, pairs in scrape(client) for _, value in pairs}
    assert {"api-booking", "unmatched", "other"} <= labels
    assert not [value for value in labels if "/" in value or (value.isdigit() and len(value) > 3)]


def test_rate_limit_refusals_are_counted(client, metrics_on, settings, db):
    settings.LABSHARE_RATE_LIMIT = "1/minute"
    before = scrape(client).get(("labshare_rate_limit_refusals_total", (("limit", "token"),)), 0)
    statuses = [
        client.post("/oauth/token", {"grant_type": "client_credentials"}).status_code for _ in range(3)
    ]
    assert statuses.count(429) == 2
    after = scrape(client)[("labshare_rate_limit_refusals_total", (("limit", "token"),))]
    assert after - before == 2


def test_cache_errors_are_counted(client, metrics_on, settings):
    settings.CACHES = redis_caches(f"redis://127.0.0.1:{free_port()}/0")
    before = scrape(client).get(("labshare_cache_errors_total", ()), 0)
    assert caches["default"].get("anything") is None  # a miss, as django-redis answers while Redis is down
    assert scrape(client)[("labshare_cache_errors_total", ())] - before == 1


def test_a_gauge_callback_is_read_at_each_scrape(client, metrics_on, alice):
    metrics.register_gauge_callback("labshare_test_users", "Users in the database", User.objects.count)
    metrics.register_gauge_callback("labshare_test_broken", "A gauge that fails", lambda: 1 / 0)
    try:
        assert scrape(client)[("labshare_test_users", ())] == User.objects.count()
        User.objects.create_user(email="eve@example.test", password="x")
        samples = scrape(client)
        assert samples[("labshare_test_users", ())] == User.objects.count() > 1
        assert ("labshare_test_broken", ()) not in samples
    finally:
        metrics.unregister_gauge_callback("labshare_test_users")
        metrics.unregister_gauge_callback("labshare_test_broken")
