"""Webhook tests deliver to receivers on 127.0.0.1 (allowed here, as the README says
deployments may allow their own networks) with a retry schedule shrunk to fractions of a second."""

import ipaddress
import time

import pytest

from labshare.webhooks import delivery
from labshare.webhooks.services import create_endpoint
from tests.webhooks.receiver import Receiver

LOOPBACK = [ipaddress.ip_network("127.0.0.1/32")]


@pytest.fixture(autouse=True)
def loopback_allowed(settings):
    settings.LABSHARE_WEBHOOKS_ALLOW_PRIVATE = LOOPBACK
    settings.LABSHARE_WEBHOOKS_RETRY_SCHEDULE = [0.1, 0.1, 0.1]


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


@pytest.fixture
def hooked(transactional_db, alice, alice_app, alice_tokens, receiver):
    """Alice's application, authorised for Graphene and Optics labs, with an endpoint for
    equipment and bookings at the receiver: (endpoint, secret)."""
    return create_endpoint(
        application=alice_app, by=alice, url=receiver.url, event_types=["equipment", "bookings"]
    )


def run_until(done, seconds: float = 10) -> None:
    """Run the worker's delivery round until `done()` holds."""
    deadline = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < deadline, "not done in time"
        if not delivery.run():
            time.sleep(0.05)
