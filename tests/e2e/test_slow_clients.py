"""Slow clients cannot stop the server (README: Running in production › The server).

`labshare serve` with one worker, while 50 connections send their headers a line every 2 s
and 10 POSTs declaring a 1,000,000-byte body send a byte every 2 s, for 30 s: a probe
every half second, each with a 1 s client timeout, must be answered, and answered right.
"""

import httpx
import pytest

from labshare.oauth.models import SCOPES, Application
from labshare.oauth.tokens import issue_tokens
from tests.e2e.conftest import start_labshare_serve, stop_process_group
from tests.e2e.slow_clients import SlowClients, probe_while_held

pytestmark = pytest.mark.e2e

HOLD_SECONDS = 30
PROBE_TIMEOUT_SECONDS = 1.0


@pytest.fixture
def token(transactional_db, alice, graphene_lab) -> str:
    application = Application.objects.create(
        name="Probe",
        user=alice,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://client.example.test/callback",
        scopes=" ".join(SCOPES),
    )
    return issue_tokens(alice, application, [graphene_lab], SCOPES)["access_token"]


def test_other_clients_are_answered_while_slow_clients_hold_connections(token, alice):
    server, base_url = start_labshare_serve(workers=1)
    port = int(base_url.rsplit(":", 1)[1])
    slow = SlowClients("127.0.0.1", port, headers=50, bodies=10, interval=2.0)

    def probe() -> str:
        try:
            response = httpx.get(
                f"{base_url}/v1/user",
                headers={"Authorization": f"Bearer {token}"},
                timeout=PROBE_TIMEOUT_SECONDS,
            )
        except httpx.TransportError as error:
            return type(error).__name__
        return "right" if response.status_code == 200 and response.json()["id"] == alice.id else "wrong"

    try:
        assert probe() == "right"
        slow.start()
        held_at_start = slow.open_count()
        results = probe_while_held(probe, HOLD_SECONDS)
        held_at_end = slow.open_count()
    finally:
        slow.stop()
        stop_process_group(server)

    failed = [(round(offset, 1), outcome) for offset, outcome in results if outcome != "right"]
    assert not failed
    assert held_at_start == held_at_end == 60  # the pressure held throughout
    assert len(results) >= HOLD_SECONDS  # a probe at least every second
