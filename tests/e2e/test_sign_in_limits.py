"""A real server refuses the superuser's right password once wrong ones have locked the account."""

import httpx

from labshare.accounts.models import User
from tests.conftest import PASSWORD
from tests.e2e.consent import hidden_inputs


def admin_sign_in(browser: httpx.Client, email: str, password: str) -> httpx.Response:
    token = hidden_inputs(browser.get("/admin/login/").text)["csrfmiddlewaretoken"]
    return browser.post(
        "/admin/login/?next=/admin/",
        data={"username": email, "password": password, "csrfmiddlewaretoken": token, "next": "/admin/"},
    )


def test_it_refuses_the_right_admin_password_after_25_wrong_ones(server):
    User.objects.create_superuser("root@example.test", PASSWORD, first_name="Root", last_name="Admin")
    with httpx.Client(base_url=server) as browser:
        answers = [admin_sign_in(browser, "root@example.test", f"guess {n}").status_code for n in range(25)]
        assert answers == [200] * 9 + [429] * 16  # the default limit: 10 failures

        locked = admin_sign_in(browser, "root@example.test", PASSWORD)
        assert locked.status_code == 429
        assert int(locked.headers["Retry-After"]) > 0
        assert "Too many sign-in attempts" in locked.text
        assert browser.get("/admin/").status_code == 302  # still signed out
