"""Secret-flood benchmark: API latency while one address sends wrong client secrets.

    python bench/secret_flood.py --size medium --database-url postgres://.../labshare_x

Builds (or reuses) the demo set as `make bench` does, starts the server as `labshare serve`
runs it (one worker per core), then for each way of storing a client secret (`--hashes`):
PBKDF2 at Django's default iterations (how Labshare stored them before) and the keyed
SHA-256 it stores now, it

- reads `/v1/bookings?per_page=25` one request after the other for `--duration` seconds
  (quiet), then
- does the same while one address sends `--flood` token requests with a wrong client secret,
  evenly spread over the same duration (inside the token endpoint's rate limit of 60 a
  minute), each in its own thread so that a slow answer does not delay the next,

and prints the API's p50, p90 and p99 in both phases and the flood's own latency. Results go
to bench/results/secret-flood-<time>.json.
"""

import argparse
import json
import os
import statistics
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import redis
import run

HASHES = ("pbkdf2_sha256", "labshare_hmac_sha256")
APP_NAME = "Secret flood bench"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def latency_summary(seconds: list[float]) -> dict:
    return {
        "requests": len(seconds),
        **{name: round(percentile(seconds, q) * 1000, 1) for name, q in (("p50_ms", 0.5), ("p90_ms", 0.9))},
        "p99_ms": round(percentile(seconds, 0.99) * 1000, 1),
    }


def flood_application(hasher: str) -> str:
    """A confidential application whose secret is stored with `hasher`; its client_id."""
    from django.contrib.auth.hashers import make_password

    from labshare.oauth.models import Application

    application, _ = Application.objects.get_or_create(
        name=APP_NAME,
        defaults={
            "client_type": Application.CLIENT_CONFIDENTIAL,
            "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
            "redirect_uris": "https://flood.example.org/callback",
            "scopes": "read_bookings",
        },
    )
    stored = make_password("the right secret", hasher=hasher)
    Application.objects.filter(pk=application.pk).update(client_secret=stored)
    return application.client_id


def read_api(url: str, token: str, duration: float) -> list[float]:
    seconds = []
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
        deadline = time.monotonic() + duration
        while time.monotonic() < deadline:
            started = time.monotonic()
            client.get("/v1/bookings", params={"per_page": 25}).raise_for_status()
            seconds.append(time.monotonic() - started)
    return seconds


def flood(
    client: httpx.Client, client_id: str, count: int, duration: float, answers: list
) -> list[threading.Timer]:
    """Send `count` wrong-secret token requests, evenly spread over `duration`, each in its own thread."""
    body = {
        "grant_type": "refresh_token",
        "refresh_token": "x",
        "client_id": client_id,
        "client_secret": "wrong",
    }

    def send() -> None:
        started = time.monotonic()
        status = client.post("/oauth/token", data=body).status_code
        answers.append((status, time.monotonic() - started))

    timers = [threading.Timer(n * duration / count, send) for n in range(count)]
    for timer in timers:
        timer.start()
    return timers


def measure(server: run.Server, token: str, client_id: str, options: argparse.Namespace) -> dict:
    read_api(server.url, token, 2)  # warm-up
    quiet = read_api(server.url, token, options.duration)
    answers: list[tuple[int, float]] = []
    limits = httpx.Limits(max_connections=options.flood)
    with httpx.Client(base_url=server.url, timeout=300, limits=limits) as flooder:
        timers = flood(flooder, client_id, options.flood, options.duration, answers)
        flooded = read_api(server.url, token, options.duration)
        for timer in timers:
            timer.join()
    statuses: dict[str, int] = {}
    for status, _ in answers:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    return {
        "api_quiet": latency_summary(quiet),
        "api_during_flood": latency_summary(flooded),
        "flood": {
            "statuses": statuses,
            "median_ms": round(statistics.median(s for _, s in answers) * 1000, 1) if answers else None,
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="medium", help="As `make bench`'s --size. Default: medium.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--duration", type=float, default=20, help="Seconds of each phase. Default: 20.")
    parser.add_argument("--flood", type=int, default=48, help="Wrong-secret requests per flood. Default: 48.")
    parser.add_argument("--hashes", default=",".join(HASHES), help=f"From {','.join(HASHES)}.")
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", run.DEFAULT_DATABASE_URL)
    )
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", run.DEFAULT_REDIS_URL))
    parser.add_argument("--results", type=Path, default=run.RESULTS_DIR)
    options = parser.parse_args()
    env = {
        **os.environ,
        "DATABASE_URL": options.database_url,
        "REDIS_URL": options.redis_url,
        "LOG_LEVEL": "ERROR",
    }
    counts, _ = run.ensure_data(options, env)
    run.setup_django(env)
    token, _ = run.bench_token()
    cpus = ",".join(str(n) for n in range(os.cpu_count() or 1))
    results = {}
    for hasher in options.hashes.split(","):
        client_id = flood_application(hasher)
        redis.Redis.from_url(options.redis_url).flushdb()  # a fresh rate-limit window
        server = run.start_server("api", env, cpus, len(run.cpu_list(cpus)))
        try:
            print(f"{hasher}...", flush=True)
            results[hasher] = measure(server, token, client_id, options)
        finally:
            run.stop_server(server)
        quiet, flooded = results[hasher]["api_quiet"], results[hasher]["api_during_flood"]
        print(
            f"{hasher:22} API p50/p90/p99 quiet {quiet['p50_ms']}/{quiet['p90_ms']}/{quiet['p99_ms']} ms,"
            f" during the flood {flooded['p50_ms']}/{flooded['p90_ms']}/{flooded['p99_ms']} ms;"
            f" flood answers {results[hasher]['flood']}",
            flush=True,
        )
    options.results.mkdir(parents=True, exist_ok=True)
    path = options.results / f"secret-flood-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    summary = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "data": counts,
        "duration_s": options.duration,
        "flood_requests": options.flood,
        "server_workers": len(run.cpu_list(cpus)),
        "results": results,
    }
    path.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"Results: {path}")


if __name__ == "__main__":
    main()
