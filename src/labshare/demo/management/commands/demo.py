"""`labshare demo`: fill the database with the deterministic demo data set."""

import os
import secrets
import time

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from labshare.accounts.models import User
from labshare.demo import load
from labshare.demo.generate import ADMIN_EMAIL, PASSWORD_VARIABLE, SIZES, DemoData
from labshare.oauth.tokens import demo_application


def booking_count(size: str) -> int:
    """small, medium, large, or a number of bookings."""
    if size in SIZES:
        return SIZES[size]
    if size.isdigit() and int(size) >= 1:
        return int(size)
    raise CommandError(f"--size must be small, medium, large or a positive number of bookings, not {size!r}.")


class Command(BaseCommand):
    help = "Fill the database with a realistic, deterministic demo data set."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--size",
            default="small",
            help="small (2,000 bookings), medium (100,000), "
            "large (1,000,000) or a number of bookings. Default: small.",
        )
        parser.add_argument("--seed", type=int, default=1, help="Same seed and size, same data. Default: 1.")
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when the database already holds accounts."
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete the existing accounts, users and everything hanging from them first.",
        )

    def handle(self, *args, size: str, seed: int, if_empty: bool, replace: bool, **options) -> None:
        bookings = booking_count(size)
        if if_empty and load.holds_accounts():
            self.stdout.write("The database already holds accounts: demo data not loaded.")
            return
        if not replace and load.holds_demo_rows():
            raise CommandError(
                "The database is not empty. Use --replace to delete its accounts, users and "
                "bookings first, or --if-empty to leave it alone."
            )
        password = os.environ.get(PASSWORD_VARIABLE) or secrets.token_urlsafe(12)
        started = time.monotonic()
        with transaction.atomic():
            if replace:
                load.empty_demo_tables()
            counts = load.load(DemoData(bookings, seed, make_password(password)).batches())
            demo_application(owner=User.objects.get(email=ADMIN_EMAIL))
        seconds = time.monotonic() - started
        self.stdout.write(f"Loaded the demo data set (size {size}, seed {seed}) in {seconds:.1f} s:")
        for table, count in counts.items():
            self.stdout.write(f"  {table:<34} {count:>10,}")
        shown = "as set in " + PASSWORD_VARIABLE if os.environ.get(PASSWORD_VARIABLE) else password
        self.stdout.write(f"Sign in as {ADMIN_EMAIL}, password: {shown}")
