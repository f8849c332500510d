"""`labshare demo --live`: the facility moves through the booking functions, deterministically."""

import io
from collections import Counter

import pytest
import time_machine
from django.core.management import CommandError, call_command

from labshare.bookings.models import Booking, BookingStatus

NOW = "2026-11-02T09:00Z"


def live(events: int, seed: int = 1) -> list[str]:
    out = io.StringIO()
    call_command("demo", live=True, events=events, rate="600000/min", seed=seed, now=NOW, stdout=out)
    return out.getvalue().splitlines()[1:-1]


def load() -> None:
    call_command("demo", size="600", seed=2, now=NOW, replace=True, stdout=io.StringIO())


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
