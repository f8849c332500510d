"""The banner `labshare serve` prints: the URLs, the sign-in and a ready curl with a real token."""

import hashlib
import io
import re

from django.core.management import call_command
from oauth2_provider.models import AccessToken

from labshare.accounts.models import Account
from labshare.demo.banner import print_banner
from labshare.demo.generate import ADMIN_EMAIL
from labshare.oauth.models import Authorisation

BASE_URL = "http://127.0.0.1:8123"


def test_it_prints_a_curl_with_a_token_for_the_admins_labs(db, demo_password, capsys):
    call_command("demo", size="10", stdout=io.StringIO())
    print_banner(BASE_URL)
    output = capsys.readouterr().out
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
