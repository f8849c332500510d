"""Webhooks follow what the application may read as /v1/changes does (one code path,
labshare.changes.feed): a lab entering the application's labs arrives as its records created,
one leaving them as its records deleted, whichever of its authorisations changed."""

from labshare.accounts.models import Membership, Role
from labshare.accounts.services import leave_lab
from labshare.changes.feed import decode_cursor
from labshare.equipment.models import Equipment
from labshare.oauth.models import Application
from labshare.oauth.service_access import bind_service
from labshare.oauth.tokens import authorise
from labshare.webhooks import delivery
from labshare.webhooks.models import Delivery, Status
from labshare.webhooks.services import create_endpoint, replay_delivery
from tests.webhooks.conftest import run_until


def delivered(receiver, secret) -> list[dict]:
    """Every body received, verified, in the feed's order, once the worker has nothing left to
    send (deliveries of different records go side by side, so they arrive in any order)."""
    delivery.fan_out_all()
    run_until(lambda: not Delivery.objects.filter(status=Status.PENDING).exists())
    bodies = [request.verified(secret) for request in receiver.received]
    return sorted(bodies, key=lambda body: position(body["cursor"]))


def position(cursor: str) -> tuple[int, ...]:
    at = decode_cursor(cursor)
    return (at.txid, at.id, *(at.part or ()))


def summary(bodies: list[dict]) -> list[tuple]:
    return [(b["type"], b["id"], b["action"]) for b in bodies]


class Feed:
    """The application's token following /v1/changes, as a client would."""

    def __init__(self, client, token: str) -> None:
        self.client, self.token = client, token
        self.cursor = self.get({})["cursor"]

    def get(self, query: dict) -> dict:
        return self.client.get("/v1/changes", query, HTTP_AUTHORIZATION=f"Bearer {self.token}").json()

    def read(self) -> list[dict]:
        seen = []
        while True:
            body = self.get({"after": self.cursor, "types": "equipment,bookings", "limit": 1000})
            seen += body["changes"]
            self.cursor = body["cursor"]
            if not body["has_more"]:
                return seen


def test_labs_entering_and_leaving_arrive_as_records_created_and_deleted_as_the_feed_says(
    client, hooked, receiver, alice, alice_app, alice_token, graphene_lab, optics_lab, bio_lab, charlie
):
    _endpoint, secret = hooked
    feed = Feed(client, alice_token)
    followed = []
    laser = Equipment.objects.create(lab=optics_lab, name="Laser")
    assert summary(delivered(receiver, secret)) == [("equipment", laser.pk, "created")]
    followed += feed.read()
    centrifuge = Equipment.objects.create(lab=bio_lab, name="Centrifuge")  # not authorised yet
    authorise(alice, alice_app, [graphene_lab, optics_lab, bio_lab])
    assert summary(delivered(receiver, secret))[1:] == [("equipment", centrifuge.pk, "created")]
    followed += feed.read()
    Membership.objects.create(user=charlie, lab=optics_lab, role=Role.ADMINISTRATOR)
    leave_lab(user=alice, lab=optics_lab)
    bodies = delivered(receiver, secret)
    assert summary(bodies)[2:] == [("equipment", laser.pk, "deleted")]
    assert bodies[1]["record"]["name"] == "Centrifuge"
    # The same changes, cursors and records as the application's token reads from /v1/changes.
    assert bodies == followed + feed.read()


def test_a_lab_removed_from_the_authorisation_arrives_as_its_records_deleted(
    hooked, receiver, alice, alice_app, graphene_lab, optics_lab
):
    _endpoint, secret = hooked
    laser = Equipment.objects.create(lab=optics_lab, name="Laser")
    assert summary(delivered(receiver, secret)) == [("equipment", laser.pk, "created")]
    authorise(alice, alice_app, [graphene_lab])
    assert summary(delivered(receiver, secret))[1:] == [("equipment", laser.pk, "deleted")]
    Equipment.objects.create(lab=optics_lab, name="Not read any more")
    assert len(delivered(receiver, secret)) == 2


def test_a_lab_its_user_left_then_removed_from_the_authorisation_arrives_as_deleted_once(
    hooked, receiver, alice, alice_app, graphene_lab, optics_lab, charlie
):
    _endpoint, secret = hooked
    laser = Equipment.objects.create(lab=optics_lab, name="Laser")
    assert summary(delivered(receiver, secret)) == [("equipment", laser.pk, "created")]
    Membership.objects.create(user=charlie, lab=optics_lab, role=Role.ADMINISTRATOR)
    leave_lab(user=alice, lab=optics_lab)
    authorise(alice, alice_app, [graphene_lab])
    assert summary(delivered(receiver, secret))[1:] == [("equipment", laser.pk, "deleted")]


def test_another_user_s_authorisation_brings_its_labs(
    hooked, receiver, bob, alice_app, chemistry_lab, bio_lab
):
    _endpoint, secret = hooked
    flask = Equipment.objects.create(lab=chemistry_lab, name="Flask")
    Equipment.objects.create(lab=bio_lab, name="Alice's, not authorised")
    authorise(bob, alice_app, [chemistry_lab])
    assert summary(delivered(receiver, secret)) == [("equipment", flask.pk, "created")]


def test_a_lab_bound_to_a_service_application_arrives_as_its_records_created(
    transactional_db, alice, alice_app, receiver, optics_lab, graphene_lab
):
    _endpoint, secret = create_endpoint(
        application=alice_app, by=alice, url=receiver.url, event_types=["equipment"]
    )
    laser = Equipment.objects.create(lab=optics_lab, name="Laser")
    Equipment.objects.create(lab=graphene_lab, name="Not bound")
    bind_service(alice_app, [optics_lab])
    assert summary(delivered(receiver, secret)) == [("equipment", laser.pk, "created")]


def test_another_application_s_access_changes_are_not_expanded(
    hooked, receiver, alice, bob, bio_lab, graphene_lab
):
    _endpoint, secret = hooked
    other = Application.objects.create(
        name="Someone else's",
        user=bob,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://other.example.test/callback",
    )
    Equipment.objects.create(lab=bio_lab, name="Centrifuge")
    authorise(alice, other, [bio_lab])
    balance = Equipment.objects.create(lab=graphene_lab, name="Balance")
    assert summary(delivered(receiver, secret)) == [("equipment", balance.pk, "created")]


def test_a_delivery_due_after_its_lab_left_is_withdrawn_unsent(
    hooked, receiver, alice, alice_app, graphene_lab, optics_lab
):
    endpoint, secret = hooked
    laser = Equipment.objects.create(lab=optics_lab, name="Laser")
    delivery.fan_out_all()  # due, with the record in its body
    authorise(alice, alice_app, [graphene_lab])
    assert summary(delivered(receiver, secret)) == [("equipment", laser.pk, "deleted")]
    assert not any(b"Laser" in request.body for request in receiver.received)
    withdrawn = Delivery.objects.get(endpoint=endpoint, action="created")
    assert (withdrawn.status, withdrawn.attempts) == (Status.WITHDRAWN, 0)


def test_a_replay_after_its_lab_left_is_withdrawn_unsent(
    hooked, receiver, alice, alice_app, graphene_lab, optics_lab
):
    endpoint, secret = hooked
    Equipment.objects.create(lab=optics_lab, name="Laser")
    delivered(receiver, secret)
    sent = Delivery.objects.get(endpoint=endpoint, status=Status.DELIVERED)
    authorise(alice, alice_app, [graphene_lab])
    delivered(receiver, secret)
    received = len(receiver.received)
    replay = replay_delivery(delivery=sent, by=alice)
    run_until(lambda: Delivery.objects.get(pk=replay.pk).status != Status.PENDING)
    assert Delivery.objects.get(pk=replay.pk).status == Status.WITHDRAWN
    assert len(receiver.received) == received
