"""A real server process (`labshare serve`, the production server) on the test database."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from django.db import connection

pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = quote(settings["USER"] or "")
    password = f":{quote(settings['PASSWORD'])}" if settings.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{settings['HOST']}:{settings['PORT'] or 5432}/{settings['NAME']}"


def start_server(extra_env: dict | None = None, workers: int = 1) -> tuple[subprocess.Popen, str]:
    return start_labshare_serve(extra_env, workers)


def start_labshare_serve(
    extra_env: dict | None = None, workers: int = 1, log: Path | None = None
) -> tuple[subprocess.Popen, str]:
    """The production server exactly as `labshare serve` runs it; its output goes to `log`
    (a temporary file unless given: a pipe nobody reads would stall the server once full)."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": str(workers),
        **(extra_env or {}),
    }
    if log is None:
        handle, name = tempfile.mkstemp(prefix="labshare-serve-", suffix=".log")
        os.close(handle)
        log = Path(name)
    with log.open("ab") as output:
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("labshare")), "serve"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base_url = f"http://127.0.0.1:{port}"
    wait_until_serving(process, base_url, log)
    return process, base_url


def stop_process_group(process: subprocess.Popen) -> None:
    """SIGTERM to the server and its workers, SIGKILL after 10 s."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_until_serving(process: subprocess.Popen, base_url: str, log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{base_url}/v1/user", timeout=1)
            return
        except httpx.TransportError:
            if process.poll() is not None:
                raise RuntimeError(
                    f"the server exited with {process.returncode}: {log.read_text()}"
                ) from None
            time.sleep(0.1)
    stop_process_group(process)
    raise RuntimeError(f"the server did not start within {seconds:.0f} s")


@pytest.fixture
def server(transactional_db) -> Iterator[str]:
    """The base URL of a real server process; the test's data is committed, so it sees it."""
    process, base_url = start_server()
    yield base_url
    stop_process_group(process)
