"""What an operator runs, for the deployment tests: a database of its own, `labshare` commands,
the commands of the systemd units in deploy/, and the README's production section."""

import json
import os
import re
import shlex
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from django.db import connection

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
README = REPO / "README.md"
LABSHARE = Path(sys.executable).with_name("labshare")
DEMO_ADMIN = "admin@demo.labshare.test"
DEMO_PASSWORD = "deploy-test-password"


def postgres_url() -> str | None:
    """The suite's PostgreSQL server (DATABASE_URL), when it runs on PostgreSQL."""
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


@contextmanager
def postgres_database(name: str, template: str = "template1") -> Iterator[str]:
    """A PostgreSQL database beside DATABASE_URL's, empty or a copy of `template`, dropped afterwards."""
    server = postgres_url()
    assert server, "DATABASE_URL names no PostgreSQL server"
    url = urlsplit(server)._replace(path=f"/{name}").geturl()
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield url
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def migrated_database(var_dir: Path, label: str) -> Iterator[str]:
    """A database of this module's own, migrated: a copy of the session's test database (which
    pytest-django migrated once), PostgreSQL when the suite runs on it, else a SQLite file in
    `var_dir`. Needs the django_db_setup fixture and the database unblocked."""
    test_database = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        target = var_dir / "labshare.sqlite3"
        source, copy = sqlite3.connect(test_database), sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            source.close()
            copy.close()
        yield f"sqlite:///{target}"
        return
    connection.close()  # CREATE DATABASE ... TEMPLATE needs the template to itself
    with postgres_database(f"{test_database}_{label}", template=test_database) as url:
        yield url


def labshare(*args: str, env: dict[str, str], timeout: float = 180) -> str:
    """Run a `labshare` command as an operator would; its standard output."""
    done = subprocess.run(
        [str(LABSHARE), *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode:
        raise RuntimeError(f"labshare {' '.join(args)} exited with {done.returncode}: {done.stderr}")
    return done.stdout


def demo_site(env: dict[str, str]) -> str:
    """Load the small demo set into a migrated database, and issue an access token for the demo
    administrator's labs. `--replace`: rows other tests committed to the template go first."""
    labshare("demo", "--size", "small", "--replace", env={**env, "LABSHARE_DEMO_PASSWORD": DEMO_PASSWORD})
    return json.loads(labshare("token", "--user", DEMO_ADMIN, env=env))["access_token"]


def environment_file(path: Path) -> dict[str, str]:
    """A systemd EnvironmentFile's KEY=VALUE lines (comments and blank lines skipped)."""
    values = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def unit_command(unit: Path, instance: str = "") -> tuple[list[str], dict[str, str]]:
    """A unit's ExecStart= command (its program taken from this environment's bin folder) and its
    Environment= variables, with %i the instance, as systemd would run it."""
    command, variables = None, {}
    for line in unit.read_text().replace("%i", instance).splitlines():
        key, _, value = line.partition("=")
        if key == "ExecStart":
            command = shlex.split(value)
        elif key == "Environment":
            variables.update(part.split("=", 1) for part in shlex.split(value))
    assert command, f"{unit.name} has no ExecStart="
    return [str(LABSHARE.with_name(Path(command[0]).name)), *command[1:]], variables


def start_unit(unit: Path, env: dict[str, str], log: Path, instance: str = "") -> subprocess.Popen:
    """Start the unit's command in a process group of its own, its output into `log`."""
    command, variables = unit_command(unit, instance)
    with log.open("ab") as output:
        return subprocess.Popen(
            command,
            env={**env, **variables},
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def readme_section(title: str) -> str:
    """A `### title` sub-section of the README's production section."""
    production = README.read_text().split("\n## Running in production\n", 1)[1].split("\n## ", 1)[0]
    return production.split(f"\n### {title}\n", 1)[1].split("\n### ", 1)[0]


def shell_blocks(text: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", text, re.DOTALL)
