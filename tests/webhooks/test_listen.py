"""`labshare webhooks listen`: the development receiver verifies what it is sent with the
Standard Webhooks library, prints it, and answers 400 to a signature that does not verify."""

import subprocess
import sys
import time
from pathlib import Path

import httpx
import orjson
import pytest

from labshare.webhooks import signing
from tests.e2e.conftest import free_port

SALT = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def listener(request):
    secret = signing.secret_of(SALT)
    port = free_port()
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("labshare")),
            "webhooks",
            "listen",
            "--port",
            str(port),
            "--secret",
            secret,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout.readline().startswith(f"listening on http://127.0.0.1:{port}/")
    yield process, f"http://127.0.0.1:{port}/"
    process.terminate()
    process.wait(10)


def signed(message_id: str, body: str, salts: list[str]) -> dict[str, str]:
    timestamp = int(time.time())
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signing.signature(salts, message_id, timestamp, body),
    }


def test_it_verifies_and_prints_a_delivery(listener):
    process, url = listener
    body = orjson.dumps({"type": "bookings", "id": 7, "action": "updated"}).decode()
    answer = httpx.post(url, content=body, headers=signed("msg_good", body, [SALT]))
    assert answer.status_code == 204
    assert process.stdout.readline().strip() == "msg_good bookings 7 updated: verified"
    assert process.stdout.readline().strip() == body


def test_it_verifies_the_signature_of_either_secret_while_one_rotates(listener):
    process, url = listener
    body = '{"type": "ping", "id": 1, "action": "ping"}'
    answer = httpx.post(url, content=body, headers=signed("msg_two", body, ["another salt", SALT]))
    assert answer.status_code == 204
    assert process.stdout.readline().strip() == "msg_two ping 1 ping: verified"


def test_it_rejects_a_wrong_signature(listener):
    process, url = listener
    body = '{"type": "bookings", "id": 8, "action": "deleted"}'
    answer = httpx.post(url, content=body, headers=signed("msg_bad", body, ["another salt"]))
    assert answer.status_code == 400
    assert (
        process.stdout.readline().strip()
        == "msg_bad bookings 8 deleted: REJECTED: No matching signature found"
    )
