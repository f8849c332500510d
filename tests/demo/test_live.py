"""`labshare demo --live`: the facility moves through the booking functions, deterministically."""

import io
import re
from collections import Counter

import pytest
import time_machine
from django.core.management import CommandError, call_command

from labshare.bookings.models import Booking, BookingStatus

NOW = "2026-11-02T09:00Z"
DEMO_BOOKINGS = 600


def live(events: int, seed: int = 1) -> list[str]:
    """The events' lines, with the ids of bookings made during the run in the order they were made
    (the database numbers them after every id it has used, so a reload starts them higher)."""
    out = io.StringIO()
    call_command("demo", live=True, events=events, rate="600000/min", seed=seed, now=NOW, stdout=out)
    made: dict[str, str] = {}

    def renumber(match: re.Match) -> str:
        if int(match[1]) <= DEMO_BOOKINGS:
            return match[0]
        return f"booking new-{made.setdefault(match[1], str(len(made) + 1))}"

    return [re.sub(r"booking (\d+)", renumber, line) for line in out.getvalue().splitlines()[1:-1]]


def load() -> None:
    call_command("demo", size=str(DEMO_BOOKINGS), seed=2, now=NOW, replace=True, stdout=io.StringIO())


@pytest.fixture
def facility(db, demo_password):
    load()


def statuses() -> Counter:
    return Counter(Booking.objects.values_list("status", flat=True))


@time_machine.travel(NOW, tick=False)
def test_it_requests_approves_cancels_and_completes(facility):
    before, count_before = statuses(), Booking.objects.count()
    lines = live(events=80)
    assert len(lines) == 80
    kinds = Counter(line.split()[0] for line in lines)
    assert kinds["request"] > 10 and kinds["approve"] > 5
    assert any(" requested " in line for line in lines)
    assert any(" approved booking " in line for line in lines)
    after = statuses()
    assert Booking.objects.count() > count_before
    assert after[BookingStatus.REQUESTED] != before[BookingStatus.REQUESTED]


@time_machine.travel(NOW, tick=False)
def test_it_gives_the_same_events_for_the_same_seed_and_start(facility):
    first = live(events=40)
    load()
    assert live(events=40) == first
    load()
    assert live(events=40, seed=2) != first


def test_it_needs_demo_data(db):
    with pytest.raises(CommandError, match="no demo data"):
        live(events=1)


@pytest.mark.parametrize("rate", ["fast", "0/min", "5/hour"])
def test_it_refuses_a_rate_that_is_not_events_a_minute(db, rate):
    with pytest.raises(CommandError, match="--rate"):
        call_command("demo", live=True, rate=rate, events=1, stdout=io.StringIO())
