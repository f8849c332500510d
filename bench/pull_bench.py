"""Pull benchmark: `labshare pull` of every booking into DuckDB against a plain sequential
page loop, in the same job, against the same running server.

    make bench-pull                        # the large set (1,000,000 bookings) on PostgreSQL
    python bench/pull_bench.py --size medium --modes plain,details

It builds (or reuses) the demo set in the bench's database as `make bench` does, starts the
server as `labshare serve` runs it (one worker per core), issues a token for every lab to a
bench user, saves it as a client connection in a temporary LABSHARE_CLIENT_HOME, then runs
each mode, one after the other, each in its own process:

- plain: a sequential page loop over /v1/bookings, list records only (the baseline);
- labshare: the pull's code path, list records only (`--no-details`);
- plain_details: the plain loop, reading each booking's details one after the other (the
  same data as `details`); timed on the first `--sample` bookings;
- details: the pull with every booking's details, read with the list pages (`view=detail`)
  when the server offers them;
- per_booking: one GET /v1/bookings/{id} per booking, `--concurrency` at a time, as the pull
  reads details from a server without `view=detail`; timed on the first `--sample` bookings
  only, since all of them would take hours on a big set.

Each run is a child process, so its peak memory (ru_maxrss) is its own; the resident size is
also sampled every 10 % of the records to show whether memory grows with them. All write to a
fresh DuckDB file with the same writer; only the reading differs. Results go to
bench/results/pull-<time>.json.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
import orjson
import run

from labshare.client import Client
from labshare.client.store import Store
from labshare.client.sync import Puller
from labshare.client.tokens import Credentials, TokenStore

MODES = ("plain", "labshare", "plain_details", "details", "per_booking")


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


class Samples:
    """Resident memory each time another tenth of the records is written."""

    def __init__(self) -> None:
        self.total = 0
        self.done = 0
        self.points: list[tuple[int, float]] = []

    def add_total(self, resource_name: str, count: int) -> None:
        self.total += count

    def advance(self, resource_name: str, count: int) -> None:
        before = self.done
        self.done += count
        if self.total and self.done * 10 // self.total > before * 10 // self.total:
            self.points.append((self.done, round(rss_mb(), 1)))


def run_labshare(target: Path, concurrency: int, details: bool) -> dict:
    samples = Samples()
    with Client.from_store(concurrency=concurrency) as client:
        store = Store(target)
        started = time.perf_counter()
        summary = Puller(client, store, samples, details=details, full=True).pull(["bookings"])[0]
        elapsed = time.perf_counter() - started
        store.close()
    return {
        "records": summary.written,
        "seconds": elapsed,
        "rss_samples": samples.points,
        "details_in_pages": summary.details_in_pages,
        "detail_requests": summary.detail_requests,
    }


def run_per_booking(target: Path, concurrency: int, sample: int) -> dict:
    """The details of the newest `sample` bookings, one request each, as the pull reads them
    from a server without `view=detail` (the list pages that name them are not timed)."""
    samples = Samples()
    with Client.from_store(concurrency=concurrency) as client:
        ids = [record["id"] for _, record in zip(range(sample), client.bookings(), strict=False)]
        samples.total = len(ids)
        store = Store(target)
        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            for start in range(0, len(ids), 500):
                rows = list(pool.map(client.booking, ids[start : start + 500]))
                now = datetime.now(UTC).isoformat()
                store.upsert("bookings", [{**row, "_details_at": now} for row in rows])
                samples.advance("bookings", len(rows))
        elapsed = time.perf_counter() - started
        store.close()
    return {
        "records": len(ids),
        "seconds": elapsed,
        "rss_samples": samples.points,
        "detail_requests": len(ids),
    }


def run_plain(target: Path, details: bool = False, sample: int = 0) -> dict:
    """What a script would do: page after page until the totals say stop, then write each page;
    with `details`, each booking's details read one after the other, on the first `sample`
    bookings only."""
    client = Client.from_store()
    token = client.session.access_token()
    api = client.session.credentials.api_url
    store = Store(target)
    samples = Samples()
    started = time.perf_counter()
    page, records = 1, 0
    with httpx.Client(timeout=120, headers={"Authorization": f"Bearer {token}"}) as http:
        while True:
            response = http.get(f"{api}bookings", params={"page": page, "per_page": 100})
            response.raise_for_status()
            rows = orjson.loads(response.content)
            total = int(response.headers["X-Total-Records"])
            if details:
                rows = [orjson.loads(http.get(f"{api}bookings/{row['id']}").content) for row in rows]
                total = min(total, sample)
            store.upsert("bookings", rows)
            records += len(rows)
            samples.total = total
            samples.advance("bookings", len(rows))
            if page * 100 >= total:
                break
            page += 1
    elapsed = time.perf_counter() - started
    store.close()
    return {"records": records, "seconds": elapsed, "rss_samples": samples.points}


def child(mode: str, concurrency: int, sample: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "pull.duckdb"
        if mode in ("plain", "plain_details"):
            result = run_plain(target, details=mode == "plain_details", sample=sample)
        elif mode == "per_booking":
            result = run_per_booking(target, concurrency, sample)
        else:
            result = run_labshare(target, concurrency, details=mode == "details")
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(result))


def connect(home: Path, url: str, token: str) -> None:
    """Save a client connection for the bench token: it lives longer than any run."""
    from labshare.oauth.tokens import demo_application

    TokenStore(home).save(
        Credentials(
            web_url=url + "/",
            api_url=url + "/v1/",
            client_id=demo_application().client_id,
            client_secret=None,
            access_token=token,
            refresh_token=None,
            expires_at=time.time() + 7200,
            scope="read_bookings",
        )
    )


def run_modes(options: argparse.Namespace, env: dict) -> dict:
    results = {}
    for mode in options.modes.split(","):
        command = [
            *(sys.executable, __file__, "--child", mode),
            *("--concurrency", str(options.concurrency), "--sample", str(options.sample)),
        ]
        print(f"{mode}...", flush=True)
        output = subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout
        results[mode] = json.loads(output.strip().splitlines()[-1])
    return results


def report(results: dict, options: argparse.Namespace) -> None:
    for mode, result in results.items():
        result["records_per_second"] = round(result["records"] / result["seconds"], 1)
        requests = f", {result['detail_requests']:,} detail requests" if "detail_requests" in result else ""
        print(
            f"{mode:13} {result['records']:>9,} records in {result['seconds']:7.1f} s"
            f" = {result['records_per_second']:8,.0f} records/s{requests},"
            f" peak RSS {result['peak_rss_mb']:.0f} MB; RSS by records: {result['rss_samples']}"
        )
    # Each pull against the plain loop that reads the same data.
    for mode, baseline in (("labshare", "plain"), ("details", "plain_details"), ("details", "plain")):
        if mode in results and baseline in results:
            ratio = round(results[mode]["records_per_second"] / results[baseline]["records_per_second"], 2)
            results[mode][f"ratio_to_{baseline}"] = ratio
            print(f"{mode} / {baseline}: {ratio:.2f}x (concurrency {options.concurrency})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--modes", default=",".join(MODES), help=f"Comma-separated, from {','.join(MODES)}.")
    parser.add_argument("--sample", type=int, default=2000, help="Bookings the per_booking mode reads.")
    parser.add_argument("--size", default="large", help="As `make bench`'s --size. Default: large.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", run.DEFAULT_DATABASE_URL)
    )
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", run.DEFAULT_REDIS_URL))
    parser.add_argument("--results", type=Path, default=run.RESULTS_DIR)
    parser.add_argument("--child", choices=MODES)
    options = parser.parse_args()
    if options.child:
        child(options.child, options.concurrency, options.sample)
        return
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
    server = run.start_server("api", env, cpus, len(run.cpu_list(cpus)))
    try:
        with tempfile.TemporaryDirectory() as home:
            connect(Path(home), server.url, token)
            results = run_modes(options, {**os.environ, "LABSHARE_CLIENT_HOME": home})
    finally:
        run.stop_server(server)
    report(results, options)
    save_results(options, "pull", counts, cpus, results)


def save_results(options: argparse.Namespace, prefix: str, counts: dict, cpus: str, results: object) -> None:
    """The run's figures as bench/results/<prefix>-<time>.json."""
    options.results.mkdir(parents=True, exist_ok=True)
    path = options.results / f"{prefix}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    summary = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "data": counts,
        "concurrency": options.concurrency,
        "server_workers": len(run.cpu_list(cpus)),
        "results": results,
    }
    path.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"Results: {path}")


if __name__ == "__main__":
    main()
