"""`labshare demo`: sizes, --if-empty, --replace, and the refusal to mix with existing data."""

import io

import pytest
from django.core.management import CommandError, call_command

from labshare.accounts.models import Account, User
from labshare.bookings.models import Booking
from labshare.demo.generate import ADMIN_EMAIL
from labshare.oauth.models import Application


def demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def test_it_leaves_a_database_with_accounts_alone_with_if_empty(bob, demo_password):
    output = demo("--if-empty", "--size", "20")
    assert "already holds accounts" in output
    assert list(User.objects.values_list("email", flat=True)) == ["bob@example.test"]
    assert not Booking.objects.exists()


def test_it_loads_an_empty_database_with_if_empty(db, demo_password):
    output = demo("--if-empty", "--size", "20")
    assert Booking.objects.count() == 20
    assert "bookings_booking" in output and f"Sign in as {ADMIN_EMAIL}" in output


def test_it_refuses_a_database_that_holds_data(bob, demo_password):
    with pytest.raises(CommandError, match="--replace"):
        demo("--size", "20")
    assert Account.objects.count() == 2


def test_it_replaces_the_existing_data_with_replace(bob, alice_app, demo_password):
    demo("--size", "20", "--replace")
    assert not User.objects.filter(email="bob@example.test").exists()
    assert Booking.objects.count() == 20
    assert list(Application.objects.values_list("name", flat=True)) == ["Labshare demo"]
    demo("--size", "30", "--replace")
    assert Booking.objects.count() == 30
    assert User.objects.filter(email=ADMIN_EMAIL).count() == 1


def test_it_prints_a_generated_password_that_signs_in(db, monkeypatch):
    monkeypatch.delenv("LABSHARE_DEMO_PASSWORD", raising=False)
    output = demo("--size", "5")
    password = output.rsplit("password: ", 1)[1].strip()
    assert len(password) >= 12
    assert User.objects.get(email=ADMIN_EMAIL).check_password(password)


def test_it_names_the_environment_variable_instead_of_a_given_password(db, demo_password):
    output = demo("--size", "5")
    assert demo_password not in output
    assert "password: as set in LABSHARE_DEMO_PASSWORD" in output


@pytest.mark.parametrize("size", ["tiny", "0", "-5", "1.5"])
def test_it_refuses_an_unknown_size(db, size):
    with pytest.raises(CommandError, match="--size must be small, medium, large or a positive number"):
        demo("--size", size)
    assert not User.objects.exists()


def test_it_names_a_member_whose_request_the_administrator_approves(db, demo_password):
    output = demo("--size", "300")
    line = next(line for line in output.splitlines() if line.startswith("The booking path"))
    email = line.split("sign in as ")[1].split(",")[0]
    member = User.objects.get(email=email)
    lab = member.memberships.get(role="member").lab
    assert lab.memberships.filter(user__email=ADMIN_EMAIL, role="administrator").exists()
    assert lab.equipment.filter(auto_approve_lab_members=False).exists()
