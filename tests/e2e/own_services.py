"""A PostgreSQL cluster and a Redis server of a test's own, on free loopback ports, to stop and start.

The shared PostgreSQL and Redis are never touched: these live in a temporary folder.
PostgreSQL refuses to run as root, so as root its commands run as the `postgres` user.
"""

import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import redis

from tests.e2e.conftest import free_port

POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")


def as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@dataclass
class PostgresCluster:
    """In a folder of its own under the temporary directory (the `postgres` user must reach it)."""

    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="labshare-postgres-")))
    port: int = 0

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *command: str) -> None:
        finished = subprocess.run(
            as_postgres([str(POSTGRES_BIN / command[0]), *command[1:]]), capture_output=True, timeout=60
        )
        if finished.returncode:
            raise RuntimeError(f"{command[0]} failed: {finished.stderr.decode()}")

    def create(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self.port = free_port()
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        self.start()

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"), "-o", options, "-w", "start"
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        """Stop the server if it runs, and delete the folder."""
        if (self.data / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def restart(self) -> None:
        self.stop()
        self.start()

    def copy_database(self, source_url: str, name: str) -> str:
        """A new database here holding what `source_url`'s holds (pg_dump | pg_restore); its URL."""
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        dump = subprocess.run(
            [str(POSTGRES_BIN / "pg_dump"), "--format=custom", "--no-owner", source_url],
            check=True,
            capture_output=True,
            timeout=60,
        )
        subprocess.run(
            [str(POSTGRES_BIN / "pg_restore"), "--no-owner", "--dbname", self.url(name)],
            input=dump.stdout,
            check=True,
            capture_output=True,
            timeout=60,
        )
        return self.url(name)


@dataclass
class RedisServer:
    folder: Path
    port: int = 0
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start within 10 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    def key_count(self) -> int:
        return redis.Redis.from_url(self.url).dbsize()
