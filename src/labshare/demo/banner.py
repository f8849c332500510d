"""What `labshare serve` prints first: where to sign in and what to try next."""

import os
import sys

from django.db import DatabaseError

from labshare.accounts.models import User
from labshare.demo.generate import ADMIN_EMAIL, PASSWORD_VARIABLE
from labshare.oauth.models import SCOPES, held_labs
from labshare.oauth.tokens import demo_application, issue_tokens


def print_banner(base_url: str) -> None:
    print(f"Labshare is serving on {base_url}")
    print("Try:")
    for path in ("/admin/", "/oauth/applications", "/v1/bookings", "/docs"):
        print(f"  {base_url}{path}")
    try:
        admin = User.objects.filter(email=ADMIN_EMAIL).first()
    except DatabaseError:  # not migrated yet: serve anyway, the pages will say so
        return
    if admin is None:
        return
    if os.environ.get(PASSWORD_VARIABLE):
        password = f"as set in {PASSWORD_VARIABLE}"
    else:
        password = "the one `labshare demo` printed when it loaded the data"
    print(f"Sign in as {ADMIN_EMAIL}, password: {password}")
    # A live token belongs on the operator's screen, never in a server's log.
    if not sys.stdout.isatty():
        print(f"For a token: labshare token --user {ADMIN_EMAIL}")
        return
    labs = held_labs(admin.pk).order_by("id")
    if not labs:
        return
    tokens = issue_tokens(admin, demo_application(owner=admin), labs, SCOPES, refresh=False)
    print(f"A token for the demo administrator's labs, valid for {tokens['expires_in'] // 60} minutes:")
    print(f'  curl -H "Authorization: Bearer {tokens["access_token"]}" {base_url}/v1/bookings')
