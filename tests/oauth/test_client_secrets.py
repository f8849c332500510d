"""Client secrets: a keyed SHA-256, checked in constant time; PBKDF2 hashes upgraded on use."""

from django.contrib.auth.hashers import identify_hasher, make_password

from labshare.oauth.models import Application
from tests.conftest import FAST_PASSWORD_HASHERS
from tests.oauth.conftest import SECRET


def revoke(client, application: Application, secret: str):
    return client.post(
        "/oauth/revoke", {"token": "x", "client_id": application.client_id, "client_secret": secret}
    )


def stored_hasher(application: Application) -> str:
    application.refresh_from_db()
    return identify_hasher(application.client_secret).algorithm


def test_it_stores_a_new_secret_as_a_keyed_sha256(rspace_app):
    assert stored_hasher(rspace_app) == "labshare_hmac_sha256"
    assert SECRET not in rspace_app.client_secret


def test_it_authenticates_the_right_secret_and_refuses_a_wrong_one(client, rspace_app):
    assert revoke(client, rspace_app, SECRET).status_code == 200
    wrong = revoke(client, rspace_app, SECRET + "x")
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    assert revoke(client, rspace_app, "").status_code == 401


def test_it_upgrades_an_old_pbkdf2_secret_on_its_next_use(client, rspace_app, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher", *FAST_PASSWORD_HASHERS]
    Application.objects.filter(pk=rspace_app.pk).update(
        client_secret=make_password(SECRET, hasher="pbkdf2_sha256")
    )

    assert revoke(client, rspace_app, "wrong").status_code == 401
    assert stored_hasher(rspace_app) == "pbkdf2_sha256"

    assert revoke(client, rspace_app, SECRET).status_code == 200
    assert stored_hasher(rspace_app) == "labshare_hmac_sha256"
    assert revoke(client, rspace_app, SECRET).status_code == 200
    assert revoke(client, rspace_app, "wrong").status_code == 401


def test_it_keys_the_hash_with_the_secret_key(client, rspace_app, settings):
    settings.SECRET_KEY = "another key " * 5
    assert revoke(client, rspace_app, SECRET).status_code == 401
