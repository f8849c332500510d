"""`labshare worker` processes on the test database, allowed to deliver to 127.0.0.1, with a
shrunk retry schedule; their output goes to a log file."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.e2e.conftest import test_database_url as served_database_url


def start_worker(**extra_env: str) -> tuple[subprocess.Popen, Path]:
    handle, name = tempfile.mkstemp(prefix="labshare-worker-", suffix=".log")
    env = {
        **os.environ,
        "DATABASE_URL": served_database_url(),
        "LABSHARE_WEBHOOKS_ALLOW_PRIVATE": "127.0.0.1",
        "LABSHARE_WEBHOOKS_RETRY_SCHEDULE": "0.2,0.2,0.2",
        **extra_env,
    }
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("labshare")), "worker"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    os.close(handle)
    return process, Path(name)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        process.wait(15)
