"""The client toolkit installs and runs without the server: it never imports Django."""

import subprocess
import sys

CHECK = """
import sys
sys.argv = ["labshare", "pull", "--help"]
from labshare.cli import main
try:
    main()
except SystemExit:
    pass
import labshare.client, labshare.client.report, labshare.client.ics, labshare.client.sync
assert not [m for m in sys.modules if m == "django" or m.startswith("django.")], "django was imported"
print("ok")
"""


def test_it_runs_the_client_commands_without_importing_django():
    result = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=120)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("ok")
