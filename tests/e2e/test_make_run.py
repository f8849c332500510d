"""`make run` from a clean clone: a new venv, migrations, the small demo set, a live server.

It clones the committed HEAD, so uncommitted work is not part of what it checks.
"""

import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.e2e

REPOSITORY = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="this test runs make run on SQLite; the SQLite run of the suite covers it",
)
@pytest.mark.timeout(300)
def test_it_serves_the_demo_from_a_clean_clone(tmp_path):
    clone = tmp_path / "labshare"
    subprocess.run(["git", "clone", "-q", str(REPOSITORY), str(clone)], check=True)
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "VIRTUAL_ENV", "DJANGO_SETTINGS_MODULE")
    }
    env |= {
        "PORT": str(port),
        "LABSHARE_VAR_DIR": str(tmp_path / "var"),
        "WEB_CONCURRENCY": "1",
        "LABSHARE_DEMO_PASSWORD": "make run test password",
    }
    log = tmp_path / "make-run.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            ["make", "run"],
            cwd=clone,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    status = None
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and process.poll() is None:
            try:
                status = httpx.get(f"http://127.0.0.1:{port}/admin/login/", timeout=2).status_code
                break
            except httpx.TransportError:
                time.sleep(0.5)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)
    printed = log.read_text()
    assert status == 200, printed[-3000:]
    assert re.search(r"bookings_booking +2,000\n", printed)
    assert "Sign in as admin@demo.labshare.test, password: as set in LABSHARE_DEMO_PASSWORD" in printed
    # Its log is not a terminal: no live token in it.
    assert "Bearer" not in printed
    assert "For a token: labshare token --user admin@demo.labshare.test" in printed
    assert "worker: complete ended bookings" in printed
    # Serving installs the server alone: no test tools.
    installed = subprocess.run(
        [clone / ".venv" / "bin" / "python", "-m", "pip", "list", "--format=freeze"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.lower()
    assert "django==" in installed and "granian==" in installed
    assert not [
        tool for tool in ("pytest", "playwright", "schemathesis", "ruff") if f"\n{tool}==" in f"\n{installed}"
    ]
