"""Health, metrics and the request log on real `labshare serve` processes.

One server of two workers (LOG_FORMAT=json, metrics on, Redis) for the module, and two that
start without a dependency: PostgreSQL on a closed port (and Redis too), or Redis alone.
"""

import os
import subprocess
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import orjson
import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import free_port, start_labshare_serve, stop_process_group

pytestmark = pytest.mark.e2e

REDIS_URL = os.environ.get("LABSHARE_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
METRICS_TOKEN = "observability-scrape-token"
SECRET = "SECRETVALUE1234"
SCRAPE = {"Authorization": f"Bearer {METRICS_TOKEN}"}


def closed_port() -> int:
    return free_port()  # bound and released: nothing listens there


def serve(tmp: Path, name: str, env: dict, workers: int = 1) -> tuple[subprocess.Popen, str, Path]:
    log = tmp / f"{name}.log"
    process, base_url = start_labshare_serve(
        {"LOG_FORMAT": "json", "LABSHARE_METRICS_TOKEN": METRICS_TOKEN, **env}, workers=workers, log=log
    )
    return process, base_url, log


@pytest.fixture(scope="module")
def tmp_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="labshare-observability-") as name:
        yield Path(name)


@pytest.fixture(scope="module")
def two_workers(django_db_setup, tmp_dir) -> Iterator[tuple[subprocess.Popen, str, Path]]:
    redis.Redis.from_url(REDIS_URL).flushdb()
    process, base_url, log = serve(tmp_dir, "two-workers", {"REDIS_URL": REDIS_URL}, workers=2)
    yield process, base_url, log
    stop_process_group(process)


@pytest.fixture(scope="module")
def without_postgresql(django_db_setup, tmp_dir) -> Iterator[str]:
    env = {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{closed_port()}/labshare_nowhere",
        "REDIS_URL": f"redis://127.0.0.1:{closed_port()}/0",
    }
    process, base_url, _ = serve(tmp_dir, "without-postgresql", env)
    yield base_url
    stop_process_group(process)


@pytest.fixture(scope="module")
def without_redis(django_db_setup, tmp_dir) -> Iterator[str]:
    process, base_url, _ = serve(
        tmp_dir, "without-redis", {"REDIS_URL": f"redis://127.0.0.1:{closed_port()}/0"}
    )
    yield base_url
    stop_process_group(process)


def samples(base_url: str) -> dict[tuple[str, tuple], float]:
    response = httpx.get(f"{base_url}/metrics", headers=SCRAPE, timeout=10)
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def requests_of(found: dict, route: str, status: str) -> float:
    return found.get(
        ("labshare_http_requests_total", (("method", "GET"), ("route", route), ("status", status))), 0
    )


def test_ready_checks_postgresql_and_redis(two_workers):
    _, base_url, _ = two_workers
    response = httpx.get(f"{base_url}/health/ready", timeout=10)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}
    assert httpx.get(f"{base_url}/health/live", timeout=10).json() == {"status": "ok"}


def test_metrics_add_up_across_the_two_workers(two_workers):
    process, base_url, _ = two_workers
    assert httpx.get(f"{base_url}/metrics", timeout=10).status_code == 401
    before = requests_of(samples(base_url), "health-live", "200")

    def probe(_: int) -> int:
        return httpx.get(f"{base_url}/health/live", timeout=10).status_code  # a new connection each

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(probe, range(40))) == {200}
    # Each scrape lands on either worker; each must see both workers' counts.
    for _ in range(6):
        assert requests_of(samples(base_url), "health-live", "200") - before == 40
    environ = Path(f"/proc/{process.pid}/environ").read_bytes().split(b"\0")
    [directory] = [
        item.split(b"=", 1)[1].decode() for item in environ if item.startswith(b"PROMETHEUS_MULTIPROC_DIR=")
    ]
    writers = {path.stem.rsplit("_", 1)[1] for path in Path(directory).glob("counter_*.db")}
    assert len(writers) == 2, "both workers answered and counted"


def test_each_log_line_is_json_with_the_echoed_id_and_no_secret(two_workers):
    _, base_url, log = two_workers
    response = httpx.get(
        f"{base_url}/v1/bookings?access_token={SECRET}&code={SECRET}",
        headers={
            "Authorization": f"Bearer {SECRET}",
            "Cookie": f"sessionid={SECRET}",
            "X-Request-Id": "e2e-1",
        },
        timeout=10,
    )
    assert response.status_code == 401
    assert response.headers["X-Request-Id"] == "e2e-1"
    made = httpx.get(f"{base_url}/health/live", timeout=10).headers["X-Request-Id"]
    text = log.read_text()
    entries = [orjson.loads(line) for line in text.splitlines() if line.strip()]  # each line is JSON
    assert SECRET not in text
    [line] = [entry for entry in entries if entry.get("request_id") == "e2e-1"]
    assert (line["method"], line["route"], line["path"], line["status"]) == (
        "GET",
        "api-bookings",
        "/v1/bookings",
        401,
    )
    assert len([entry for entry in entries if entry.get("request_id") == made]) == 1  # one line, not two


def test_without_postgresql_ready_names_the_database(without_postgresql):
    response = httpx.get(f"{without_postgresql}/health/ready", timeout=10)
    assert response.status_code == 503
    body = response.json()
    assert body["checks"] == {"database": "unavailable", "redis": "unavailable"}
    assert body["error"] == "temporarily_unavailable"
    assert httpx.get(f"{without_postgresql}/health/live", timeout=10).status_code == 200
    assert (
        httpx.get(f"{without_postgresql}/v1/bookings", headers={"Authorization": "Bearer x"}).status_code
        == 503
    )
    found = samples(without_postgresql)
    assert found[("labshare_database_errors_total", ())] >= 2
    assert found[("labshare_cache_errors_total", ())] >= 1


def test_without_redis_ready_names_redis(without_redis):
    response = httpx.get(f"{without_redis}/health/ready", timeout=10)
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "redis": "unavailable"}
