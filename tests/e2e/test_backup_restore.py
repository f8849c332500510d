"""The README's backup and restore commands ("Backup and restore"), run as they are written: a
backup taken while a server runs on the small demo set, restored into a fresh database, gives a
second server the same API answers, byte for byte."""

import os
import secrets
import subprocess
from pathlib import Path

import httpx
import pytest
from django.db import connection

from tests.e2e.conftest import start_labshare_serve, stop_process_group
from tests.e2e.deployment import demo_site, migrated_database, postgres_database, readme_section, shell_blocks

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]

KINDS = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
READS = [
    "/v1/bookings",
    "/v1/bookings?page=3&per_page=50",
    "/v1/bookings?sort=updated_at&per_page=100",
    "/v1/equipment",
    "/v1/accounts",
    "/v1/groups",
    "/v1/user",
]


def readme_block(kind: str) -> str:
    """The README's commands for one database, the block that starts with `# kind`."""
    (block,) = [
        block
        for block in shell_blocks(readme_section("Backup and restore"))
        if block.startswith(f"# {kind}\n")
    ]
    return block


def test_the_readme_has_the_commands_for_both_databases():
    assert "pg_dump" in readme_block("PostgreSQL") and "pg_restore" in readme_block("PostgreSQL")
    assert ".backup" in readme_block("SQLite")


def answers(base_url: str, token: str) -> dict[str, tuple]:
    """Each read's status, total and bytes, and those of a booking and an equipment's bookings."""
    bearer = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, headers=bearer, timeout=30) as client:
        booking = client.get("/v1/bookings").json()[0]["id"]
        equipment = client.get("/v1/equipment").json()[0]["id"]
        account = client.get("/v1/accounts").json()[0]["id"]
        paths = [
            *READS,
            f"/v1/bookings/{booking}",
            f"/v1/equipment/{equipment}",
            f"/v1/equipment/{equipment}/bookings",
            f"/v1/accounts/{account}/projects",
        ]
        found = {}
        for path in paths:
            answer = client.get(path)
            link = answer.headers.get("Link", "").replace(base_url, "")
            found[path] = (answer.status_code, answer.headers.get("X-Total-Records"), link, answer.content)
    return found


def test_a_restored_backup_answers_as_the_original(tmp_path: Path, django_db_blocker):
    kind = KINDS[connection.vendor]
    original_dir, restored_dir = tmp_path / "original", tmp_path / "restored"
    original_dir.mkdir()
    restored_dir.mkdir()
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env["SECRET_KEY"] = secrets.token_urlsafe(50)
    with django_db_blocker.unblock(), migrated_database(original_dir, "backup") as original_url:
        env.update(DATABASE_URL=original_url, LABSHARE_VAR_DIR=str(original_dir))
        token = demo_site(env)
        server, base_url = start_labshare_serve(env)
        try:
            before = answers(base_url, token)
            if kind == "SQLite":
                restored = {"NEW_LABSHARE_VAR_DIR": str(restored_dir)}
                restored_url = f"sqlite:///{restored_dir / 'labshare.sqlite3'}"
                run_backup_and_restore(kind, {**env, **restored}, tmp_path)
                after = restored_answers(env, restored_url, restored_dir, token)
            else:
                with postgres_database(f"{connection.settings_dict['NAME']}_restored") as restored_url:
                    run_backup_and_restore(kind, {**env, "NEW_DATABASE_URL": restored_url}, tmp_path)
                    after = restored_answers(env, restored_url, restored_dir, token)
        finally:
            stop_process_group(server)
    assert {path: answer[0] for path, answer in before.items() if answer[0] != 200} == {}
    assert int(before["/v1/bookings"][1]) > 100
    assert after == before


def run_backup_and_restore(kind: str, env: dict[str, str], folder: Path) -> None:
    """The README's block, while the original server runs."""
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", readme_block(kind)],
        env={**env, "BACKUP": str(folder / "labshare.backup")},
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def restored_answers(env: dict[str, str], database_url: str, var_dir: Path, token: str) -> dict[str, tuple]:
    server, base_url = start_labshare_serve(
        {**env, "DATABASE_URL": database_url, "LABSHARE_VAR_DIR": str(var_dir)}
    )
    try:
        return answers(base_url, token)
    finally:
        stop_process_group(server)
