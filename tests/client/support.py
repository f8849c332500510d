"""Shared by the client toolkit's tests: demo data, an application and tokens, the real CLI."""

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.management import call_command

from labshare.accounts.models import User
from labshare.demo.generate import REFERENCE_NOW
from labshare.oauth.forms import labs_of
from labshare.oauth.models import SCOPES
from labshare.oauth.tokens import issue_tokens

LABSHARE = str(Path(sys.executable).with_name("labshare"))
DEMO_ADMIN = "admin@demo.labshare.test"


def load_demo(size: str | int = "small", seed: int = 1) -> None:
    call_command("demo", size=str(size), seed=seed, now=REFERENCE_NOW.isoformat(), stdout=io.StringIO())


def create_app(owner: str | None = None, redirect_uri: str = "http://127.0.0.1/callback") -> dict:
    out = io.StringIO()
    options = {"owner": owner} if owner else {}
    call_command("createapp", name="Labshare CLI", redirect_uri=[redirect_uri], stdout=out, **options)
    return json.loads(out.getvalue())


def tokens_for(email: str, app: dict) -> dict:
    from labshare.oauth.models import Application

    user = User.objects.get(email=email)
    application = Application.objects.get(client_id=app["client_id"])
    return issue_tokens(user, application, list(labs_of(user)), SCOPES)


def run_cli(
    home: Path, *args: str, check: bool = True, api_url: str | None = None, env: dict | None = None
) -> subprocess.CompletedProcess:
    """The installed `labshare` command, with its own client home (and another API host)."""
    env = {**os.environ, "LABSHARE_CLIENT_HOME": str(home), "COLUMNS": "120", **(env or {})}
    if api_url:
        env["LABSHARE_API_URL"] = api_url
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run([LABSHARE, *args], env=env, capture_output=True, text=True, timeout=600)
    if check and result.returncode != 0:
        raise AssertionError(f"labshare {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


@contextmanager
def fresh_server() -> Iterator[str]:
    """Another server process on the same database: its caches (list totals are cached for up to
    a minute per process without Redis) have not seen the data the test just changed."""
    from tests.e2e.conftest import start_server

    process, base_url = start_server()
    try:
        yield base_url
    finally:
        process.terminate()
        process.wait(10)


def connect(home: Path, server: str, email: str = DEMO_ADMIN) -> dict:
    """`labshare login` with a refresh token issued for the user's labs; return the app."""
    app = create_app(owner=email)
    tokens = tokens_for(email, app)
    run_cli(
        home,
        "login",
        "--server",
        server,
        "--client-id",
        app["client_id"],
        "--client-secret",
        app["client_secret"],
        "--refresh-token",
        tokens["refresh_token"],
    )
    return app
