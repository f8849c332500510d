"""The write API against a real server: concurrent retries book once, one slot has one winner."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
from django.utils import timezone

from labshare.bookings.models import Booking
from labshare.oauth.tokens import issue_tokens
from tests.api.conftest import fast_password_hashing, world  # noqa: F401  (fixtures)


def slot(days: int = 10) -> dict:
    day = (timezone.now() + timedelta(days=days)).date().isoformat()
    return {"start_time": f"{day}T10:00:00", "end_time": f"{day}T12:00:00"}


def post_all(server: str, token: str, bodies_and_keys: list[tuple[dict, str | None]]) -> list[httpx.Response]:
    def send(body_and_key):
        body, key = body_and_key
        headers = {"Authorization": f"Bearer {token}", **({"Idempotency-Key": key} if key else {})}
        return httpx.post(f"{server}/v1/bookings", json=body, headers=headers, timeout=30)

    with ThreadPoolExecutor(len(bodies_and_keys)) as pool:
        return list(pool.map(send, bodies_and_keys))


def test_concurrent_retries_with_one_key_book_once(server, world, alice, alice_app, optics_lab):  # noqa: F811
    token = issue_tokens(alice, alice_app, [optics_lab], ("read_bookings", "write_bookings"))["access_token"]
    body = {"equipment_id": world.laser.pk, **slot()}
    answers = post_all(server, token, [(body, "same-key")] * 6)
    assert {r.status_code for r in answers} == {201}, [r.text for r in answers]
    assert len({r.json()["id"] for r in answers}) == 1
    assert Booking.objects.filter(equipment=world.laser, start_time__gt=timezone.now()).count() == 1


def test_one_slot_requested_at_once_has_exactly_one_winner(server, world, alice, alice_app, optics_lab):  # noqa: F811
    token = issue_tokens(alice, alice_app, [optics_lab], ("read_bookings", "write_bookings"))["access_token"]
    body = {"equipment_id": world.laser.pk, **slot(days=12)}
    answers = post_all(server, token, [(body, f"key-{n}") for n in range(6)])
    codes = sorted(r.status_code for r in answers)
    assert codes == [201, 409, 409, 409, 409, 409], [r.text for r in answers]
    winner = next(r for r in answers if r.status_code == 201).json()
    for refused in (r.json() for r in answers if r.status_code == 409):
        assert refused["error"] == "slot_taken"
        # The winner, unless it had not committed yet when this one was refused.
        assert refused.get("conflict", {"booking_id": winner["id"]})["booking_id"] == winner["id"]
    assert Booking.objects.filter(equipment=world.laser, start_time__gt=timezone.now()).count() == 1
