"""The banner `labshare serve` prints: the URLs, the sign-in, and on a terminal only a ready curl
with a real access token (and no refresh token)."""

import hashlib
import io
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout

from django.core.management import call_command
from oauth2_provider.models import AccessToken, RefreshToken

from labshare.accounts.models import Account
from labshare.demo.banner import print_banner
from labshare.demo.generate import ADMIN_EMAIL
from labshare.oauth.models import Authorisation

BASE_URL = "http://127.0.0.1:8123"


@contextmanager
def terminal() -> Iterator[Callable[[], str]]:
    """Standard output on a real pseudo-terminal; the context's value reads what was written."""
    leader, follower = os.openpty()
    try:
        with open(follower, "w") as tty, redirect_stdout(tty):

            def read() -> str:
                tty.flush()
                os.set_blocking(leader, False)
                chunks = []
                while True:
                    try:
                        chunks.append(os.read(leader, 65536))
                    except BlockingIOError:
                        return b"".join(chunks).decode().replace("\r\n", "\n")

            yield read
    finally:
        os.close(leader)


def test_it_prints_a_curl_with_a_token_for_the_admins_labs(db, demo_password):
    call_command("demo", size="10", stdout=io.StringIO())
    refresh_tokens = RefreshToken.objects.count()
    with terminal() as read:
        assert sys.stdout.isatty()
        print_banner(BASE_URL)
        output = read()
    for path in ("/admin/", "/oauth/applications", "/v1/bookings", "/docs"):
        assert f"{BASE_URL}{path}\n" in output
    assert f"Sign in as {ADMIN_EMAIL}, password: as set in LABSHARE_DEMO_PASSWORD" in output
    assert demo_password not in output
    token = re.search(rf'curl -H "Authorization: Bearer (\S+)" {BASE_URL}/v1/bookings', output).group(1)
    access_token = AccessToken.objects.get(token_checksum=hashlib.sha256(token.encode()).hexdigest())
    assert access_token.user.email == ADMIN_EMAIL
    assert set(access_token.scope.split()) == {
        "read_user",
        "read_accounts",
        "read_equipment",
        "read_projects",
        "read_bookings",
        "write_bookings",
    }
    authorisation = Authorisation.objects.get(user=access_token.user, application=access_token.application)
    admin_labs = Account.objects.filter(memberships__user=access_token.user)
    assert set(authorisation.labs.all()) == set(admin_labs)
    assert len(admin_labs) >= 3
    assert RefreshToken.objects.count() == refresh_tokens  # an access token only


def test_it_prints_no_token_into_a_log(db, demo_password, capsys):
    call_command("demo", size="10", stdout=io.StringIO())
    tokens = AccessToken.objects.count(), RefreshToken.objects.count()
    assert not sys.stdout.isatty()
    print_banner(BASE_URL)
    output = capsys.readouterr().out
    assert f"Sign in as {ADMIN_EMAIL}" in output
    assert "Bearer" not in output
    assert f"labshare token --user {ADMIN_EMAIL}" in output
    assert (AccessToken.objects.count(), RefreshToken.objects.count()) == tokens


def test_it_prints_no_curl_without_the_demo_admin(alice, capsys):
    print_banner(BASE_URL)
    output = capsys.readouterr().out
    assert f"{BASE_URL}/admin/" in output
    assert "curl" not in output and "Sign in" not in output
    assert not AccessToken.objects.exists()


def test_it_says_where_a_generated_password_was_shown(db, monkeypatch, capsys):
    monkeypatch.delenv("LABSHARE_DEMO_PASSWORD", raising=False)
    call_command("demo", size="5", stdout=io.StringIO())
    print_banner(BASE_URL)
    assert "password: the one `labshare demo` printed" in capsys.readouterr().out
