import subprocess
import sys
from pathlib import Path

import pytest

LABSHARE = Path(sys.executable).with_name("labshare")


@pytest.mark.parametrize("option", [["--bind", "127.0.0.1:1"], ["--port", "1"], ["--host=0.0.0.0"]])
def test_it_refuses_a_second_address_for_the_server(option):
    finished = subprocess.run([str(LABSHARE), "serve", *option], capture_output=True, text=True, timeout=60)
    assert finished.returncode == 1
    assert "set the address with HOST and PORT" in finished.stderr


def test_a_worker_freezes_what_it_loads_out_of_the_garbage_collector():
    # What each server worker does: import labshare.wsgi.
    finished = subprocess.run(
        [sys.executable, "-c", "import gc, labshare.wsgi; print(gc.get_freeze_count())"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 0, finished.stderr
    assert int(finished.stdout) > 10_000
