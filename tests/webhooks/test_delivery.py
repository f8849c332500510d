"""Deliveries from the record of changes to a real receiver, each verified with the Standard
Webhooks reference library: order per record, retries, giving up, rotation, labs."""

import ipaddress
import time
from datetime import timedelta

import orjson
import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from labshare import webhooks
from labshare.accounts.models import Group
from labshare.equipment.models import Equipment
from labshare.oauth.service_access import bind_service
from labshare.oauth.tokens import issue_tokens
from labshare.webhooks import delivery
from labshare.webhooks.models import Delivery, Endpoint, Status
from labshare.webhooks.services import create_endpoint, rotate_secret
from tests.e2e.conftest import free_port
from tests.webhooks.conftest import run_until
from tests.webhooks.receiver import Dribbler, Reply


def bodies(receiver, secret):
    return [request.verified(secret) for request in receiver.received]


def test_it_delivers_each_change_of_the_authorised_labs_signed(hooked, receiver, graphene_lab, chemistry_lab):
    _endpoint, secret = hooked
    centrifuge = Equipment.objects.create(lab=graphene_lab, name="Centrifuge")
    Equipment.objects.create(lab=chemistry_lab, name="Not Alice's")  # a lab the application does not hold
    run_until(lambda: len(receiver.received) >= 1)
    Equipment.objects.filter(pk=centrifuge.pk).update(name="Big centrifuge")
    run_until(lambda: len(receiver.received) >= 2)
    created, updated = bodies(receiver, secret)
    assert (created["type"], created["id"], created["action"]) == ("equipment", centrifuge.pk, "created")
    assert (updated["type"], updated["id"], updated["action"]) == ("equipment", centrifuge.pk, "updated")
    assert updated["record"]["name"] == "Big centrifuge"
    assert {"cursor", "occurred_at", "record"} <= set(created)
    ids = [request.headers["webhook-id"] for request in receiver.received]
    assert len(set(ids)) == 2
    for request in receiver.received:
        assert int(request.headers["webhook-timestamp"]) == pytest.approx(request.at, abs=5)
    run_until(lambda: not Delivery.objects.filter(status=Status.PENDING).exists())
    deliveries = list(Delivery.objects.order_by("id"))
    assert [d.status for d in deliveries] == [Status.DELIVERED, Status.DELIVERED]
    assert all(d.latency_ms > 0 and d.attempts == 1 and d.response_code == 204 for d in deliveries)
    assert [d.message_id for d in deliveries] == ids
    assert webhooks.metrics_snapshot()["queue_depth"] == 0


def test_a_deleted_record_is_delivered_as_deleted(hooked, receiver, graphene_lab):
    _endpoint, secret = hooked
    centrifuge = Equipment.objects.create(lab=graphene_lab, name="Centrifuge")
    run_until(lambda: len(receiver.received) == 1)
    pk = centrifuge.pk
    centrifuge.delete()
    run_until(lambda: len(receiver.received) == 2)
    deleted = bodies(receiver, secret)[1]
    assert (deleted["id"], deleted["action"]) == (pk, "deleted")
    assert "record" not in deleted


@pytest.mark.parametrize("failure", ["500", "timeout", "connection refused"])
def test_a_failed_attempt_is_retried_with_the_same_webhook_id(
    failure, hooked, receiver, graphene_lab, settings
):
    endpoint, secret = hooked
    settings.LABSHARE_WEBHOOKS_TIMEOUT_SECONDS = 0.5
    if failure == "500":
        receiver.plan = lambda n: Reply(500) if n < 3 else Reply(200)
    elif failure == "timeout":
        receiver.plan = lambda n: Reply(200, delay=1.5) if n < 2 else Reply(200)
    else:
        Endpoint.objects.filter(pk=endpoint.pk).update(url=f"http://127.0.0.1:{free_port()}/hook")
    Equipment.objects.create(lab=graphene_lab, name="Centrifuge")
    if failure == "connection refused":
        run_until(lambda: Delivery.objects.filter(attempts=2).exists())
        Endpoint.objects.filter(pk=endpoint.pk).update(url=receiver.url)
    run_until(lambda: Delivery.objects.filter(status=Status.DELIVERED).exists())
    (delivered,) = Delivery.objects.all()
    ids = {request.headers["webhook-id"] for request in receiver.received}
    assert ids == {delivered.message_id}
    assert {body["action"] for body in bodies(receiver, secret)} == {"created"}
    expected_attempts = {"500": 3, "timeout": 2, "connection refused": 3}[failure]
    assert delivered.attempts == expected_attempts


def test_a_record_waits_for_its_earlier_delivery(hooked, receiver, graphene_lab):
    _endpoint, secret = hooked
    receiver.plan = lambda n: Reply(503) if n == 1 else Reply(204)
    centrifuge = Equipment.objects.create(lab=graphene_lab, name="Centrifuge")
    run_until(lambda: len(receiver.received) == 1)  # the creation failed once
    Equipment.objects.filter(pk=centrifuge.pk).update(name="Renamed")
    stage = Equipment.objects.create(lab=graphene_lab, name="Stage")
    run_until(lambda: Delivery.objects.filter(status=Status.DELIVERED).count() == 3)
    seen = [(body["id"], body["action"]) for body in bodies(receiver, secret)]
    mine = [action for record, action in seen if record == centrifuge.pk]
    assert mine == ["created", "created", "updated"]  # the retry before the update
    assert (stage.pk, "created") in seen


def test_after_the_last_retry_the_endpoint_is_disabled_and_its_owner_told(
    hooked, receiver, graphene_lab, inbox, alice
):
    endpoint, _secret = hooked
    receiver.plan = lambda n: Reply(500)
    Equipment.objects.create(lab=graphene_lab, name="Centrifuge")
    run_until(lambda: Delivery.objects.filter(status=Status.FAILED).exists())
    assert len(receiver.received) == 4  # the first attempt and three retries
    endpoint.refresh_from_db()
    assert not endpoint.enabled
    assert "4 failed attempts" in endpoint.disabled_reason
    ((recipients, message),) = inbox.messages
    assert recipients == [alice.email]
    assert message["Subject"] == f"Webhook endpoint disabled: {endpoint.url}"
    # Disabled: new changes wait, nothing is sent.
    Equipment.objects.create(lab=graphene_lab, name="Stage")
    assert webhooks.delivery.run() == 0
    assert len(receiver.received) == 4


def test_while_a_secret_rotates_both_sign_then_only_the_new_one(
    hooked, receiver, graphene_lab, alice, settings
):
    endpoint, old_secret = hooked
    new_secret = rotate_secret(endpoint=endpoint, by=alice)
    assert new_secret != old_secret and new_secret.startswith("whsec_")
    Equipment.objects.create(lab=graphene_lab, name="Centrifuge")
    run_until(lambda: len(receiver.received) == 1)
    first = receiver.received[0]
    assert len(first.headers["webhook-signature"].split(" ")) == 2
    first.verified(old_secret)
    first.verified(new_secret)
    Endpoint.objects.filter(pk=endpoint.pk).update(
        previous_secret_until=timezone.now() - timedelta(seconds=1)
    )
    Equipment.objects.create(lab=graphene_lab, name="Stage")
    run_until(lambda: len(receiver.received) == 2)
    second = receiver.received[1]
    assert len(second.headers["webhook-signature"].split(" ")) == 1
    second.verified(new_secret)
    with pytest.raises(WebhookVerificationError):
        Webhook(old_secret).verify(second.body, second.headers)


def test_a_receiver_that_dribbles_holds_back_no_other_delivery_of_its_batch(
    hooked, receiver, alice, alice_app, graphene_lab, settings
):
    settings.LABSHARE_WEBHOOKS_TIMEOUT_SECONDS = 0.5
    with Dribbler(pause=0.05) as dribbler:
        slow, _ = create_endpoint(
            application=alice_app, by=alice, url=dribbler.url, event_types=["equipment"]
        )
        Equipment.objects.create(lab=graphene_lab, name="Centrifuge")
        # On PostgreSQL a change is read once every older transaction (of any database) ended.
        deadline = time.monotonic() + 10
        while delivery.fan_out_all() or Delivery.objects.count() < 2:
            assert time.monotonic() < deadline, "not fanned out in time"
            time.sleep(0.05)
        started = time.monotonic()
        assert delivery.deliver_due() == 2
        assert time.monotonic() - started < 1.0
    fast = Delivery.objects.get(endpoint=hooked[0])
    dribbled = Delivery.objects.get(endpoint=slow)
    assert fast.status == Status.DELIVERED
    assert (dribbled.status, dribbled.error) == (Status.PENDING, "timed out after 0.5 s")
    assert dribbled.next_attempt_at > dribbled.created_at and dribbled.leased_until is None


def test_a_type_the_tokens_scopes_do_not_allow_is_never_delivered(
    transactional_db, alice, alice_app, bob, receiver, graphene_lab, optics_lab, chemistry_lab
):
    # Alice's token reads equipment, Bob's does not: no equipment change goes out, of any lab.
    issue_tokens(alice, alice_app, [graphene_lab, optics_lab], ["read_accounts", "read_equipment"])
    issue_tokens(bob, alice_app, [chemistry_lab], ["read_accounts"])
    _endpoint, secret = create_endpoint(
        application=alice_app, by=alice, url=receiver.url, event_types=["equipment", "groups"]
    )
    Equipment.objects.create(lab=graphene_lab, name="Centrifuge")
    Equipment.objects.create(lab=chemistry_lab, name="Fume hood")
    cryo = Group.objects.create(lab=graphene_lab, name="Cryo")
    run_until(lambda: len(receiver.received) >= 1)
    delivery.run()
    assert [(b["type"], b["id"]) for b in bodies(receiver, secret)] == [("groups", cryo.pk)]
    assert list(Delivery.objects.values_list("event_type", flat=True)) == ["groups"]


def test_a_private_address_is_a_failed_attempt(hooked, receiver, graphene_lab, settings):
    # Another private network allowed (so http is too), not the receiver's.
    settings.LABSHARE_WEBHOOKS_ALLOW_PRIVATE = [ipaddress.ip_network("192.0.2.0/24")]
    Equipment.objects.create(lab=graphene_lab, name="Centrifuge")
    run_until(lambda: Delivery.objects.filter(attempts=1).exists())
    delivery = Delivery.objects.get()
    assert delivery.status == Status.PENDING
    assert delivery.error == "refused: 127.0.0.1 is not a public address."
    assert receiver.received == []
    assert webhooks.metrics_snapshot()["queue_depth"] == 1


def test_a_service_application_hears_of_its_service_labs(
    transactional_db, alice, alice_app, receiver, optics_lab, bio_lab
):
    bind_service(alice_app, [optics_lab])
    _endpoint, secret = create_endpoint(
        application=alice_app, by=alice, url=receiver.url, event_types=["equipment"]
    )
    laser = Equipment.objects.create(lab=optics_lab, name="Laser")
    Equipment.objects.create(lab=bio_lab, name="Not a service lab")
    run_until(lambda: len(receiver.received) == 1)
    assert [(b["id"], b["action"]) for b in bodies(receiver, secret)] == [(laser.pk, "created")]
    assert orjson.loads(Delivery.objects.get().body)["record"]["name"] == "Laser"
