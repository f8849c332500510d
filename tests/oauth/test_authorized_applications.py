"""/oauth/authorized_applications: review, change the labs, revoke."""

from oauth2_provider.models import AccessToken, Grant, RefreshToken

from labshare.accounts.models import Account, AccountType, Membership
from labshare.oauth.models import Authorisation
from labshare.oauth.tokens import issue_tokens
from tests.oauth.conftest import code_for


def test_it_lists_what_the_user_authorised(client, alice, alice_app, alice_tokens, bob, bob_token):
    client.force_login(alice)
    html = " ".join(client.get("/oauth/authorized_applications").content.decode().split())
    assert "Alice&#x27;s dashboard" in html
    assert "reads Graphene Lab, Optics Lab." in html or "reads Optics Lab, Graphene Lab." in html
    assert "Chemistry Lab" not in html


def test_it_adds_a_lab_joined_later(client, alice, alice_app, alice_tokens, graphene_lab):
    new_lab = Account.objects.create(account_type=AccountType.LAB, name="Quantum Lab")
    Membership.objects.create(user=alice, lab=new_lab)
    authorisation = Authorisation.objects.get(user=alice)
    client.force_login(alice)
    assert "Quantum Lab" in client.get("/oauth/authorized_applications").content.decode()

    response = client.post(
        f"/oauth/authorized_applications/{authorisation.pk}", {"labs": [graphene_lab.pk, new_lab.pk]}
    )

    assert response.status_code == 302
    assert set(authorisation.labs.all()) == {graphene_lab, new_lab}
    assert AccessToken.objects.filter(user=alice).count() == 1  # the tokens keep working


def test_it_requires_a_lab_of_the_user(client, alice, alice_tokens, chemistry_lab):
    authorisation = Authorisation.objects.get(user=alice)
    client.force_login(alice)
    for labs in ([], [chemistry_lab.pk]):
        response = client.post(f"/oauth/authorized_applications/{authorisation.pk}", {"labs": labs})
        assert response.status_code == 400
    assert (
        "Choose at least one lab, or revoke"
        in client.post(f"/oauth/authorized_applications/{authorisation.pk}", {"labs": []}).content.decode()
    )
    assert authorisation.labs.count() == 2


def test_it_revokes_every_token_and_code(client, alice, rspace_app, alice_app, alice_tokens, graphene_lab):
    code_for(client, alice, alice_app, [graphene_lab])  # an unused code
    issue_tokens(alice, rspace_app, [graphene_lab], ["read_bookings"])  # another application's
    authorisation = Authorisation.objects.get(user=alice, application=alice_app)

    response = client.post(f"/oauth/authorized_applications/{authorisation.pk}/revoke")

    assert response.status_code == 302
    mine = {"user": alice, "application": alice_app}
    assert not Authorisation.objects.filter(**mine).exists()
    assert not AccessToken.objects.filter(**mine).exists()
    assert not RefreshToken.objects.filter(**mine).exists()
    assert not Grant.objects.filter(**mine).exists()
    assert AccessToken.objects.filter(application=rspace_app).count() == 1
    refreshed = client.post(
        "/oauth/token", {"grant_type": "refresh_token", "refresh_token": alice_tokens["refresh_token"]}
    )
    assert refreshed.status_code in (400, 401)


def test_it_keeps_other_users_authorisations_out_of_reach(client, alice, bob, bob_token, alice_tokens):
    bobs = Authorisation.objects.get(user=bob)
    client.force_login(alice)
    assert client.post(f"/oauth/authorized_applications/{bobs.pk}/revoke").status_code == 404
    assert client.post(f"/oauth/authorized_applications/{bobs.pk}", {"labs": []}).status_code == 404
    assert AccessToken.objects.filter(user=bob).exists()


def test_it_needs_a_signed_in_user(client, db):
    assert client.get("/oauth/authorized_applications")["Location"].startswith("/login")
