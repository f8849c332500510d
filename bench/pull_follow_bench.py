"""Follow benchmark: the cost of a second `labshare pull` after changes, following /v1/changes
against the re-read a pull made before /v1/changes existed, on the same data in the same job.

    make bench-pull-follow                       # the large set (1,000,000 bookings), 1,000 changes
    python bench/pull_follow_bench.py --size 2000 --changes 50

It builds (or reuses) the demo set as `make bench` does, copies the database (`CREATE DATABASE
... TEMPLATE`, so the changes never reach the bench's data; `--copy-to ''` works in place),
starts the server as `labshare serve` runs it (one worker per core), issues a token for every
lab to a bench user, and then, in the same process:

1. first: a full first pull of every resource (details included) into an empty DuckDB file,
   which is then copied, so that both second pulls start from the same local store;
2. `--changes` events of `labshare demo --live` (its own code: `LiveFacility`, the domain
   functions), with more deletions and equipment and membership changes than the live demo's
   mix; an event counts when it recorded a change in the change feed;
3. follow: the second pull into the first store, as `labshare pull` runs it: it follows
   /v1/changes from the cursor the first pull stored;
4. before: the same second pull into the copy, as the client made it before /v1/changes: the
   client's probe of /v1/changes answers None, as against a server without it (a 404), so the
   pull takes that code path (the lists read from `updated_since`, a count check, and the list
   read in full when the counts differ, to find deletions);
5. fresh: a full pull into an empty file, the reference: after 3 and after 4 the local tables
   must hold exactly its rows (every column but the client's bookkeeping), deletions included.

Requests are counted on the client (an httpx event hook), by kind. Results go to
bench/results/pull-follow-<time>.json.
"""

import argparse
import os
import shutil
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import httpx
import psycopg
import pull_bench
import redis
import run
from migrate_bench import with_database

from labshare.client import Client
from labshare.client.store import Store
from labshare.client.sync import Puller
from labshare.client.tables import RESOURCES, TABLES
from labshare.client.tokens import TokenStore

# `labshare demo --live`'s events, weighted for a second pull's worst case: more deletions,
# new instruments and members leaving labs than the live demo makes.
CHANGE_MIX = {
    "request": 40,
    "approve": 18,
    "decline": 3,
    "cancel": 8,
    "note": 10,
    "complete": 2,
    "add_instrument": 5,
    "delete_booking": 8,
    "leave_lab": 6,
}


READ_SCOPES = ("read_user", "read_accounts", "read_equipment", "read_projects", "read_bookings")


def pull_token() -> str:
    """The bench user's token (a member of every lab, authorised for every lab) with every
    scope a pull of every resource reads."""
    from labshare.accounts.models import Account, AccountType, User
    from labshare.oauth.tokens import demo_application, issue_tokens

    run.bench_token()
    user = User.objects.get(email=run.BENCH_EMAIL)
    labs = Account.objects.filter(account_type=AccountType.LAB).order_by("id")
    return issue_tokens(user, demo_application(), labs, READ_SCOPES)["access_token"]


class ClientBeforeChanges(Client):
    """The client as against a server without /v1/changes: its probe answers None, as on a
    404, and the pull reads the lists as it did before /v1/changes existed."""

    def changes_cursor(self) -> str | None:
        return None


def request_kind(request: httpx.Request) -> str:
    path = request.url.path.split("/v1/", 1)[-1]
    if path == "changes":
        return "changes"
    if request.url.params.get("per_page") == "1":
        return "probe"  # a capability probe or a count check
    return "detail" if path.rsplit("/", 1)[-1].isdigit() else "list"


def count_requests(client: Client) -> Counter[str]:
    counts: Counter[str] = Counter()
    lock = threading.Lock()

    def count(request: httpx.Request) -> None:
        with lock:
            counts[request_kind(request)] += 1

    client.session.http.event_hooks["request"].append(count)
    return counts


def pull(home: Path, target: Path, client_class: type[Client], concurrency: int) -> dict:
    """One `labshare pull` of every resource into `target`, with its cost."""
    with client_class.from_store(TokenStore(home), concurrency=concurrency) as client:
        requests = count_requests(client)
        store = Store(target)
        started = time.perf_counter()
        summaries = Puller(client, store).pull(RESOURCES)
        seconds = time.perf_counter() - started
        rows = {table: store.count(table) for table in RESOURCES}
        store.close()
    print(f"  {sum(requests.values()):,} requests {dict(requests)}, {seconds:.1f} s", flush=True)
    return {
        "seconds": round(seconds, 2),
        "requests": sum(requests.values()),
        "requests_by_kind": dict(sorted(requests.items())),
        "written": sum(summary.written for summary in summaries),
        "deleted": sum(summary.deleted for summary in summaries),
        "rows": rows,
        "tables": {
            summary.resource: {
                "mode": summary.mode,
                "read": summary.read,
                "written": summary.written,
                "deleted": summary.deleted,
                "deletions_checked": summary.deletions_checked,
                "notes": summary.notes,
            }
            for summary in summaries
        },
    }


def make_changes(count: int, seed: int) -> dict:
    """`count` events of the live demo that each recorded a change (at most 3 tries each)."""
    from django.conf import settings
    from django.db.models import Count, Max

    from labshare.changes.models import Change
    from labshare.demo.live import LiveFacility

    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"  # the events' notices
    facility = LiveFacility(seed, datetime.now(UTC))
    facility.kinds, facility.weights = list(CHANGE_MIX), list(CHANGE_MIX.values())
    first = Change.objects.aggregate(last=Max("id"))["last"] or 0
    last, events, tries = first, Counter(), 0
    started = time.perf_counter()
    for event in facility.events():
        tries += 1
        latest = Change.objects.aggregate(last=Max("id"))["last"] or 0
        if latest > last:
            events[event.kind] += 1
            last = latest
        if sum(events.values()) == count or tries == 3 * count:
            break
    recorded = Change.objects.filter(id__gt=first).values("type", "action").annotate(n=Count("id")).order_by()
    return {
        "events": sum(events.values()),
        "tries": tries,
        "seconds": round(time.perf_counter() - started, 1),
        "by_kind": dict(sorted(events.items())),
        "recorded": {f"{row['type']} {row['action']}": row["n"] for row in recorded},
    }


def differences(pulled: Path, reference: Path) -> tuple[dict[str, int], dict[str, list]]:
    """Per table, how many keys have a row that differs between the files or is in one only,
    comparing a hash of every column but the client's bookkeeping (a key and a hash a row:
    little memory), and the first few of those keys."""
    db = duckdb.connect()
    db.execute("SET TimeZone = 'UTC'")
    db.execute("SET preserve_insertion_order = false")
    db.execute(f"SET temp_directory = '{reference.parent / 'compare.tmp'}'")
    db.execute(f"ATTACH '{pulled}' AS pulled (READ_ONLY)")
    db.execute(f"ATTACH '{reference}' AS reference (READ_ONLY)")
    found, keys = {}, {}
    for name in RESOURCES:
        table = TABLES[name]
        row = ", ".join(f'CAST("{column}" AS VARCHAR)' for column in table.data_columns)
        hashed = f'"{table.key}" AS key, md5(CAST(list_value({row}) AS VARCHAR)) AS hash'
        one, other = (f'SELECT {hashed} FROM {side}."{name}"' for side in ("pulled", "reference"))  # noqa: S608 (our own names)
        differing = (
            f"FROM ({one}) a FULL JOIN ({other}) b ON a.key = b.key WHERE a.hash IS DISTINCT FROM b.hash"
        )
        found[name] = db.execute(f"SELECT count(*) {differing}").fetchone()[0]
        if found[name]:
            sample = f"SELECT CAST(COALESCE(a.key, b.key) AS VARCHAR) AS key {differing} ORDER BY 1 LIMIT 10"
            keys[name] = [row[0] for row in db.execute(sample).fetchall()]
    db.close()
    return found, keys


def copy_database(url: str, copy: str) -> str:
    """A fresh copy of the database at `url`, named `copy`; its URL."""
    source = urlsplit(url).path.lstrip("/")
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{source}"')
    return with_database(url, copy)


def drop_database(url: str) -> None:
    from django.db import connections

    connections.close_all()
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def measure(options: argparse.Namespace, server_url: str, token: str) -> dict:
    results: dict = {}
    with tempfile.TemporaryDirectory() as folder:
        home, files = Path(folder) / "home", Path(folder)
        pull_bench.connect(home, server_url, token)
        print("first: a full pull...", flush=True)
        results["first"] = pull(home, files / "follow.duckdb", Client, options.concurrency)
        shutil.copyfile(files / "follow.duckdb", files / "before.duckdb")
        print(f"{options.changes} changes...", flush=True)
        results["changes"] = make_changes(options.changes, options.seed)
        for name, client_class, doing in (
            ("follow", Client, "the second pull, following /v1/changes"),
            ("before", ClientBeforeChanges, "the second pull as before /v1/changes"),
            ("fresh", Client, "a full pull, the reference"),
        ):
            print(f"{name}: {doing}...", flush=True)
            results[name] = pull(home, files / f"{name}.duckdb", client_class, options.concurrency)
        for name in ("follow", "before"):
            found, keys = differences(files / f"{name}.duckdb", files / "fresh.duckdb")
            results[name]["differences"], results[name]["differing_keys"] = found, keys
    return results


def database_rows() -> dict[str, int]:
    """What the server holds after the changes in the labs the bench user is still a member
    of (members leave labs among the changes, the bench user too), for the tables a count
    says it all."""
    from labshare.accounts.models import Membership
    from labshare.bookings.models import Booking
    from labshare.equipment.models import Equipment

    labs = Membership.objects.filter(user__email=run.BENCH_EMAIL).values("lab_id")
    return {
        "labs": labs.count(),
        "bookings": Booking.objects.filter(provider_lab_id__in=labs).count(),
        "equipment": Equipment.objects.filter(lab_id__in=labs).count(),
    }


def report(results: dict) -> None:
    changes = results["changes"]
    print(f"\n{changes['events']} changes in {changes['seconds']} s: {changes['by_kind']}")
    print(f"change feed: {changes['recorded']}")
    before = results["before"]
    print(
        f"\n{'pull':8} {'requests':>9} {'x before':>9} {'seconds':>8} {'x before':>9}"
        f" {'written':>9} {'deleted':>8}  requests by kind; differences from a fresh pull"
    )
    for name in ("first", "follow", "before", "fresh"):
        result = results[name]
        if name in ("follow", "before"):
            result["requests_ratio_to_before"] = round(result["requests"] / before["requests"], 4)
            result["seconds_ratio_to_before"] = round(result["seconds"] / before["seconds"], 4)
        print(
            f"{name:8} {result['requests']:>9,} {result.get('requests_ratio_to_before', ''):>9}"
            f" {result['seconds']:>8.1f} {result.get('seconds_ratio_to_before', ''):>9}"
            f" {result['written']:>9,} {result['deleted']:>8,}  {result['requests_by_kind']}"
            f"{'; ' + str(result['differences']) if 'differences' in result else ''}"
        )
        if result.get("differing_keys"):
            print(f"{'':8} differing keys (the first few): {result['differing_keys']}")
    for name in ("follow", "before"):
        modes = {table: summary["mode"] for table, summary in results[name]["tables"].items()}
        print(f"{name} modes: {modes}")
    print(
        f"\nrows after the changes, in the bench user's labs: database {results['database']},"
        f" fresh pull {results['fresh']['rows']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=1000, help="Events between the pulls. Default: 1000.")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--size", default="large", help="As `make bench`'s --size. Default: large.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", run.DEFAULT_DATABASE_URL)
    )
    parser.add_argument(
        "--copy-to",
        help="The database the changes are made in, a copy of the bench's (dropped at the end);"
        " '' for the bench's own. Default: <bench database>_follow.",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", run.DEFAULT_REDIS_URL),
        help="A Redis database the bench may empty.",
    )
    parser.add_argument("--port", type=int, help="The server's port. Default: a free one.")
    parser.add_argument("--results", type=Path, default=run.RESULTS_DIR)
    options = parser.parse_args()
    env = {**os.environ, "DATABASE_URL": options.database_url, "LOG_LEVEL": "ERROR"}
    counts, _ = run.ensure_data(options, env)
    copy = (
        f"{urlsplit(options.database_url).path.lstrip('/')}_follow"
        if options.copy_to is None
        else options.copy_to
    )
    if copy:
        print(f"Copying the data to {copy}...", flush=True)
        env["DATABASE_URL"] = copy_database(options.database_url, copy)
    env["REDIS_URL"] = options.redis_url
    redis.Redis.from_url(options.redis_url).flushdb()  # no cache entry of another copy's data
    run.setup_django(env)
    token = pull_token()
    cpus = ",".join(str(n) for n in range(os.cpu_count() or 1))
    server = run.start_server("api", env, cpus, len(run.cpu_list(cpus)), options.port)
    try:
        results = measure(options, server.url, token)
        results["database"] = database_rows()
    finally:
        run.stop_server(server)
        if copy:
            drop_database(env["DATABASE_URL"])
    report(results)
    pull_bench.save_results(options, "pull-follow", counts, cpus, results)


if __name__ == "__main__":
    main()
