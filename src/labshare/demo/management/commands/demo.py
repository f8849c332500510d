"""`labshare demo`: fill the database with the deterministic demo data set."""

import os
import secrets
import signal
import time
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.dateparse import parse_datetime

from labshare.accounts.models import Membership, Role, User
from labshare.demo import live, load
from labshare.demo.generate import ADMIN_EMAIL, PASSWORD_VARIABLE, SIZES, DemoData
from labshare.oauth.tokens import demo_application


def booking_count(size: str) -> int:
    """small, medium, large, or a number of bookings."""
    if size in SIZES:
        return SIZES[size]
    if size.isdigit() and int(size) >= 1:
        return int(size)
    raise CommandError(f"--size must be small, medium, large or a positive number of bookings, not {size!r}.")


CONSOLE_EMAIL = "django.core.mail.backends.console.EmailBackend"


def events_a_minute(rate: str) -> float:
    number, _, unit = rate.partition("/")
    try:
        value = float(number)
    except ValueError:
        value = 0
    if value <= 0 or unit not in ("", "min", "minute"):
        raise CommandError(f"--rate must be a number of events a minute such as 30/min, not {rate!r}.")
    return value


def moment(text: str | None) -> datetime:
    """--now: an ISO 8601 date-time (UTC without an offset); without it, this minute."""
    if text is None:
        return datetime.now(UTC).replace(second=0, microsecond=0)
    try:
        parsed = parse_datetime(text)
    except ValueError:
        parsed = None
    if parsed is None:
        raise CommandError(f"--now must be an ISO 8601 date-time such as 2026-07-01T00:00Z, not {text!r}.")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def member_to_try() -> Membership | None:
    """A plain member of a lab the demo administrator runs whose requests wait for approval."""
    return (
        Membership.objects.filter(
            role=Role.MEMBER,
            user__is_active=True,
            lab__memberships__user__email=ADMIN_EMAIL,
            lab__memberships__role=Role.ADMINISTRATOR,
            lab__equipment__auto_approve_lab_members=False,
        )
        .select_related("user", "lab")
        .order_by("lab_id", "user_id")
        .first()
    )


class Command(BaseCommand):
    help = "Fill the database with a realistic, deterministic demo data set."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--size",
            default="small",
            help="small (2,000 bookings), medium (100,000), "
            "large (1,000,000) or a number of bookings. Default: small.",
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="Same seed, size and --now, same data. Default: 1."
        )
        parser.add_argument(
            "--now",
            help='The data set\'s "now", an ISO 8601 date-time: bookings before it are past, later ones '
            "upcoming. Default: this minute, so that the data never goes stale.",
        )
        parser.add_argument(
            "--live",
            action="store_true",
            help="Run the demo facility in real time instead of loading data: requests, approvals, "
            "cancellations, notes, completions... through the booking functions. Stop with Ctrl-C.",
        )
        parser.add_argument(
            "--rate", default="12/min", help="--live: events a minute, e.g. 30/min. Default: 12/min."
        )
        parser.add_argument("--events", type=int, help="--live: stop after this many events.")
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when the database already holds accounts."
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete the existing accounts, users and everything hanging from them first.",
        )

    def handle(
        self, *args, size: str, seed: int, now: str | None, if_empty: bool, replace: bool, **options
    ) -> None:
        now_moment = moment(now)
        if options["live"]:
            self.run_live(seed, now_moment, events_a_minute(options["rate"]), options["events"])
            return
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
            counts = load.load(DemoData(bookings, seed, make_password(password), now=now_moment).batches())
            demo_application(owner=User.objects.get(email=ADMIN_EMAIL))
        seconds = time.monotonic() - started
        self.stdout.write(
            f"Loaded the demo data set (size {size}, seed {seed}, now {now_moment:%Y-%m-%dT%H:%MZ}) "
            f"in {seconds:.1f} s:"
        )
        for table, count in counts.items():
            self.stdout.write(f"  {table:<34} {count:>10,}")
        shown = "as set in " + PASSWORD_VARIABLE if os.environ.get(PASSWORD_VARIABLE) else password
        if member := member_to_try():
            self.stdout.write(
                f"The booking path: sign in as {member.user.email}, a member of {member.lab.name}, "
                f"request an instrument of the lab, then as {ADMIN_EMAIL} approve it under Requests."
            )
        self.stdout.write(f"Sign in as {ADMIN_EMAIL} (or any demo user), password: {shown}")

    def run_live(self, seed: int, start: datetime, rate: float, limit: int | None) -> None:
        if not load.holds_accounts():
            raise CommandError("The database holds no demo data: run `labshare demo` first.")
        interval = 60 / rate
        if settings.EMAIL_BACKEND == CONSOLE_EMAIL:
            # The facility's e-mails would bury its events; a real SMTP server still gets them.
            settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
        self.stdout.write(
            f"The demo facility runs at {rate:g} events a minute (seed {seed}); Ctrl-C stops it."
        )
        started, done = time.monotonic(), 0
        # A service manager (or a test) stops it with SIGTERM, as Ctrl-C does: between events.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        try:
            for event in live.LiveFacility(seed, start).events():
                self.stdout.write(f"{event.kind:<15} {event.description}", ending="\n")
                self.stdout.flush()
                done += 1
                if limit is not None and done >= limit:
                    break
                time.sleep(max(0.0, started + done * interval - time.monotonic()))
        except KeyboardInterrupt:
            pass
        seconds = time.monotonic() - started
        self.stdout.write(
            f"{done} events in {seconds:.1f} s ({done / max(seconds, 1e-9) * 60:.0f} a minute)."
        )
