"""A real server process (gunicorn, as `labshare serve` runs it) on the test database."""

import os
import signal
import socket
import subprocess
import sys
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
    port = free_port()
    env = {**os.environ, "DATABASE_URL": test_database_url(), **(extra_env or {})}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "labshare.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            "4",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base_url = f"http://127.0.0.1:{port}"
    wait_until_serving(process, base_url)
    return process, base_url


def start_labshare_serve(
    extra_env: dict | None = None, workers: int = 1, log: Path | None = None
) -> tuple[subprocess.Popen, str]:
    """The production server exactly as `labshare serve` runs it; its output goes to `log`."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": str(workers),
        **(extra_env or {}),
    }
    output = log.open("ab") if log else subprocess.DEVNULL
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("labshare")), "serve"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=output,
        stderr=subprocess.STDOUT if log else subprocess.PIPE,
        start_new_session=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    wait_until_serving(process, base_url)
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


def wait_until_serving(process: subprocess.Popen, base_url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{base_url}/v1/user", timeout=1)
            return
        except httpx.TransportError:
            if process.poll() is not None:
                error = process.stderr.read().decode() if process.stderr else ""
                raise RuntimeError(f"the server exited with {process.returncode}: {error}") from None
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"the server did not start within {seconds:.0f} s")


@pytest.fixture
def server(transactional_db) -> Iterator[str]:
    """The base URL of a real server process; the test's data is committed, so it sees it."""
    process, base_url = start_server()
    yield base_url
    process.terminate()
    process.wait(10)
