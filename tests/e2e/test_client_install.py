"""The client-only install: a clean virtual environment with `labshare[client]` alone (no Django,
no database driver, no server, no test tools) pulls from a live server and writes the report."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.client.support import DEMO_ADMIN, create_app, load_demo, tokens_for

pytestmark = pytest.mark.e2e
REPOSITORY = Path(__file__).resolve().parents[2]
SERVER_ONLY = ("django", "psycopg", "gunicorn", "oauth2_provider", "redis", "pytest", "playwright")


def copy_of_the_project(target: Path) -> Path:
    """The project as it is now (committed or not), without its venv or build leftovers."""
    target.mkdir()
    shutil.copy(REPOSITORY / "pyproject.toml", target)
    shutil.copy(REPOSITORY / "README.md", target)
    shutil.copytree(
        REPOSITORY / "src", target / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    return target


@pytest.mark.timeout(900)
def test_the_client_install_pulls_and_reports_without_the_server_parts(server, tmp_path):
    project = copy_of_the_project(tmp_path / "labshare")
    venv = tmp_path / "client-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python, labshare = venv / "bin" / "python", venv / "bin" / "labshare"
    subprocess.run(
        [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", f"{project}[client]"],
        check=True,
        timeout=840,
    )

    missing = subprocess.run(
        [python, "-c", f"import importlib.util as u; print([m for m in {SERVER_ONLY!r} if u.find_spec(m)])"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert missing.stdout.strip() == "[]"

    load_demo("small")
    app = create_app(owner=DEMO_ADMIN)
    env = {"LABSHARE_CLIENT_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin", "COLUMNS": "120"}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([labshare, *args], env=env, capture_output=True, text=True, timeout=300)

    login = run(
        "login",
        "--server",
        server,
        "--client-id",
        app["client_id"],
        "--client-secret",
        app["client_secret"],
        "--refresh-token",
        tokens_for(DEMO_ADMIN, app)["refresh_token"],
    )
    assert login.returncode == 0, login.stderr
    data = tmp_path / "labs.duckdb"
    pull = run("pull", str(data), "--resources", "accounts,equipment,bookings")
    assert pull.returncode == 0, pull.stderr
    assert "bookings: full" in pull.stdout
    report = run("report", str(data), "-o", str(tmp_path / "report.html"), "--until", "2026-06-28")
    assert report.returncode == 0, report.stderr
    assert "<h2>Utilisation</h2>" in (tmp_path / "report.html").read_text()
    server_word = run("migrate")
    assert server_word.returncode != 0 and "labshare[server]" in server_word.stderr

    # The pulled file opens from the toolkit's own environment, TIMESTAMPTZ values included.
    opened = subprocess.run(
        [
            python,
            "-c",
            "import duckdb, sys; db = duckdb.connect(sys.argv[1], read_only=True);"
            " print(db.execute('SELECT min(start_time), count(*) FROM bookings').fetchall())",
            str(data),
        ],
        capture_output=True,
        text=True,
    )
    assert opened.returncode == 0, opened.stderr
    assert "datetime.datetime(" in opened.stdout
