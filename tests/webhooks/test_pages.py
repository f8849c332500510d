"""Webhooks on an application's page: register (the secret shown once), rotate, enable and
disable, delete, the delivery log, replay and ping; each a CSRF-protected POST by the owner."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from labshare.equipment.models import Equipment
from labshare.webhooks.models import Delivery, Endpoint, Kind, Status
from labshare.webhooks.services import create_endpoint
from tests.webhooks.conftest import run_until


def page(client, application) -> str:
    response = client.get(f"/oauth/applications/{application.pk}")
    assert response.status_code == 200
    return response.content.decode()


def register(client, application, url="https://hooks.example.org/labshare", types=("bookings", "equipment")):
    return client.post(
        f"/oauth/applications/{application.pk}/webhooks",
        {"url": url, "event_types": list(types)},
        follow=True,
    )


def test_it_registers_an_endpoint_and_shows_its_secret_once(client, alice, alice_app):
    client.force_login(alice)
    response = register(client, alice_app)
    assert response.status_code == 200
    endpoint = Endpoint.objects.get()
    secret = response.context["webhook_secret"]["secret"]
    assert secret.startswith("whsec_") and secret in response.content.decode()
    assert secret not in str(endpoint.__dict__)  # only a salt is stored
    assert endpoint.url == "https://hooks.example.org/labshare"
    assert endpoint.type_list == ["bookings", "equipment"]
    assert endpoint.enabled
    again = page(client, alice_app)
    assert "https://hooks.example.org/labshare" in again
    assert secret not in again and 'id="webhook-secret"' not in again


def test_it_names_what_is_wrong_with_a_registration(client, alice, alice_app):
    client.force_login(alice)
    response = register(client, alice_app, url="not a url", types=["nonsense"])
    assert response.status_code == 400
    assert set(response.context["endpoint_form"].errors) == {"url", "event_types"}
    assert not Endpoint.objects.exists()


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("http://hooks.example.org/labshare", "The URL must be https:// with a host."),
        ("ftp://hooks.example.org/labshare", "The URL must be https:// with a host."),
        ("https://alice:pw@hooks.example.org/labshare", "The URL must not hold a user name or password."),
        ("https://hooks.example.org/labshare#top", "The URL must not have a fragment (#...)."),
        ("https://10.0.0.7/labshare", "10.0.0.7 is not a public address."),
        ("https://[::ffff:169.254.169.254]/", "::ffff:a9fe:a9fe is not a public address."),
        ("https://[64:ff9b::7f00:1]/", "64:ff9b::7f00:1 is not a public address."),
        ("https://hooks.example.org:99999/", "The port must be from 1 to 65535, not 99999."),
        ("https://ex\u00adample.org/labshare", "The URL's host cannot be written in IDNA form"),
    ],
)
def test_it_refuses_a_url_it_would_not_deliver_to(client, alice, alice_app, settings, url, error):
    settings.LABSHARE_WEBHOOKS_ALLOW_PRIVATE = []
    client.force_login(alice)
    response = register(client, alice_app, url=url)
    assert response.status_code == 400
    (message,) = response.context["endpoint_form"].errors["url"]
    assert message.startswith(error)
    assert not Endpoint.objects.exists()


def test_it_registers_http_where_private_networks_are_allowed(client, alice, alice_app):
    client.force_login(alice)
    assert register(client, alice_app, url="http://127.0.0.1:9000/hook").status_code == 200
    assert Endpoint.objects.get().url == "http://127.0.0.1:9000/hook"


def test_it_offers_and_takes_only_the_types_the_application_may_read(client, alice, alice_app):
    alice_app.scopes = "read_bookings read_equipment"
    alice_app.save()
    client.force_login(alice)
    form = client.get(f"/oauth/applications/{alice_app.pk}").context["endpoint_form"]
    assert [value for value, _ in form.fields["event_types"].choices] == [
        "bookings",
        "custom_form_responses",
        "equipment",
    ]
    response = register(client, alice_app, types=["equipment", "groups"])
    assert response.status_code == 400
    assert "event_types" in response.context["endpoint_form"].errors
    with pytest.raises(ValidationError, match="bookings, custom_form_responses, equipment"):
        create_endpoint(
            application=alice_app, by=alice, url="https://hooks.example.org/x", event_types=["groups"]
        )
    assert not Endpoint.objects.exists()


def test_rotating_shows_a_new_secret_and_keeps_the_old_one_for_the_overlap(client, alice, alice_app):
    client.force_login(alice)
    first = register(client, alice_app).context["webhook_secret"]["secret"]
    endpoint = Endpoint.objects.get()
    response = client.post(f"/oauth/applications/{alice_app.pk}/webhooks/{endpoint.pk}/rotate", follow=True)
    second = response.context["webhook_secret"]["secret"]
    assert second != first and second.startswith("whsec_")
    endpoint.refresh_from_db()
    assert endpoint.previous_secret_salt and endpoint.previous_secret_until is not None
    assert "The previous secret signs too until" in response.content.decode()


def test_it_disables_enables_and_deletes(client, alice, alice_app):
    client.force_login(alice)
    register(client, alice_app)
    endpoint = Endpoint.objects.get()
    base = f"/oauth/applications/{alice_app.pk}/webhooks/{endpoint.pk}"
    client.post(f"{base}/enabled", {"enabled": "0"})
    endpoint.refresh_from_db()
    assert not endpoint.enabled
    client.post(f"{base}/enabled", {"enabled": "1"})
    endpoint.refresh_from_db()
    assert endpoint.enabled
    client.post(f"{base}/delete")
    assert not Endpoint.objects.exists()


def test_a_ping_is_queued_and_shown_in_the_log(client, alice, alice_app):
    client.force_login(alice)
    register(client, alice_app)
    endpoint = Endpoint.objects.get()
    response = client.post(f"/oauth/applications/{alice_app.pk}/webhooks/{endpoint.pk}/ping", follow=True)
    ping = Delivery.objects.get()
    assert (ping.kind, ping.status, ping.event_type) == (Kind.PING, Status.PENDING, "ping")
    assert ping.message_id in response.content.decode()


def test_the_log_shows_each_delivery_and_replays_one_with_its_webhook_id(
    transactional_db, client, alice, alice_app, alice_tokens, graphene_lab, receiver
):
    _, secret = create_endpoint(application=alice_app, by=alice, url=receiver.url, event_types=["equipment"])
    Equipment.objects.create(lab=graphene_lab, name="Centrifuge")
    run_until(lambda: Delivery.objects.filter(status=Status.DELIVERED).exists())
    delivery = Delivery.objects.get()
    client.force_login(alice)
    html = page(client, alice_app)
    assert f'id="delivery-{delivery.pk}"' in html
    assert "delivered" in html and ">1<" in html and "204" in html and " ms" in html
    client.post(f"/oauth/applications/{alice_app.pk}/deliveries/{delivery.pk}/replay")
    replay = Delivery.objects.exclude(pk=delivery.pk).get()
    assert (replay.kind, replay.message_id, replay.body) == (Kind.REPLAY, delivery.message_id, delivery.body)
    run_until(lambda: len(receiver.received) == 2)
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.verified(secret) == second.verified(secret)


@pytest.mark.parametrize(
    "path",
    ["webhooks", "webhooks/{e}/rotate", "webhooks/{e}/enabled", "webhooks/{e}/delete", "webhooks/{e}/ping"],
)
def test_posts_need_the_csrf_token(path, alice, alice_app):
    endpoint, _ = create_endpoint(
        application=alice_app, by=alice, url="https://hooks.example.org/x", event_types=["bookings"]
    )
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    before = (Endpoint.objects.values().get(), Delivery.objects.count())
    response = client.post(
        f"/oauth/applications/{alice_app.pk}/" + path.format(e=endpoint.pk), {"enabled": "0"}
    )
    assert response.status_code == 403
    assert (Endpoint.objects.values().get(), Delivery.objects.count()) == before


def test_another_administrator_cannot_touch_the_endpoints(client, alice, alice_app, bob, chemistry_lab):
    from labshare.accounts.models import Membership, Role

    Membership.objects.filter(user=bob).update(role=Role.ADMINISTRATOR)
    endpoint, _ = create_endpoint(
        application=alice_app, by=alice, url="https://hooks.example.org/x", event_types=["bookings"]
    )
    client.force_login(bob)
    base = f"/oauth/applications/{alice_app.pk}"
    for path in ("/webhooks", f"/webhooks/{endpoint.pk}/rotate", f"/webhooks/{endpoint.pk}/ping"):
        assert (
            client.post(base + path, {"url": "https://x.example", "event_types": ["bookings"]}).status_code
            == 404
        )
    assert Endpoint.objects.get().secret_salt == endpoint.secret_salt
    assert not Delivery.objects.exists()
    assert client.get(base).status_code == 404


def test_a_get_is_not_allowed(client, alice, alice_app):
    client.force_login(alice)
    assert client.get(f"/oauth/applications/{alice_app.pk}/webhooks").status_code == 405
