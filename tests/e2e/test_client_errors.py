"""Every failure of the toolkit ends in one or two lines naming what failed and what to check,
with its own exit code; `--debug` adds the traceback. The real CLI, against a real server, a
closed port, a port that never answers, a host that does not resolve."""

import socket
import subprocess
import time

import duckdb
import pytest

from labshare.client import Credentials, TokenStore
from labshare.client.errors import EXIT_CODES
from tests.client.support import LABSHARE, connect, create_app, load_demo, run_cli, tokens_for
from tests.e2e.conftest import free_port

pytestmark = pytest.mark.e2e


def assert_fails(result: subprocess.CompletedProcess, error: str, *phrases: str) -> None:
    """It failed with `error`'s exit code, in at most two lines and no traceback, saying `phrases`."""
    lines = result.stderr.strip().splitlines()
    assert result.returncode == EXIT_CODES[error], result.stderr
    assert lines[0].startswith("error: ") and len(lines) <= 2, result.stderr
    assert "Traceback" not in result.stderr
    for phrase in phrases:
        assert phrase in result.stderr, result.stderr


def assert_usage_error(result: subprocess.CompletedProcess, option: str) -> None:
    assert result.returncode == 2, result.stderr
    assert option in result.stderr and "Traceback" not in result.stderr


def save_connection(home, url: str, expires_at: float) -> None:
    TokenStore(home).save(
        Credentials(
            web_url=url,
            api_url=f"{url}/v1/",
            client_id="client",
            client_secret="secret",
            access_token="access",
            refresh_token="refresh",
            expires_at=expires_at,
        )
    )


@pytest.fixture
def closed_port() -> str:
    return f"http://127.0.0.1:{free_port()}"


@pytest.mark.parametrize("expires_at", [time.time() + 3600, 0], ids=["api", "token-endpoint"])
def test_a_stopped_server_is_named_at_once(tmp_path, closed_port, expires_at):
    save_connection(tmp_path, closed_port, expires_at)

    result = run_cli(tmp_path, "whoami", check=False)

    assert_fails(result, "ConnectionFailed", closed_port, "Check that the server is running")


def test_debug_adds_the_traceback(tmp_path, closed_port):
    save_connection(tmp_path, closed_port, time.time() + 3600)

    result = run_cli(tmp_path, "--debug", "whoami", check=False)

    assert result.returncode == EXIT_CODES["ConnectionFailed"]
    assert "Traceback" in result.stderr and "ConnectError" in result.stderr
    assert result.stderr.strip().splitlines()[-2].startswith("error: Cannot connect to")


def test_a_login_to_a_wrong_port_names_the_token_endpoint(tmp_path, closed_port):
    result = run_cli(
        tmp_path, "login", "--server", closed_port, "--client-id", "x", "--refresh-token", "r", check=False
    )

    assert_fails(result, "ConnectionFailed", f"{closed_port}/oauth/token")
    assert not (tmp_path / "credentials.json").exists()


def test_a_server_without_a_scheme_names_the_option(tmp_path):
    result = run_cli(
        tmp_path,
        "login",
        "--server",
        "127.0.0.1:8000",
        "--client-id",
        "x",
        "--refresh-token",
        "r",
        check=False,
    )

    assert_fails(result, "ConfigurationError", "--server", "'127.0.0.1:8000'", "http://127.0.0.1:8000")


def test_a_host_that_does_not_resolve_says_so(tmp_path):
    save_connection(tmp_path, "http://no-such-host.invalid", time.time() + 3600)

    result = run_cli(tmp_path, "whoami", check=False)

    assert_fails(result, "HostNotFound", "http://no-such-host.invalid/v1/user", "host name")


def test_a_server_that_never_answers_times_out(tmp_path):
    with socket.socket() as listening:  # accepts connections (the backlog), never answers
        listening.bind(("127.0.0.1", 0))
        listening.listen(8)
        url = f"http://127.0.0.1:{listening.getsockname()[1]}"
        save_connection(tmp_path, url, time.time() + 3600)

        result = run_cli(tmp_path, "whoami", check=False, env={"LABSHARE_TIMEOUT": "1"})

    assert_fails(result, "TimedOut", f"{url}/v1/user", "LABSHARE_TIMEOUT")


def test_commands_that_need_a_sign_in_say_so_and_leave_no_file(tmp_path):
    whoami = run_cli(tmp_path / "home", "whoami", check=False)
    pull = run_cli(tmp_path / "home", "pull", str(tmp_path / "labs.duckdb"), check=False)

    assert_fails(whoami, "ReconnectRequired", "labshare login")
    assert_fails(pull, "ReconnectRequired", "labshare login")
    assert not (tmp_path / "labs.duckdb").exists()


def test_a_target_of_unknown_kind_is_refused(tmp_path):
    save_connection(tmp_path, "http://127.0.0.1:9", time.time() + 3600)

    result = run_cli(tmp_path, "pull", str(tmp_path / "notes.txt"), check=False)

    assert_usage_error(result, "notes.txt")
    assert not (tmp_path / "notes.txt").exists()


def test_the_help_lists_every_command_grouped():
    listing = subprocess.run([LABSHARE, "--help"], capture_output=True, text=True, check=True).stdout

    toolkit, server = listing.split("\nServer:")
    for word in ("login", "whoami", "pull", "report", "export"):
        assert f"\n  {word} " in toolkit
    for word in ("serve", "demo", "createapp", "token", "migrate", "createsuperuser"):
        assert word in server
    assert "runserver" not in listing and "createapplication" not in listing


def test_no_browser_prints_the_sign_in_url_on_one_line(tmp_path):
    env = {"LABSHARE_CLIENT_HOME": str(tmp_path), "COLUMNS": "40", "PATH": "/usr/bin:/bin"}
    command = [LABSHARE, "login", "--server", "http://127.0.0.1:9", "--client-id", "abc", "--no-browser"]
    with subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True) as process:
        try:
            assert process.stderr.readline().startswith("Sign in")
            url = process.stderr.readline().strip()
        finally:
            process.kill()

    assert url.startswith("http://127.0.0.1:9/oauth/authorize?client_id=abc&")
    assert "code_challenge_method=S256" in url and "redirect_uri=http%3A%2F%2F127.0.0.1%3A" in url


def test_sign_in_failures_against_a_real_server(server, alice, graphene_lab, tmp_path):
    app = create_app(owner=alice.email)
    login = ("login", "--client-id", app["client_id"], "--client-secret", app["client_secret"])

    bad_token = run_cli(tmp_path, *login, "--server", server, "--refresh-token", "not-a-token", check=False)
    tls = run_cli(
        tmp_path,
        *login,
        "--server",
        server.replace("http://", "https://"),
        "--refresh-token",
        tokens_for(alice.email, app)["refresh_token"],
        check=False,
    )
    wrong_secret = run_cli(
        tmp_path,
        "login",
        "--client-id",
        app["client_id"],
        "--client-secret",
        "wrong",
        "--server",
        server,
        "--refresh-token",
        "r",
        check=False,
    )

    assert_fails(bad_token, "SignInError", f"{server}/oauth/token", "rejected the refresh token given")
    assert "not-a-token" not in bad_token.stderr
    assert_fails(tls, "TlsFailed", server.replace("http://", "https://"), "https")
    assert_fails(wrong_secret, "SignInError", "invalid_client", "--client-secret")
    assert not (tmp_path / "credentials.json").exists()

    run_cli(
        tmp_path, *login, "--server", server, "--refresh-token", tokens_for(alice.email, app)["refresh_token"]
    )
    wrong_path = run_cli(tmp_path, "whoami", check=False, api_url=f"{server}/api/")
    assert_fails(wrong_path, "ApiError", f"{server}/api/user answered 404 Not Found", "--api-url")


def test_failures_keep_the_pulled_data_and_name_the_option_or_record(server, tmp_path, closed_port):
    load_demo("small")
    home = tmp_path / "home"
    connect(home, server)
    data = tmp_path / "labs.duckdb"
    run_cli(home, "pull", str(data), "--resources", "accounts,equipment,bookings", "--no-details")
    before = duckdb.connect(str(data), read_only=True).execute("SELECT count(*) FROM bookings").fetchone()[0]

    stopped = run_cli(
        home, "pull", str(data), "--resources", "bookings", check=False, api_url=f"{closed_port}/v1/"
    )
    unknown = run_cli(home, "export", "ics", str(data), "--equipment", "99999999", check=False)
    bad_date = run_cli(home, "report", str(data), "--until", "2026-13-01", check=False)
    bad_days = run_cli(home, "report", str(data), "--days", "someday", check=False)

    assert_fails(stopped, "ConnectionFailed", closed_port)
    assert (
        duckdb.connect(str(data), read_only=True).execute("SELECT count(*) FROM bookings").fetchone()[0]
        == before
    )
    assert_fails(unknown, "LocalDataError", "Equipment 99999999 is not in the pulled data")
    assert not (tmp_path / "bookings.ics").exists()
    assert_usage_error(bad_date, "--until")
    assert_usage_error(bad_days, "--days")
