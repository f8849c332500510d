"""Webhook delivery: latency from a change's commit to its receipt, and the events a second one
`labshare worker` sustains.

    .venv/bin/python bench/webhooks_bench.py [--database-url URL | --private-pg [--pg-port 18250]]
        [--changes 200] [--burst 2000]

On its own database (default: a new SQLite file in a temporary folder; a PostgreSQL URL names
one it may empty; `--private-pg`: a PostgreSQL cluster of its own, initdb into a temporary
folder and started on `--pg-port`, removed at the end, so that no other session's long
transaction holds the change feed's horizon back). One lab, one application authorised for
it, one endpoint at a receiver in this process (a threading http.server answering 204).
Latency: `--changes` updates of one equipment each, 50 ms apart, while the worker runs; each
is timed from the change's `occurred_at` to the receiver's clock when it arrived (one machine,
one clock). Throughput:
`--burst` changes written in one transaction while the worker is stopped, then the worker
started: changes delivered divided by the time from the first receipt to the last.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import orjson


class BatchServer(ThreadingHTTPServer):
    # The worker opens a batch of 16 connections at once; the default backlog of 5 drops the
    # rest, whose SYNs are retried a second later: the figure would be the receiver's.
    request_queue_size = 128


def receiver() -> tuple[ThreadingHTTPServer, list[tuple[float, dict]]]:
    received: list[tuple[float, dict]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((time.time(), orjson.loads(body)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = BatchServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, received


POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")


def as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, its commands run as the `postgres` user."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def start_private_cluster(folder: Path, port: int) -> str:
    """initdb and pg_ctl start a cluster in `folder` on `port`; answers its database's URL."""
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data = folder / "data"
    initdb = [str(POSTGRES_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]
    subprocess.run(as_postgres(initdb), check=True, capture_output=True)
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1"
    start = [str(POSTGRES_BIN / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-o", options, "-w"]
    subprocess.run(as_postgres([*start, "start"]), check=True, capture_output=True)
    create = [str(POSTGRES_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "bench"]
    subprocess.run(create, check=True, capture_output=True)
    return f"postgres://postgres@127.0.0.1:{port}/bench"


def stop_private_cluster(folder: Path) -> None:
    stop = [str(POSTGRES_BIN / "pg_ctl"), "-D", str(folder / "data"), "-m", "fast", "-w", "stop"]
    subprocess.run(as_postgres(stop), check=True, capture_output=True)
    shutil.rmtree(folder, ignore_errors=True)


def wait_for(done, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting for deliveries")
        time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--private-pg", action="store_true", help="a PostgreSQL cluster of its own")
    parser.add_argument("--pg-port", type=int, default=18250)
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--burst", type=int, default=2000)
    options = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="labshare-webhooks-bench-")
    cluster = Path(tempfile.mkdtemp(prefix="labshare-webhooks-bench-pg-"))
    try:
        if options.private_pg:
            options.database_url = start_private_cluster(cluster, options.pg_port)
        run(options, folder)
    finally:
        if options.private_pg:
            stop_private_cluster(cluster)
        else:
            cluster.rmdir()


def run(options: argparse.Namespace, folder: str) -> None:
    os.environ["DATABASE_URL"] = options.database_url or f"sqlite:///{folder}/bench.sqlite3"
    os.environ["LABSHARE_VAR_DIR"] = folder
    os.environ["LABSHARE_WEBHOOKS_ALLOW_PRIVATE"] = "127.0.0.1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "labshare.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from labshare.accounts.models import Account, AccountType, Membership, Role, User
    from labshare.equipment.models import Equipment
    from labshare.oauth.models import Application, Authorisation
    from labshare.webhooks.services import create_endpoint

    call_command("flush", interactive=False, verbosity=0) if options.database_url else None
    call_command("migrate", verbosity=0)
    lab = Account.objects.create(account_type=AccountType.LAB, name="Bench Lab")
    user = User.objects.create_user("bench@example.test", "unused password 1")
    Membership.objects.create(user=user, lab=lab, role=Role.ADMINISTRATOR)
    application = Application.objects.create(
        name="Bench",
        user=user,
        client_type="confidential",
        authorization_grant_type="authorization-code",
        redirect_uris="https://bench.example.test/callback",
        scopes="read_equipment",
    )
    Authorisation.objects.create(user=user, application=application).labs.set([lab])
    server, received = receiver()
    create_endpoint(
        application=application,
        by=user,
        url=f"http://127.0.0.1:{server.server_port}/",
        event_types=["equipment"],
    )
    log = open(Path(folder) / "worker.log", "wb")  # noqa: SIM115 (the worker's whole life)
    command = [str(Path(sys.executable).with_name("labshare")), "worker"]

    worker = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    records = [Equipment.objects.create(lab=lab, name=f"eq {i}") for i in range(options.changes)]
    wait_for(lambda: len(received) >= options.changes, 120)
    received.clear()
    for i, record in enumerate(records):
        Equipment.objects.filter(pk=record.pk).update(name=f"eq {i} renamed")
        time.sleep(0.05)
    wait_for(lambda: len(received) >= options.changes, 120)
    latencies = sorted(
        (at - datetime.fromisoformat(body["occurred_at"]).timestamp()) * 1000 for at, body in received
    )
    worker.terminate()
    worker.wait(30)

    received.clear()
    Equipment.objects.bulk_create(Equipment(lab=lab, name=f"burst {i}") for i in range(options.burst))
    worker = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    wait_for(lambda: len(received) >= options.burst, 600)
    worker.terminate()
    worker.wait(30)
    span = received[-1][0] - received[0][0]
    vendor = "PostgreSQL" if "postgres" in os.environ["DATABASE_URL"] else "SQLite"
    print(f"database: {vendor}")
    print(
        f"latency, commit to receipt, {len(latencies)} changes: median {statistics.median(latencies):.0f} ms,"
        f" p99 {latencies[int(len(latencies) * 0.99) - 1]:.0f} ms, max {latencies[-1]:.0f} ms"
    )
    print(f"one worker: {options.burst} events in {span:.2f} s = {options.burst / span:.0f} events/s")


if __name__ == "__main__":
    main()
