"""Pull benchmark: `labshare pull` of every booking into DuckDB against a plain sequential
page loop, in the same job, against the same running server.

    labshare login ...                     # a connection with read_bookings (LABSHARE_CLIENT_HOME)
    python bench/pull_bench.py             # both, one after the other, each in its own process

Each run is a child process, so its peak memory (ru_maxrss) is its own; the resident size is
also sampled every 10 % of the records to show whether memory grows with them. Both write
the list records to a fresh DuckDB file with the same writer; only the reading differs.
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import orjson

from labshare.client import Client
from labshare.client.store import Store
from labshare.client.sync import Puller


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


def run_labshare(target: Path, concurrency: int) -> dict:
    samples = Samples()
    with Client.from_store(concurrency=concurrency) as client:
        store = Store(target)
        started = time.perf_counter()
        summary = Puller(client, store, samples, details=False, full=True).pull(["bookings"])[0]
        elapsed = time.perf_counter() - started
        store.close()
    return {"records": summary.written, "seconds": elapsed, "rss_samples": samples.points}


def run_plain(target: Path) -> dict:
    """What a script would do: page after page until the totals say stop, then write each page."""
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
            store.upsert("bookings", rows)
            records += len(rows)
            samples.total = int(response.headers["X-Total-Records"])
            samples.advance("bookings", len(rows))
            if page * 100 >= samples.total:
                break
            page += 1
    elapsed = time.perf_counter() - started
    store.close()
    return {"records": records, "seconds": elapsed, "rss_samples": samples.points}


def child(mode: str, concurrency: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "pull.duckdb"
        result = run_labshare(target, concurrency) if mode == "labshare" else run_plain(target)
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--child", choices=["plain", "labshare"])
    options = parser.parse_args()
    if options.child:
        child(options.child, options.concurrency)
        return
    results = {}
    for mode in ("plain", "labshare"):
        command = [sys.executable, __file__, "--child", mode, "--concurrency", str(options.concurrency)]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        results[mode] = json.loads(output.strip().splitlines()[-1])
    for mode, result in results.items():
        rate = result["records"] / result["seconds"]
        print(
            f"{mode:9} {result['records']:>9,} records in {result['seconds']:7.1f} s"
            f" = {rate:8,.0f} records/s,"
            f" peak RSS {result['peak_rss_mb']:.0f} MB; RSS by records: {result['rss_samples']}"
        )
    plain, labshare = results["plain"], results["labshare"]
    speedup = (labshare["records"] / labshare["seconds"]) / (plain["records"] / plain["seconds"])
    print(f"speed-up: {speedup:.2f}x (concurrency {options.concurrency})")


if __name__ == "__main__":
    main()
