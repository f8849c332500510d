import subprocess
import sys
from pathlib import Path

LABSHARE = Path(sys.executable).with_name("labshare")


def test_it_refuses_a_second_address_for_gunicorn():
    finished = subprocess.run(
        [str(LABSHARE), "serve", "--bind", "127.0.0.1:1"], capture_output=True, text=True, timeout=60
    )
    assert finished.returncode == 1
    assert "set the address with HOST and PORT" in finished.stderr
