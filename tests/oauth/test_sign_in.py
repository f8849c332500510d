"""/login and /logout."""

from django.test import Client

from tests.conftest import PASSWORD


def test_it_signs_in_and_goes_to_the_equipment_catalogue(client, alice):
    page = client.get("/login")
    assert page.status_code == 200
    assert '<label for="id_username">Email</label>' in page.content.decode()
    response = client.post("/login", {"username": "alice@example.test", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/equipment"


def test_it_explains_a_wrong_password(client, alice):
    response = client.post("/login", {"username": "alice@example.test", "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct email and password" in response.content.decode()


def test_it_refuses_an_outside_next(client, alice):
    response = client.post(
        "/login?next=https://evil.test/", {"username": "alice@example.test", "password": PASSWORD}
    )
    assert response["Location"] == "/equipment"


def test_it_signs_out_by_post_with_csrf(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post("/logout").status_code == 403
    page = client.get("/oauth/applications")
    response = client.post("/logout", {"csrfmiddlewaretoken": page.context["csrf_token"]})
    assert response.status_code == 302 and response["Location"] == "/login"
    assert client.get("/oauth/applications").status_code == 302
