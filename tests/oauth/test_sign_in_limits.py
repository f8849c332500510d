"""Failed sign-ins on every path, counted per client address and per account (django-axes)."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from labshare.accounts.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

SIGN_IN_PATHS = ["/login", "/admin/login/"]


@pytest.fixture
def root(db) -> User:
    return User.objects.create_superuser("root@example.test", PASSWORD, first_name="Root", last_name="Admin")


def sign_in(client, path: str, email: str, password: str, address: str = "127.0.0.1"):
    return client.post(path, {"username": email, "password": password}, REMOTE_ADDR=address)


def is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_it_refuses_the_right_admin_password_while_locked(client, root, settings):
    settings.AXES_FAILURE_LIMIT = 10
    answers = [sign_in(client, "/admin/login/", root.email, f"guess {n}").status_code for n in range(25)]
    assert answers == [200] * 9 + [429] * 16

    locked = sign_in(client, "/admin/login/", root.email, PASSWORD)
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) == settings.AXES_COOLOFF_TIME.total_seconds()
    assert "Too many sign-in attempts" in locked.content.decode()
    assert not is_signed_in(client)
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("path", SIGN_IN_PATHS)
def test_it_locks_an_account_whatever_the_address(client, alice, bob, settings, path):
    settings.AXES_FAILURE_LIMIT = 3
    for n, address in enumerate(("10.0.0.1", "10.0.0.2")):
        assert sign_in(client, path, alice.email, f"wrong {n}", address).status_code == 200
    assert sign_in(client, path, "ALICE@example.test ", "wrong", "10.0.0.3").status_code == 429

    assert sign_in(client, path, alice.email, PASSWORD, "10.0.0.4").status_code == 429
    assert not is_signed_in(client)
    # The address is not locked: another account signs in from it.
    assert sign_in(client, "/login", bob.email, PASSWORD, "10.0.0.3").status_code == 302


@pytest.mark.parametrize("path", SIGN_IN_PATHS)
def test_it_locks_an_address_whatever_the_account(client, alice, bob, settings, path):
    settings.AXES_FAILURE_LIMIT = 3
    for email in ("charlie@example.test", "dave@example.test", "erin@example.test"):
        sign_in(client, path, email, "wrong", "203.0.113.5")

    assert sign_in(client, path, alice.email, PASSWORD, "203.0.113.5").status_code == 429
    assert not is_signed_in(client)
    assert sign_in(client, "/login", bob.email, PASSWORD, "203.0.113.6").status_code == 302


def test_it_counts_every_path_together(client, root, settings):
    settings.AXES_FAILURE_LIMIT = 3
    assert sign_in(client, "/login", root.email, "wrong").status_code == 200
    assert sign_in(client, "/admin/login/", root.email, "wrong").status_code == 200
    assert sign_in(client, "/login", root.email, "wrong").status_code == 429
    assert sign_in(client, "/admin/login/", root.email, PASSWORD).status_code == 429


def test_it_counts_an_ipv6_client_per_64(client, alice, bob, settings):
    settings.AXES_FAILURE_LIMIT = 2
    sign_in(client, "/login", "charlie@example.test", "wrong", "2001:db8:7:7::1")
    sign_in(client, "/login", "dave@example.test", "wrong", "2001:db8:7:7:ffff::2")
    assert sign_in(client, "/login", alice.email, PASSWORD, "2001:db8:7:7::abcd").status_code == 429
    assert sign_in(client, "/login", bob.email, PASSWORD, "2001:db8:7:8::1").status_code == 302


def test_it_counts_failures_only(client, alice, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(5):
        assert sign_in(client, "/login", alice.email, PASSWORD).status_code == 302
        client.post("/logout")
    assert sign_in(client, "/login", alice.email, PASSWORD).status_code == 302


def test_it_lets_the_account_in_once_the_failures_are_older_than_the_cool_off(client, alice, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(3):
        sign_in(client, "/login", alice.email, "wrong")
    assert sign_in(client, "/login", alice.email, PASSWORD).status_code == 429

    with time_machine.travel(timezone.now() + settings.AXES_COOLOFF_TIME + timedelta(seconds=1), tick=False):
        assert sign_in(client, "/login", alice.email, PASSWORD).status_code == 302
