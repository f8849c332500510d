"""A PostgreSQL primary and a hot-standby streaming replica of a test's own (see own_services.py).

The primary is initdb's cluster as it comes: `wal_level=replica`, WAL senders, and a
`replication` trust line for 127.0.0.1 are its defaults. The replica is `pg_basebackup -R`
of it (a `standby.signal` and `primary_conninfo`), started on a port of its own.
"""

import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg

from tests.e2e.conftest import free_port
from tests.e2e.own_services import PostgresCluster


@dataclass
class Cluster(PostgresCluster):
    def stop_now(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def remove_now(self) -> None:
        """Stop the server at once if it runs, and delete the folder."""
        if (self.data / "postmaster.pid").exists():
            self.stop_now()
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass
class Replica(Cluster):
    def create_from(self, primary: PostgresCluster) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self.port = free_port()
        self._run(
            "pg_basebackup",
            "-R",
            "--checkpoint=fast",
            "-D",
            str(self.data),
            "-h",
            "127.0.0.1",
            "-p",
            str(primary.port),
            "-U",
            "postgres",
        )
        self.start()

    def pause_replay(self) -> None:
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute("SELECT pg_wal_replay_pause()")
            # Paused once the state says so, not when the call returns.
            deadline = time.monotonic() + 10
            while connection.execute("SELECT pg_get_wal_replay_pause_state()").fetchone()[0] != "paused":
                if time.monotonic() > deadline:
                    raise RuntimeError("WAL replay did not pause within 10 s")
                time.sleep(0.05)

    def resume_replay(self) -> None:
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute("SELECT pg_wal_replay_resume()")

    def catch_up_with(self, primary: PostgresCluster, seconds: float = 10) -> None:
        """Until the replica has replayed everything the primary has written so far."""
        with psycopg.connect(primary.url(), autocommit=True) as connection:
            written = connection.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
        with psycopg.connect(self.url(), autocommit=True) as connection:
            deadline = time.monotonic() + seconds
            while not connection.execute(
                "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [written]
            ).fetchone()[0]:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the replica did not catch up within {seconds:.0f} s")
                time.sleep(0.05)

    def client_connections(self, database: str) -> int:
        """Connections of clients (not this one) to `database` on the replica."""
        with psycopg.connect(self.url(), autocommit=True) as connection:
            return connection.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = %s AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
                [database],
            ).fetchone()[0]


@contextmanager
def primary_and_replica() -> Iterator[tuple[Cluster, Replica]]:
    primary, replica = Cluster(), Replica()
    try:
        primary.create()
        replica.create_from(primary)
        yield primary, replica
    finally:
        replica.remove_now()
        primary.remove_now()
