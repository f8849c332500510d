"""`make bench`: the API under load on PostgreSQL, against a raw baseline and against
PostgreSQL alone in the same run.

Builds (or reuses) the demo data set in its own database, starts the server as
`labshare serve` runs it and the raw baseline (bench/baseline.py) under the same Granian
settings, checks that both give the same answers, then drives both with wrk, the servers
and wrk pinned to separate cores, and runs each figure's own statements under pgbench
(bench/pg_alone.py). Then the filtered figures (bench/figures.py), and the time the
migrations added since a commit take on a copy of the data (bench/migrate_bench.py).
Prints a table and writes bench/results/<time>.json and bench/results/latest.json.
bench/README.md says what each figure means.
"""

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import migrate_bench
import pg_alone
import psycopg
import redis
from figures import Scenario, busiest_lab, filtered_for, one_lab_token, unfiltered_for

from labshare.serve import DEFAULT_THREADS, granian_command

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
LUA_SCRIPT = BENCH_DIR / "paths.lua"
BIN = Path(sys.executable).parent
LABSHARE = str(BIN / "labshare")
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/labshare_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
SIZES = {"small": 2_000, "medium": 100_000, "large": 1_000_000}
DEEP_PAGE = 5_000
PER_PAGE = 100
BENCH_EMAIL = "bench@bench.labshare.test"
SCOPES = ("read_bookings", "read_equipment", "read_accounts")
# Headers that differ between any two answers, or that only one server sends.
# x-request-id: a fresh id per request (labshare/request_log.py), which the baseline does not send.
VOLATILE_HEADERS = {"date", "server", "connection", "vary", "x-request-id"}
# A figure whose single answer takes longer than this is driven with one connection per worker.
SLOW_SECONDS = 0.5
# Paths of a figure whose statements pgbench runs (one script each, picked at random).
CAPTURED_PATHS = 4
# The commit before the issue's work began: the migrations added since are timed.
MIGRATIONS_SINCE = "b04a1c9"
# How page 5,000 is read: the API continues after a remembered row (api/page_starts.py) and
# the baseline does the same in its process; each reads the page by OFFSET the first time.
DEEP_PAGES = "keyset, both (the API's page starts in Redis, the baseline's in its process)"


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    url: str
    rss: dict[int, dict] = field(default_factory=dict)


# Set up ---------------------------------------------------------------------------------


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--size",
        default="large",
        help="small, medium, large (1,000,000 bookings) or a number of bookings. Default: large.",
    )
    parser.add_argument("--seed", type=int, default=1, help="Demo seed. Default: 1.")
    parser.add_argument("--duration", type=float, default=15, help="Seconds of load per figure. Default: 15.")
    parser.add_argument(
        "--connections", type=int, default=16, help="wrk connections for the saturated figures. Default: 16."
    )
    parser.add_argument(
        "--rate-connections",
        type=int,
        default=4,
        help="wrk connections for the fixed-rate figures. Default: 4.",
    )
    parser.add_argument("--server-cpus", default="0", help="Cores the servers run on. Default: 0.")
    parser.add_argument("--client-cpus", default="1", help="Cores wrk runs on. Default: 1.")
    parser.add_argument(
        "--pgbench-cpus",
        default="",
        help="Cores pgbench runs on, in the servers' place. Default: the servers' cores.",
    )
    parser.add_argument(
        "--filtered-duration",
        type=float,
        default=5,
        help="Seconds of load per filtered figure (and of pgbench for it); 0 skips them. Default: 5.",
    )
    parser.add_argument(
        "--windows", type=int, default=8, help="Date windows over the data range. Default: 8."
    )
    parser.add_argument(
        "--migrations-since",
        default=MIGRATIONS_SINCE,
        help="Time the migrations added since this commit on a copy of the data; empty to "
        f"skip. Default: {MIGRATIONS_SINCE}.",
    )
    parser.add_argument(
        "--workers", type=int, default=0, help="server workers; default: one per server core."
    )
    parser.add_argument(
        "--scaling-workers",
        default="1,2",
        help="Worker counts for the scaling figures, on every core; empty to skip. Default: 1,2.",
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
        help="A Redis database the bench may empty. Default: " + DEFAULT_REDIS_URL,
    )
    parser.add_argument(
        "--baseline-binding",
        choices=("server", "client"),
        default="server",
        help="How the baseline binds SQL parameters: server (psycopg's default, with "
        "prepared statements) or client (Django's default). Default: server.",
    )
    parser.add_argument(
        "--statement-pause",
        type=float,
        default=11,
        help="Seconds to let PostgreSQL publish its counters when counting SQL statements per "
        "request (it may take 10); 0 skips the count. Default: 11.",
    )
    parser.add_argument(
        "--api-settings",
        default="",
        help="A settings module in bench/ for the API server, to measure a proposed change "
        "(a module importing labshare.settings and changing it). Default: labshare.settings.",
    )
    parser.add_argument("--results", type=Path, default=RESULTS_DIR)
    return parser.parse_args()


def booking_target(size: str) -> int:
    return SIZES[size] if size in SIZES else int(size)


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    print("wrk is missing: installing Debian's package.", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env)


def ensure_database(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    maintenance = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def table_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as connection:
        if not connection.execute("SELECT to_regclass('bookings_booking')").fetchone()[0]:
            return {"bookings": 0, "equipment": 0, "labs": 0}
        return {
            "bookings": connection.execute("SELECT COUNT(*) FROM bookings_booking").fetchone()[0],
            "equipment": connection.execute("SELECT COUNT(*) FROM equipment_equipment").fetchone()[0],
            "labs": connection.execute(
                "SELECT COUNT(*) FROM accounts_account WHERE account_type = 'lab'"
            ).fetchone()[0],
        }


def ensure_data(args: argparse.Namespace, env: dict) -> tuple[dict[str, int], float | None]:
    """Migrate, then build the demo set unless the database holds it already."""
    ensure_database(args.database_url)
    subprocess.run([LABSHARE, "migrate", "--no-input", "-v0"], env=env, check=True)
    wanted = booking_target(args.size)
    counts = table_counts(args.database_url)
    if counts["bookings"] == wanted:
        print(f"Reusing the demo set: {counts}", flush=True)
        return counts, None
    print(f"Building the demo set ({wanted:,} bookings, seed {args.seed})...", flush=True)
    started = time.monotonic()
    subprocess.run(
        [LABSHARE, "demo", "--size", str(wanted), "--seed", str(args.seed), "--replace"], env=env, check=True
    )
    with psycopg.connect(args.database_url, autocommit=True) as connection:
        # Fresh statistics and visibility map: the planner and index-only scans need both.
        connection.execute("VACUUM ANALYZE")
    return table_counts(args.database_url), time.monotonic() - started


def setup_django(env: dict) -> None:
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "labshare.settings")
    import django

    django.setup()


def bench_token() -> tuple[str, list[int]]:
    """A fresh token authorised for every lab, of which the bench user is made a member (a
    token reads only its user's labs): its lists reach past page 5,000."""
    from labshare.accounts.models import Account, AccountType, Membership, User
    from labshare.oauth.tokens import demo_application, issue_tokens

    user, _ = User.objects.get_or_create(
        email=BENCH_EMAIL, defaults={"first_name": "Bench", "last_name": "Load"}
    )
    labs = list(Account.objects.filter(account_type=AccountType.LAB).order_by("id"))
    Membership.objects.bulk_create([Membership(user=user, lab=lab) for lab in labs], ignore_conflicts=True)
    token = issue_tokens(user, demo_application(), labs, SCOPES)["access_token"]
    return token, [lab.id for lab in labs]


def scenarios(url: str, lab_ids: list[int]) -> list[Scenario]:
    """The five figures; ids are a fixed sample (the same every run) of what the token sees."""
    with psycopg.connect(url) as connection:
        booking_ids = [
            row[0]
            for row in connection.execute(
                "SELECT id FROM bookings_booking WHERE provider_lab_id = ANY(%s) "
                "ORDER BY md5(id::text) LIMIT 2000",
                [lab_ids],
            )
        ]
        equipment_ids = [
            row[0]
            for row in connection.execute(
                "SELECT id FROM equipment_equipment WHERE lab_id = ANY(%s) ORDER BY md5(id::text) LIMIT 500",
                [lab_ids],
            )
        ]
    return [
        Scenario("bookings_page_1", "bookings list, page 1", ["/v1/bookings"]),
        Scenario(
            "bookings_page_5000",
            f"bookings list, page {DEEP_PAGE:,}",
            [f"/v1/bookings?page={DEEP_PAGE}&per_page={PER_PAGE}"],
        ),
        Scenario("booking_detail", "booking detail", [f"/v1/bookings/{i}" for i in booking_ids]),
        Scenario(
            "equipment_bookings", "equipment bookings", [f"/v1/equipment/{i}/bookings" for i in equipment_ids]
        ),
        Scenario("accounts", "accounts list", ["/v1/accounts"]),
    ]


# Servers --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(name: str, env: dict, cpus: str, workers: int, port: int | None = None) -> Server:
    """The API exactly as `labshare serve` runs it, or the baseline under the same Granian
    command line (labshare.serve.granian_command), with baseline:application as the app;
    on `port`, else a free one."""
    port = port or free_port()
    server_env = {**env, "PORT": str(port), "HOST": "127.0.0.1", "WEB_CONCURRENCY": str(workers)}
    if name == "api":
        command = [LABSHARE, "serve"]
    else:
        threads = env.get("WEB_THREADS", DEFAULT_THREADS)
        extra = ["--working-dir", str(BENCH_DIR)]
        command = granian_command(
            "127.0.0.1", str(port), str(workers), threads, extra, "baseline:application"
        )
    process = subprocess.Popen(
        ["taskset", "-c", cpus, *command],
        env=server_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the {name} server exited with {process.returncode}")
        try:
            httpx.get(f"{url}/v1/bookings", timeout=2)
            if len(worker_pids(process.pid)) == workers:
                return Server(name, process, url)
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    stop_server(Server(name, process, url))
    raise RuntimeError(f"the {name} server did not start within 60 s")


def stop_server(server: Server) -> None:
    if server.process.poll() is None:
        os.killpg(server.process.pid, signal.SIGTERM)
        try:
            server.process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait()


def worker_pids(master: int) -> list[int]:
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return []
    return [int(pid) for pid in children]


def memory_kib(pid: int) -> dict[str, int] | None:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return None
    fields = dict(line.split(":", 1) for line in lines if ":" in line)
    return {key: int(fields[key].split()[0]) for key in ("VmRSS", "VmHWM") if key in fields}


def sample_memory(servers: list[Server], stop: threading.Event, every: float = 1.0) -> None:
    """Each worker's resident set (VmRSS) and its high-water mark (VmHWM), once a second;
    every thirtieth sample is kept, to show whether it levels off or keeps growing."""
    while not stop.is_set():
        for server in servers:
            for pid in worker_pids(server.process.pid):
                sample = memory_kib(pid)
                if sample is None:
                    continue
                seen = server.rss.setdefault(
                    pid, {"first_rss_kib": sample["VmRSS"], "samples": 0, "every_30_samples_kib": []}
                )
                if seen["samples"] % 30 == 0:
                    seen["every_30_samples_kib"].append(sample["VmRSS"])
                seen["samples"] += 1
                seen["last_rss_kib"] = sample["VmRSS"]
                seen["peak_rss_kib"] = max(seen.get("peak_rss_kib", 0), sample["VmRSS"])
                seen["hwm_kib"] = sample["VmHWM"]
        stop.wait(every)


# Checks ---------------------------------------------------------------------------------


def comparable(response: httpx.Response, server_url: str) -> tuple:
    headers = sorted(
        (name.lower(), value.replace(server_url, "<server>"))
        for name, value in response.headers.items()
        if name.lower() not in VOLATILE_HEADERS
    )
    return response.status_code, headers, response.content.replace(server_url.encode(), b"<server>")


def check_same_answers(api: Server, baseline: Server, token: str, all_scenarios: list[Scenario]) -> dict:
    """Status, headers and body byte for byte, for a few paths of every scenario; returns
    each scenario's slowest single answer (seconds), from either server."""
    headers = {"Authorization": f"Bearer {token}"}
    slowest = {}
    for scenario in all_scenarios:
        slowest[scenario.name] = 0.0
        for path in scenario.paths[:3]:
            ours = httpx.get(api.url + path, headers=headers, timeout=120)
            theirs = httpx.get(baseline.url + path, headers=headers, timeout=120)
            elapsed = max(ours.elapsed.total_seconds(), theirs.elapsed.total_seconds())
            slowest[scenario.name] = max(slowest[scenario.name], elapsed)
            if ours.status_code != 200:
                raise SystemExit(f"{path}: the API answered {ours.status_code}: {ours.text[:300]}")
            if comparable(ours, api.url) != comparable(theirs, baseline.url):
                raise SystemExit(
                    f"{path}: the API and the baseline answer differently:\n"
                    f"API      {comparable(ours, api.url)[:2]}\n"
                    f"baseline {comparable(theirs, baseline.url)[:2]}"
                )
    return slowest


def check_total(api: Server, token: str, url: str, lab_ids: list[int]) -> dict:
    """X-Total-Records is exact, and the deep page is inside the list."""
    answer = httpx.get(api.url + "/v1/bookings", headers={"Authorization": f"Bearer {token}"}, timeout=60)
    with psycopg.connect(url) as connection:
        exact = connection.execute(
            "SELECT COUNT(*) FROM bookings_booking WHERE provider_lab_id = ANY(%s)", [lab_ids]
        ).fetchone()[0]
    served = int(answer.headers["X-Total-Records"])
    if served != exact:
        raise SystemExit(f"X-Total-Records says {served:,}, the database {exact:,}")
    return {"visible_bookings": exact, "deep_page_reaches": exact >= DEEP_PAGE * PER_PAGE}


def counters(url: str) -> tuple[int, int]:
    """Transactions in the bench's database, and reads of the access-token table (only a
    bearer check reads it)."""
    name = urlsplit(url).path.lstrip("/")
    maintenance = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        (transactions,) = connection.execute(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s", [name]
        ).fetchone()
    with psycopg.connect(url, autocommit=True) as connection:
        (token_reads,) = connection.execute(
            "SELECT COALESCE(idx_scan, 0) + COALESCE(seq_scan, 0) FROM pg_stat_user_tables "
            "WHERE relname = 'oauth2_provider_accesstoken'"
        ).fetchone()
    return transactions, token_reads


def statements_per_request(
    server: Server, token: str, url: str, all_scenarios: list[Scenario], seconds: float, pause: float
) -> dict[str, dict[str, float]]:
    """SQL statements and bearer-check queries per request, for each scenario, once its
    token and totals are cached.

    Autocommit makes each statement a transaction, and pg_stat_database counts them (the
    bench's database serves nothing else); a bearer check is the only statement that reads
    the access-token table, which pg_stat_user_tables counts. A backend publishes its
    counters when it goes idle, but at most once a second, and else up to 10 s later: hence
    the long pauses. Each scenario cycles through its first ten paths, asked once before.
    """
    counts = {}
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=120) as client:
        for scenario in all_scenarios:
            for path in scenario.paths[:10]:
                client.get(server.url + path)
        time.sleep(pause)
        before = counters(url)
        for scenario in all_scenarios:
            deadline = time.monotonic() + seconds
            sent = 0
            while sent < 50 and (sent < 3 or time.monotonic() < deadline):
                client.get(server.url + scenario.paths[sent % min(10, len(scenario.paths))])
                sent += 1
            time.sleep(pause)
            after = counters(url)
            counts[scenario.name] = {
                "statements": round((after[0] - before[0]) / sent, 2),
                "bearer_checks": round((after[1] - before[1]) / sent, 2),
            }
            before = after
    return counts


# Load -----------------------------------------------------------------------------------


def wrk(
    server: Server,
    token: str,
    scenario: Scenario,
    args: argparse.Namespace,
    duration: float,
    connections: int,
    delay_ms: float = 0,
) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".paths", delete=False) as paths_file:
        paths_file.write("\n".join(scenario.paths) + "\n")
    env = {
        **os.environ,
        "BENCH_PATHS": paths_file.name,
        "BENCH_TOKEN": token,
        "BENCH_DELAY_MS": str(delay_ms),
    }
    threads = max(1, min(connections, len(cpu_list(args.client_cpus))))
    token = scenario.token or token
    command = [
        "taskset",
        "-c",
        args.client_cpus,
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{max(1, round(duration))}s",
        "--timeout",
        "30s",
        "-s",
        str(LUA_SCRIPT),
        server.url,
    ]
    try:
        output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(paths_file.name)
        drain(server, token)
    line = next(line for line in output.splitlines() if line.startswith("BENCH_JSON "))
    raw = json.loads(line.removeprefix("BENCH_JSON "))
    errors = sum(raw[key] for key in ("non_2xx", "connect_errors", "read_errors", "write_errors", "timeouts"))
    return {
        "requests_per_second": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
        "p50_ms": raw["p50_us"] / 1000,
        "p90_ms": raw["p90_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "requests": raw["requests"],
        "errors": errors,
        "connections": connections,
    }


def drain(server: Server, token: str) -> None:
    """Wait until the server has answered what wrk left queued when it stopped: one request
    behind them, so that the next figure does not share the cores with their queries."""
    httpx.get(server.url + "/v1/accounts", headers={"Authorization": f"Bearer {token}"}, timeout=600)


def saturated(
    server: Server,
    token: str,
    scenario: Scenario,
    args: argparse.Namespace,
    connections: int,
    duration: float | None = None,
) -> dict:
    duration = duration or args.duration
    wrk(server, token, scenario, args, max(1.0, duration / 5), connections)  # warm-up
    return wrk(server, token, scenario, args, duration, connections)


def postgresql_alone(
    scenario: Scenario, token: str, args: argparse.Namespace, connections: int, duration: float
) -> dict:
    """pgbench running the statements the API runs for a few of the figure's paths."""
    with psycopg.connect(args.database_url, autocommit=True) as raw:
        captured = [
            pg_alone.capture(path, scenario.token or token, raw) for path in scenario.paths[:CAPTURED_PATHS]
        ]
    for request in captured:
        if request.status != 200:
            raise SystemExit(f"{request.path}: the API answered {request.status} in process")
    cpus = cpu_list(args.pgbench_cpus or args.server_cpus)
    return pg_alone.pgbench(args.database_url, captured, connections, cpus, duration)


def connections_for(
    server: Server, token: str, scenario: Scenario, args: argparse.Namespace, workers: int
) -> int:
    """A figure whose single answer takes seconds keeps a worker busy whatever the queue: more
    connections than workers would only queue, and leave a long queue behind."""
    headers = {"Authorization": f"Bearer {scenario.token or token}"}
    answer = httpx.get(server.url + scenario.paths[0], headers=headers, timeout=120)
    if answer.status_code != 200:
        raise SystemExit(f"{scenario.paths[0]}: the API answered {answer.status_code}: {answer.text[:300]}")
    return workers if answer.elapsed.total_seconds() > SLOW_SECONDS else args.connections


def filtered_figure(
    api: Server, token: str, scenario: Scenario, args: argparse.Namespace, workers: int, by_name: dict
) -> dict:
    connections = connections_for(api, token, scenario, args, workers)
    ours = saturated(api, token, scenario, args, connections, args.filtered_duration)
    alone = postgresql_alone(scenario, token, args, connections, args.filtered_duration)
    reference = by_name[scenario.reference]["api"]["requests_per_second"] if scenario.reference else None
    return {
        "name": scenario.name,
        "title": scenario.title,
        "paths": scenario.paths[:3],
        "reference": scenario.reference,
        "api": ours,
        "postgresql_alone": alone,
        "ratio_to_postgresql": ratio(ours["requests_per_second"], alone["transactions_per_second"]),
        "ratio_to_unfiltered": ratio(ours["requests_per_second"], reference) if reference else None,
    }


def at_fixed_rate(
    server: Server, token: str, scenario: Scenario, args: argparse.Namespace, rate: float
) -> dict:
    """About `rate` requests a second: each of a few connections waits between requests."""
    connections = args.rate_connections
    delay_ms = max(1.0, connections * 1000 / max(rate, 1))
    result = wrk(server, token, scenario, args, args.duration, connections, delay_ms)
    result["target_rate"] = round(rate, 1)
    return result


# Report ---------------------------------------------------------------------------------


def ratio(ours: float, theirs: float | None) -> float | None:
    return round(ours / theirs, 2) if theirs else None


def number(value: float | None, width: int, spec: str) -> str:
    return f"{'-':>{width}}" if value is None else f"{value:>{width}{spec}}"


def times(value: float | None, width: int) -> str:
    return f"{'-':>{width}}" if value is None else f"{value:>{width - 1}.2f}x"


def targets(figures: list[dict], filtered: list[dict]) -> list[dict]:
    """The goals of bench/README.md, each with what this run measured."""
    by_name = {figure["name"]: figure for figure in figures}
    page_1, deep, detail = (
        by_name["bookings_page_1"],
        by_name["bookings_page_5000"],
        by_name["booking_detail"],
    )
    goals = [
        ("bookings list >= 0.6x the baseline", page_1["ratio"], 0.6, ">="),
        ("booking detail >= 0.4x the baseline", detail["ratio"], 0.4, ">="),
        (
            "page 5,000 p50 within 2x of page 1 (half rate)",
            round(deep["api_half_rate"]["p50_ms"] / max(page_1["api_half_rate"]["p50_ms"], 0.001), 2),
            2,
            "<=",
        ),
    ]
    goals += [
        (
            f"{figure['title']}: p99 within 3x of p50 at half rate",
            ratio(figure["api_half_rate"]["p99_ms"], figure["api_half_rate"]["p50_ms"]),
            3,
            "<=",
        )
        for figure in figures
    ]
    goals += [
        (
            f"{by_name[name]['title']} >= 0.3x PostgreSQL alone",
            by_name[name]["ratio_to_postgresql"],
            0.3,
            ">=",
        )
        for name in ("bookings_page_1", "booking_detail", "equipment_bookings", "accounts")
    ]
    goals += [
        (
            f"{figure['title']}: >= 0.5x {figure['reference']} (within 2x)",
            figure["ratio_to_unfiltered"],
            0.5,
            ">=",
        )
        for figure in filtered
        if figure["reference"]
    ]
    goals += [
        (
            "list: bearer-check queries per request <= 0.1 (one statement on a miss, none on a hit)",
            (page_1["api_sql_per_request"] or {}).get("bearer_checks"),
            0.1,
            "<=",
        ),
    ]
    checks = {">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b, "<": lambda a, b: a < b}
    return [
        {
            "goal": goal,
            "measured": measured,
            "limit": limit,
            "met": None not in (measured, limit) and checks[op](measured, limit),
        }
        for goal, measured, limit, op in goals
    ]


def print_table(results: dict) -> None:
    rows = results["figures"]
    print()
    print(
        f"{'figure':<26}{'API req/s':>10}{'p50 ms':>8}{'p99 ms':>8}  {'baseline req/s':>14}{'p50 ms':>8}"
        f"{'p99 ms':>8}{'ratio':>7}  {'PG alone tps':>12}{'ratio':>7}  {'½-rate req/s':>12}{'p50 ms':>8}"
        f"{'p99 ms':>8}{'p99/p50':>8}{'SQL/req':>8}{'bearer':>7}"
    )
    for row in rows:
        api, base, rate = row["api"], row["baseline"], row["api_half_rate"]
        sql = row["api_sql_per_request"] or {}
        print(
            f"{row['title']:<26}{api['requests_per_second']:>10.0f}"
            f"{api['p50_ms']:>8.1f}{api['p99_ms']:>8.1f}  "
            f"{base['requests_per_second']:>14.0f}{base['p50_ms']:>8.1f}{base['p99_ms']:>8.1f}"
            f"{row['ratio']:>6.2f}x  {number(row['postgresql_alone']['transactions_per_second'], 12, '.0f')}"
            f"{times(row['ratio_to_postgresql'], 7)}  {rate['requests_per_second']:>12.0f}"
            f"{rate['p50_ms']:>8.1f}"
            f"{rate['p99_ms']:>8.1f}{ratio(rate['p99_ms'], rate['p50_ms']) or 0:>7.1f}x"
            f"{sql.get('statements', '-'):>8}{sql.get('bearer_checks', '-'):>7}"
        )
    print(f"Deep page: {results['settings']['deep_pages']}.")
    if results.get("filtered_figures"):
        print()
        print(
            f"{'filtered figure':<40}{'API req/s':>10}{'p50 ms':>8}{'p99 ms':>8}  {'PG alone tps':>12}"
            f"{'ratio':>7}  {'to unfiltered':>13}  compared with"
        )
        for row in results["filtered_figures"]:
            api, alone = row["api"], row["postgresql_alone"]["transactions_per_second"]
            unfiltered = row["ratio_to_unfiltered"]
            print(
                f"{row['title']:<40}{api['requests_per_second']:>10.0f}{api['p50_ms']:>8.1f}"
                f"{api['p99_ms']:>8.1f}  {number(alone, 12, '.0f')}"
                f"{times(row['ratio_to_postgresql'], 7)}  "
                + (f"{unfiltered:>12.2f}x  {row['reference']}" if unfiltered is not None else f"{'-':>13}")
            )
    if results.get("migrations"):
        migrations = results["migrations"]
        print()
        print(
            f"labshare migrate of the {len(migrations['applied'])} migration(s) added since "
            f"{migrations['since']}, on a copy of the data: {migrations['seconds']:.1f} s"
            + (f" ({', '.join(migrations['applied'])})" if migrations["applied"] else "")
        )
    if results.get("scaling"):
        print()
        for row in results["scaling"]:
            print(
                f"{row['workers']} worker(s) on cores {row['cpus']}: "
                + ", ".join(
                    f"{name} {figure['requests_per_second']:.0f} req/s"
                    for name, figure in row["figures"].items()
                )
            )
    print()
    for target in results["targets"]:
        print(f"{'met    ' if target['met'] else 'NOT met'}  {target['goal']}: {target['measured']}")
    print()
    for name, workers in results["memory_kib"].items():
        for pid, seen in workers.items():
            print(
                f"{name} worker {pid}: RSS {seen['first_rss_kib'] / 1024:.0f} MiB at start, "
                f"{seen['last_rss_kib'] / 1024:.0f} MiB at end, peak {seen['hwm_kib'] / 1024:.0f} MiB "
                f"({seen['samples']} samples)"
            )
    print()


def write_results(results: dict, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"{stamp}.json"
    text = json.dumps(results, indent=2) + "\n"
    path.write_text(text)
    (directory / "latest.json").write_text(text)
    return path


# The run --------------------------------------------------------------------------------


def main() -> None:
    args = arguments()
    load_at_start = os.getloadavg()
    ensure_wrk()
    env = {**os.environ, "DATABASE_URL": args.database_url, "REDIS_URL": args.redis_url, "LOG_LEVEL": "ERROR"}
    counts, build_seconds = ensure_data(args, env)
    setup_django(env)
    token, lab_ids = bench_token()
    all_scenarios = scenarios(args.database_url, lab_ids)
    filtered_scenarios = []
    if args.filtered_duration > 0:
        lab = busiest_lab(args.database_url)
        single = one_lab_token(lab, SCOPES)
        filtered_scenarios = [
            *filtered_for(
                args.database_url,
                "every lab",
                token,
                lab_ids,
                args.windows,
                {"bookings": "bookings_page_1", "equipment": "equipment_bookings"},
            ),
            *unfiltered_for(args.database_url, "one lab", single, [lab]),
            *filtered_for(
                args.database_url,
                "one lab",
                single,
                [lab],
                args.windows,
                {"bookings": "one lab_bookings_page_1", "equipment": "one lab_equipment_bookings"},
            ),
        ]
    redis.Redis.from_url(args.redis_url).flushdb()
    workers = args.workers or len(cpu_list(args.server_cpus))

    api_env = env
    if args.api_settings:
        api_env = {**env, "DJANGO_SETTINGS_MODULE": args.api_settings, "PYTHONPATH": str(BENCH_DIR)}
    api = start_server("api", api_env, args.server_cpus, workers)
    baseline = start_server(
        "baseline", {**env, "BASELINE_BINDING": args.baseline_binding}, args.server_cpus, workers
    )
    stop_sampling = threading.Event()
    sampler = threading.Thread(target=sample_memory, args=([api, baseline], stop_sampling), daemon=True)
    sampler.start()
    figures, filtered = [], []
    try:
        slowest = check_same_answers(api, baseline, token, all_scenarios)
        visibility = check_total(api, token, args.database_url, lab_ids)
        statements: dict[str, dict] = {"api": {}, "baseline": {}}
        if args.statement_pause > 0:
            print("SQL statements per request...", flush=True)
            statements = {
                server.name: statements_per_request(
                    server, token, args.database_url, all_scenarios, 3.0, args.statement_pause
                )
                for server in (api, baseline)
            }
        for scenario in all_scenarios:
            print(f"{scenario.title}...", flush=True)
            # An answer that takes seconds keeps a worker busy whatever the queue: more
            # connections than workers would only queue, and leave a long queue behind.
            connections = workers if slowest[scenario.name] > SLOW_SECONDS else args.connections
            ours = saturated(api, token, scenario, args, connections)
            theirs = saturated(baseline, token, scenario, args, connections)
            half = at_fixed_rate(api, token, scenario, args, ours["requests_per_second"] / 2)
            alone = postgresql_alone(scenario, token, args, connections, args.duration)
            figures.append(
                {
                    "name": scenario.name,
                    "title": scenario.title,
                    "api": ours,
                    "baseline": theirs,
                    "ratio": ratio(ours["requests_per_second"], theirs["requests_per_second"]),
                    "postgresql_alone": alone,
                    "ratio_to_postgresql": ratio(
                        ours["requests_per_second"], alone["transactions_per_second"]
                    ),
                    "api_half_rate": half,
                    "api_sql_per_request": statements["api"].get(scenario.name),
                    "baseline_sql_per_request": statements["baseline"].get(scenario.name),
                }
            )
        stop_server(baseline)
        by_name = {figure["name"]: figure for figure in figures}
        for scenario in filtered_scenarios:
            print(f"{scenario.title}...", flush=True)
            figure = filtered_figure(api, token, scenario, args, workers, by_name)
            filtered.append(figure)
            by_name[figure["name"]] = figure
    finally:
        stop_sampling.set()
        sampler.join()
        stop_server(api)
        stop_server(baseline)

    scaling = []
    for count in [int(n) for n in args.scaling_workers.split(",") if n.strip()]:
        cpus = ",".join(str(n) for n in range(os.cpu_count() or 1))
        server = start_server("api", api_env, cpus, count)
        try:
            print(f"scaling: {count} worker(s)...", flush=True)
            scaling.append(
                {
                    "workers": count,
                    "cpus": cpus,
                    "figures": {
                        scenario.name: saturated(server, token, scenario, args, args.connections)
                        for scenario in all_scenarios
                        if scenario.name in ("bookings_page_1", "booking_detail")
                    },
                }
            )
        finally:
            stop_server(server)

    migrations = None
    if args.migrations_since:
        print(f"migrations added since {args.migrations_since}, on a copy of the data...", flush=True)
        migrations = migrate_bench.measure(args.database_url, args.migrations_since, env)

    results = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "postgresql": server_version(args.database_url),
            # Other work on the machine shows here: the figures are only comparable within a run.
            "load_average_at_start": load_at_start,
            "load_average_at_end": os.getloadavg(),
        },
        "settings": {
            "size": args.size,
            "seed": args.seed,
            "duration_s": args.duration,
            "connections": args.connections,
            "rate_connections": args.rate_connections,
            "server_cpus": args.server_cpus,
            "client_cpus": args.client_cpus,
            "workers": workers,
            "baseline_binding": args.baseline_binding,
            "deep_pages": DEEP_PAGES,
            "pgbench_cpus": args.pgbench_cpus or args.server_cpus,
            "filtered_duration_s": args.filtered_duration,
            "windows": args.windows,
            "api_settings": args.api_settings or "labshare.settings",
        },
        "data": {**counts, **visibility, "build_seconds": build_seconds and round(build_seconds, 1)},
        "figures": figures,
        "filtered_figures": filtered,
        "migrations": migrations,
        "targets": targets(figures, filtered),
        "scaling": scaling,
        "memory_kib": {
            server.name: {str(pid): seen for pid, seen in server.rss.items()} for server in (api, baseline)
        },
    }
    print_table(results)
    print(f"Results: {write_results(results, args.results)}")


def cpu_list(spec: str) -> list[int]:
    cpus = []
    for part in spec.split(","):
        first, _, last = part.partition("-")
        cpus.extend(range(int(first), int(last or first) + 1))
    return cpus


def server_version(url: str) -> str:
    with psycopg.connect(url) as connection:
        return connection.execute("SHOW server_version").fetchone()[0]


if __name__ == "__main__":
    main()
