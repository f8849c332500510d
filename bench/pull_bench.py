"""Pull benchmark: `labshare pull` of every booking into DuckDB against a plain sequential
page loop, in the same job, against the same running server.

    labshare login ...                     # a connection with read_bookings (LABSHARE_CLIENT_HOME)
    python bench/pull_bench.py             # every mode, one after the other, each in its own process

The modes:
- plain: a sequential page loop over /v1/bookings, list records only (the baseline);
- labshare: the pull's code path, list records only (`--no-details`);
- details: the pull with every booking's details, read with the list pages (`view=detail`)
  when the server offers them;
- per_booking: one GET /v1/bookings/{id} per booking, `--concurrency` at a time, as the pull
  reads details from a server without `view=detail`; timed on the first `--sample` bookings
  only, since all of them would take hours on a big set.

Each run is a child process, so its peak memory (ru_maxrss) is its own; the resident size is
also sampled every 10 % of the records to show whether memory grows with them. All write to a
fresh DuckDB file with the same writer; only the reading differs.
"""

import argparse
import json
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

from labshare.client import Client
from labshare.client.store import Store
from labshare.client.sync import Puller

MODES = ("plain", "labshare", "details", "per_booking")


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


def child(mode: str, concurrency: int, sample: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "pull.duckdb"
        if mode == "plain":
            result = run_plain(target)
        elif mode == "per_booking":
            result = run_per_booking(target, concurrency, sample)
        else:
            result = run_labshare(target, concurrency, details=mode == "details")
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--modes", default=",".join(MODES), help=f"Comma-separated, from {','.join(MODES)}.")
    parser.add_argument("--sample", type=int, default=2000, help="Bookings the per_booking mode reads.")
    parser.add_argument("--child", choices=MODES)
    options = parser.parse_args()
    if options.child:
        child(options.child, options.concurrency, options.sample)
        return
    results = {}
    for mode in options.modes.split(","):
        command = [
            *(sys.executable, __file__, "--child", mode),
            *("--concurrency", str(options.concurrency), "--sample", str(options.sample)),
        ]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        results[mode] = json.loads(output.strip().splitlines()[-1])
    for mode, result in results.items():
        rate = result["records"] / result["seconds"]
        requests = f", {result['detail_requests']:,} detail requests" if "detail_requests" in result else ""
        print(
            f"{mode:11} {result['records']:>9,} records in {result['seconds']:7.1f} s"
            f" = {rate:8,.0f} records/s{requests},"
            f" peak RSS {result['peak_rss_mb']:.0f} MB; RSS by records: {result['rss_samples']}"
        )
    if "plain" in results:
        plain_rate = results["plain"]["records"] / results["plain"]["seconds"]
        for mode, result in results.items():
            if mode != "plain":
                ratio = result["records"] / result["seconds"] / plain_rate
                print(f"{mode} / plain: {ratio:.2f}x (concurrency {options.concurrency})")


if __name__ == "__main__":
    main()
