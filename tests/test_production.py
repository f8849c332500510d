"""`labshare check --deploy` has nothing to report on the production environment."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

LABSHARE = str(Path(sys.executable).with_name("labshare"))


def check_deploy(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {
        **{name: value for name, value in os.environ.items() if name not in {"DEBUG", "LABSHARE_HTTPS"}},
        "LABSHARE_VAR_DIR": str(tmp_path),
        "ALLOWED_HOSTS": "labshare.example.org",
        **env,
    }
    return subprocess.run(
        [LABSHARE, "check", "--deploy", "--fail-level", "WARNING"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_reports_nothing_with_labshare_https(tmp_path):
    result = check_deploy(tmp_path, LABSHARE_HTTPS="1")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stderr


@pytest.mark.parametrize("env", [{}, {"LABSHARE_HTTPS": "1", "DEBUG": "1"}])
def test_it_reports_plain_http(tmp_path, env):
    result = check_deploy(tmp_path, **env)
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr
