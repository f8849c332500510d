"""`labshare worker` processes delivering webhooks: two of them on PostgreSQL deliver each
change exactly once, in order per record; one killed (SIGKILL) in the middle of a delivery
loses nothing, another delivers it once its lease has expired."""

import signal
import time
from collections import defaultdict

import pytest
from django.db import connection

from labshare.equipment.models import Equipment
from labshare.webhooks.models import Delivery, Status
from tests.webhooks.receiver import Reply
from tests.webhooks.workers import start_worker, stop

pytestmark = pytest.mark.e2e


def wait_for(done, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < deadline, "not done in time"
        time.sleep(0.1)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="several workers share PostgreSQL (SKIP LOCKED)"
)
def test_two_workers_deliver_each_change_once_in_order_per_record(hooked, receiver, graphene_lab):
    _, secret = hooked
    receiver.plan = lambda n: Reply(204, delay=0.01)
    workers = [start_worker(), start_worker()]
    try:
        records = [Equipment.objects.create(lab=graphene_lab, name=f"eq {i} v0") for i in range(30)]
        for version in range(1, 5):
            for i, record in enumerate(records):
                Equipment.objects.filter(pk=record.pk).update(name=f"eq {i} v{version}")
        wait_for(
            lambda: (
                Delivery.objects.exists() and not Delivery.objects.exclude(status=Status.DELIVERED).exists()
            ),
            120,
        )
        time.sleep(1)  # nothing more arrives
    finally:
        for process, _ in workers:
            stop(process)
    ids = [request.headers["webhook-id"] for request in receiver.received]
    assert len(ids) == len(set(ids)) == Delivery.objects.count()
    versions = defaultdict(list)
    for request in receiver.received:
        body = request.verified(secret)
        versions[body["id"]].append(int(body["record"]["name"].rsplit("v", 1)[1]))
    assert set(versions) == {record.pk for record in records}
    for seen in versions.values():
        assert seen == sorted(seen) and seen[-1] == 4  # in order, ending at the last write
    logs = [log.read_text() for _, log in workers]
    assert all("webhook deliveries" in log for log in logs), logs  # both shared the load


def test_a_worker_killed_mid_delivery_loses_nothing(hooked, receiver, graphene_lab):
    _, secret = hooked
    receiver.plan = lambda n: Reply(204, delay=30) if n == 1 else Reply(204)
    env = {"LABSHARE_WEBHOOKS_TIMEOUT_SECONDS": "1"}  # a lease of 3 * 1 + 5 s
    first, _ = start_worker(**env)
    try:
        centrifuge = Equipment.objects.create(lab=graphene_lab, name="Centrifuge")
        wait_for(lambda: len(receiver.received) == 1, 30)  # the worker is waiting for the answer
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        stop(first)
    (delivery,) = Delivery.objects.all()
    assert delivery.status == Status.PENDING and delivery.lease_token  # leased by the dead worker
    second, _ = start_worker(**env)
    try:
        wait_for(lambda: Delivery.objects.filter(status=Status.DELIVERED).exists(), 60)
    finally:
        stop(second)
    first_try, second_try = receiver.received
    assert first_try.headers["webhook-id"] == second_try.headers["webhook-id"] == delivery.message_id
    assert second_try.verified(secret)["id"] == centrifuge.pk
    assert Delivery.objects.get().attempts == 1  # the killed attempt was never recorded
