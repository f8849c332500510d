"""The README's "Login from a refresh token", run as written against a live server."""

import json
import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from tests.client.support import LABSHARE
from tests.e2e.conftest import test_database_url as database_url

pytestmark = pytest.mark.e2e

README = Path(__file__).resolve().parents[2] / "README.md"
README_EMAIL = "alice@example.org"
README_SERVER = "http://127.0.0.1:8000"


def recipe() -> list[str]:
    """The `labshare` lines of the shell block that follows the recipe's title."""
    text = README.read_text()
    block = re.search(r"\*\*Login from a refresh token\*\*.*?```sh\n(.*?)```", text, re.DOTALL).group(1)
    return [line for line in block.splitlines() if line.startswith("labshare ")]


def test_the_readme_login_recipe_works_as_written(server, alice, graphene_lab, tmp_path):
    lines = recipe()
    assert [shlex.split(line)[1] for line in lines] == ["createapp", "token", "login", "whoami"]
    env = {**os.environ, "DATABASE_URL": database_url(), "LABSHARE_CLIENT_HOME": str(tmp_path)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    # What the README leaves for the reader to fill in, filled in from what came before.
    values = {README_EMAIL: alice.email, README_SERVER: server}
    outputs = []
    for line in lines:
        args = [values.get(arg, arg) for arg in shlex.split(line)[1:]]
        result = subprocess.run([LABSHARE, *args], env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, f"{line}\n{result.stdout}\n{result.stderr}"
        outputs.append(result.stdout)
        if args[0] == "createapp":
            app = json.loads(result.stdout)
            values.update(ID=app["client_id"], SECRET=app["client_secret"])
        elif args[0] == "token":
            values["TOKEN"] = json.loads(result.stdout)["refresh_token"]

    assert outputs[-1].startswith(f"Alice Archer (user {alice.pk}) at {server}/v1/")
