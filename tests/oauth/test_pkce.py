"""PKCE (S256): required of public clients, optional for confidential ones."""

import pytest
from oauth2_provider.models import AccessToken, Grant

from tests.oauth.conftest import RSPACE_REDIRECT, SECRET, authorize_query, code_for, pkce_pair, query_of


def test_it_requires_pkce_of_a_public_client(client, alice, public_app, graphene_lab):
    client.force_login(alice)
    response = client.get(
        f"/oauth/authorize?client_id={public_app.client_id}"
        f"&redirect_uri={public_app.redirect_uris}&response_type=code&state=s"
    )
    assert response.status_code == 302
    assert query_of(response)["error"] == "invalid_request"


def test_it_exchanges_a_public_clients_code_with_its_verifier(client, alice, public_app, graphene_lab):
    verifier, challenge = pkce_pair()
    code = code_for(
        client, alice, public_app, [graphene_lab], code_challenge=challenge, code_challenge_method="S256"
    )
    body = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": public_app.redirect_uris,
        "client_id": public_app.client_id,
    }

    wrong = client.post("/oauth/token", {**body, "code_verifier": "x" * 50})
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"

    code = code_for(
        client, alice, public_app, [graphene_lab], code_challenge=challenge, code_challenge_method="S256"
    )
    response = client.post("/oauth/token", {**body, "code": code, "code_verifier": verifier})
    assert response.status_code == 200, response.content
    assert AccessToken.objects.filter(application=public_app).count() == 1


def test_it_refuses_a_public_client_without_its_verifier(client, alice, public_app, graphene_lab):
    _, challenge = pkce_pair()
    code = code_for(
        client, alice, public_app, [graphene_lab], code_challenge=challenge, code_challenge_method="S256"
    )
    response = client.post(
        "/oauth/token",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": public_app.redirect_uris,
            "client_id": public_app.client_id,
        },
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


@pytest.mark.parametrize("method", [{"code_challenge_method": "plain"}, {}])
def test_it_refuses_any_method_but_s256(client, alice, public_app, method):
    client.force_login(alice)
    response = client.get(
        f"/oauth/authorize?{authorize_query(public_app, code_challenge='a' * 50, **method)}"
    )
    assert response.status_code == 302
    assert query_of(response)["error"] == "invalid_request"
    assert not Grant.objects.exists()


def test_it_lets_a_confidential_client_use_pkce(client, alice, rspace_app, graphene_lab):
    verifier, challenge = pkce_pair()
    code = code_for(
        client, alice, rspace_app, [graphene_lab], code_challenge=challenge, code_challenge_method="S256"
    )
    body = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": RSPACE_REDIRECT,
        "client_id": rspace_app.client_id,
        "client_secret": SECRET,
    }
    assert client.post("/oauth/token", body).status_code == 400  # a challenge was sent: the verifier is due
    code = code_for(
        client, alice, rspace_app, [graphene_lab], code_challenge=challenge, code_challenge_method="S256"
    )
    assert client.post("/oauth/token", {**body, "code": code, "code_verifier": verifier}).status_code == 200


def test_it_refuses_a_verifier_for_a_code_issued_without_a_challenge(client, alice, rspace_app, graphene_lab):
    # RFC 9700 §4.8.2: otherwise an attacker holding a stolen code could pass it off as PKCE-bound.
    code = code_for(client, alice, rspace_app, [graphene_lab])
    body = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": RSPACE_REDIRECT,
        "client_id": rspace_app.client_id,
        "client_secret": SECRET,
    }
    verifier, _ = pkce_pair()

    response = client.post("/oauth/token", {**body, "code_verifier": verifier})

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert not AccessToken.objects.exists()
    assert client.post("/oauth/token", body).status_code == 200  # the code itself is still good
