"""`labshare createapp` and `labshare token`."""

import json
from io import StringIO

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import CommandError, call_command

from labshare.oauth.models import Application, Authorisation


def run(*args: str) -> dict:
    out = StringIO()
    call_command(*args, stdout=out)
    return json.loads(out.getvalue())


def test_it_creates_an_application(alice):
    created = run(
        "createapp",
        "--name",
        "Warehouse",
        "--redirect-uri",
        "https://w.example.test/cb",
        "--scopes",
        "read_bookings+read_equipment",
        "--owner",
        "ALICE@example.test",
    )
    application = Application.objects.get(client_id=created["client_id"])
    assert check_password(created["client_secret"], application.client_secret)
    assert application.scopes == "read_bookings read_equipment"
    assert application.user == alice
    assert application.client_type == "confidential"


def test_it_creates_a_public_application(db):
    created = run("createapp", "--name", "SPA", "--redirect-uri", "http://127.0.0.1:3000/cb", "--public")
    assert Application.objects.get(client_id=created["client_id"]).client_type == "public"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scopes", "write_all"], "Unknown scope(s) write_all"),
        (["--owner", "nobody@example.test"], "No user has the email nobody@example.test"),
        (["--redirect-uri", "not-a-url"], "redirect_uris"),
    ],
)
def test_it_explains_bad_arguments(db, args, message):
    base = {"--name": "X", "--redirect-uri": "https://x.example.test/cb"}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_command("createapp", *[part for pair in base.items() for part in pair])
    assert not Application.objects.exists()


def test_it_issues_tokens_for_the_users_labs(client, alice, graphene_lab, bio_lab):
    tokens = run(
        "token",
        "--user",
        "alice@example.test",
        "--labs",
        f"{graphene_lab.pk},{bio_lab.pk}",
        "--scopes",
        "read_bookings",
    )
    assert tokens["scope"] == "read_bookings" and tokens["expires_in"] == 7200 and tokens["refresh_token"]
    assert set(Authorisation.objects.get(user=alice).labs.all()) == {graphene_lab, bio_lab}
    info = client.get("/oauth/token/info", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert info.status_code == 200


def test_it_issues_tokens_for_all_labs(alice, graphene_lab, optics_lab, bio_lab):
    run("token", "--user", "alice@example.test")
    assert Authorisation.objects.get(user=alice).labs.count() == 3


@pytest.mark.parametrize(
    ("user", "labs", "message"),
    [
        ("alice@example.test", "foreign", "does not belong to lab"),
        ("alice@example.test", "x,y", '--labs takes "all" or lab ids'),
        ("charlie@example.test", "all", "belongs to no lab"),
        ("nobody@example.test", "all", "No user has the email"),
    ],
)
def test_it_explains_bad_token_arguments(alice, charlie, chemistry_lab, user, labs, message):
    labs = str(chemistry_lab.pk) if labs == "foreign" else labs
    with pytest.raises(CommandError, match=message):
        call_command("token", "--user", user, "--labs", labs)
    assert not Authorisation.objects.exists()


def test_it_issues_tokens_from_an_application_the_user_owns(client, alice, graphene_lab, rspace_app):
    tokens = run(
        "token", "--user", alice.email, "--labs", str(graphene_lab.pk), "--client-id", rspace_app.client_id
    )
    assert tokens["scope"] == rspace_app.scopes  # all the application's scopes by default
    info = client.get("/oauth/token/info", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}").json()
    assert info["application"] == {"uid": rspace_app.client_id}
    assert list(Authorisation.objects.get(user=alice, application=rspace_app).labs.all()) == [graphene_lab]


@pytest.mark.parametrize(
    ("who", "extra", "message"),
    [
        ("bob@example.test", [], "bob@example.test does not own the application RSpace"),
        ("alice@example.test", ["--scopes", "read_user"], "RSpace may not ask for read_user"),
        ("alice@example.test", ["--client-id", "nope"], "No application has the client id nope"),
    ],
)
def test_it_explains_a_client_id_it_cannot_use(alice, bob, rspace_app, who, extra, message):
    options = ["--client-id", rspace_app.client_id, *extra]
    with pytest.raises(CommandError, match=message):
        call_command("token", "--user", who, *options)
    assert not Authorisation.objects.exists()
