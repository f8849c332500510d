"""/oauth/applications: registration, the once-shown secret, edit and delete."""

from django.contrib.auth.hashers import check_password
from django.test import Client

from labshare.oauth.models import Application

FORM = {
    "name": "BI Dashboard",
    "company_name": "Acme Analytics",
    "website_url": "https://acme.example.test",
    "scope_choices": ["read_bookings", "read_equipment"],
    "confidential": "on",
    "redirect_uris": "https://acme.example.test/callback\nhttps://acme.example.test/other",
}


def test_it_forbids_users_who_administer_no_lab(client, bob, charlie):
    for user in (bob, charlie):
        client.force_login(user)
        for url in ("/oauth/applications", "/oauth/applications/new"):
            response = client.get(url)
            assert response.status_code == 403
            assert "Only a lab administrator can register API applications" in response.content.decode()


def test_it_sends_strangers_to_sign_in(client, db):
    response = client.get("/oauth/applications/new")
    assert response.status_code == 302
    assert response["Location"] == "/login?next=/oauth/applications/new"


def test_it_registers_an_application_and_shows_the_secret_once(client, alice):
    client.force_login(alice)
    assert client.get("/oauth/applications/new").status_code == 200

    response = client.post("/oauth/applications/new", FORM, follow=True)

    application = Application.objects.get(name="BI Dashboard")
    html = response.content.decode()
    secret = response.context["client_secret"]
    assert application.client_id in html and secret in html
    assert check_password(secret, application.client_secret)  # stored hashed
    assert application.user == alice
    assert application.scopes == "read_equipment read_bookings"
    assert application.client_type == Application.CLIENT_CONFIDENTIAL
    assert application.redirect_uris == "https://acme.example.test/callback https://acme.example.test/other"
    assert application.company_name == "Acme Analytics"

    again = client.get(f"/oauth/applications/{application.pk}").content.decode()
    assert secret not in again and application.client_id in again


def test_it_registers_a_public_application(client, alice):
    client.force_login(alice)
    client.post("/oauth/applications/new", {k: v for k, v in FORM.items() if k != "confidential"})
    assert Application.objects.get(name="BI Dashboard").client_type == Application.CLIENT_PUBLIC


def test_it_explains_invalid_input(client, alice):
    client.force_login(alice)
    response = client.post(
        "/oauth/applications/new", {**FORM, "redirect_uris": "not a url", "scope_choices": []}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose at least one scope." in html
    assert "“not” is not a valid callback URL" in html
    assert not Application.objects.exists()


def test_it_lists_applications_with_an_authorise_link_per_callback(client, alice, rspace_app, bob):
    client.force_login(alice)
    client.post("/oauth/applications/new", FORM)
    html = client.get("/oauth/applications").content.decode()
    application = Application.objects.get(name="BI Dashboard")
    assert html.count(f"/oauth/authorize?client_id={application.client_id}") == 2
    assert (
        "redirect_uri=https%3A%2F%2Facme.example.test%2Fother&amp;response_type=code"
        "&amp;scope=read_equipment+read_bookings"
    ) in html
    assert "RSpace" in html


def test_it_edits_an_application(client, alice, rspace_app):
    client.force_login(alice)
    page = client.get(f"/oauth/applications/{rspace_app.pk}/edit")
    assert page.context["form"].initial["confidential"] is True
    response = client.post(f"/oauth/applications/{rspace_app.pk}/edit", {**FORM, "name": "RSpace ELN"})
    assert response.status_code == 302
    rspace_app.refresh_from_db()
    assert rspace_app.name == "RSpace ELN"
    assert rspace_app.scopes == "read_equipment read_bookings"


def test_it_deletes_an_application_by_post_only_with_csrf(alice, rspace_app):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    page = client.get(f"/oauth/applications/{rspace_app.pk}/delete")
    assert page.status_code == 200 and Application.objects.filter(pk=rspace_app.pk).exists()
    assert client.post(f"/oauth/applications/{rspace_app.pk}/delete").status_code == 403

    response = client.post(
        f"/oauth/applications/{rspace_app.pk}/delete", {"csrfmiddlewaretoken": page.context["csrf_token"]}
    )
    assert response.status_code == 302
    assert not Application.objects.filter(pk=rspace_app.pk).exists()


def test_it_hides_other_peoples_applications(client, alice, rspace_app, physics, graphene_lab):
    from labshare.accounts.models import Membership, Role, User

    dora = User.objects.create_user("dora@example.test", "pw")
    Membership.objects.create(user=dora, lab=graphene_lab, role=Role.ADMINISTRATOR)
    client.force_login(dora)
    for url in ("", "/edit", "/delete"):
        assert client.get(f"/oauth/applications/{rspace_app.pk}{url}").status_code == 404
    assert client.post(f"/oauth/applications/{rspace_app.pk}/delete").status_code == 404
    assert "RSpace" not in client.get("/oauth/applications").content.decode()
