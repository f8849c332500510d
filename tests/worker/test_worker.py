"""`labshare worker`: the periodic jobs, once (`--once`) and as the long-running process."""

import io
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from labshare.bookings.models import Booking, BookingStatus
from labshare.equipment.models import Equipment
from tests.e2e.conftest import test_database_url as served_database_url


@pytest.fixture
def ended(graphene_lab, alice) -> Booking:
    equipment = Equipment.objects.create(lab=graphene_lab, name="Centrifuge")
    end = timezone.now() - timedelta(hours=1)
    return Booking.objects.create(
        equipment=equipment,
        requester=alice,
        requester_lab=graphene_lab,
        creator=alice,
        start_time=end - timedelta(hours=2),
        end_time=end,
        status=BookingStatus.BOOKED,
    )


def test_once_completes_ended_bookings(ended):
    output = io.StringIO()
    call_command("worker", once=True, stdout=output)
    ended.refresh_from_db()
    assert ended.status == BookingStatus.COMPLETED
    assert "complete ended bookings: 1" in output.getvalue()


@pytest.mark.django_db(transaction=True)
def test_the_worker_process_runs_its_jobs_until_sigterm(ended):
    env = {**os.environ, "DATABASE_URL": served_database_url()}
    process = subprocess.Popen(
        [sys.executable, "-m", "django", "worker"],
        env={**env, "DJANGO_SETTINGS_MODULE": "labshare.settings"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            ended.refresh_from_db()
            if ended.status == BookingStatus.COMPLETED:
                break
            time.sleep(0.2)
        assert ended.status == BookingStatus.COMPLETED
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err.decode()
    assert b"worker: complete ended bookings" in out
