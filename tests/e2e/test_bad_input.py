"""Against a real server: the inputs fuzzing found 500s with answer 400, naming the parameter."""

import base64

import httpx
import pytest

pytestmark = pytest.mark.e2e


def test_unusable_input_answers_400_naming_the_parameter(server, alice, alice_app, alice_token):
    token_url = f"{server}/oauth/token"
    nul_basic = base64.b64encode(f"{alice_app.client_id}\x00:secret".encode()).decode()
    nested = '{"grant_type": ' + "[" * 50_000 + "]" * 50_000 + "}"
    cases = [
        (httpx.post(token_url, data={"grant_type": "refresh_token", "client_id": "a\x00"}), "client_id"),
        (httpx.post(token_url, json={"grant_type": "refresh_token", "client_id": "a\x00"}), "client_id"),
        (
            httpx.post(token_url, data={"grant_type": "x"}, headers={"Authorization": f"Basic {nul_basic}"}),
            "client_id",
        ),
        (httpx.post(f"{server}/oauth/revoke", data={"token": "t\x00", "client_id": "c"}), "token"),
        (httpx.post(f"{server}/oauth/introspect", data={"token": "t", "client_id": "\x00"}), "client_id"),
        (httpx.post(token_url, content=nested, headers={"Content-Type": "application/json"}), None),
        (
            httpx.post(
                token_url,
                content=b'{"grant_type": "refresh_token", "client_id": "\\udc00"}',
                headers={"Content-Type": "application/json"},
            ),
            None,
        ),
        (
            httpx.get(f"{server}/v1/bookings?status=%00", headers={"Authorization": f"Bearer {alice_token}"}),
            "status",
        ),
    ]
    for response, parameter in cases:
        assert response.status_code == 400, (response.request.url, response.text[:300])
        assert response.headers["Content-Type"].startswith("application/json"), response.request.url
        if parameter:
            assert response.json()["parameter"] == parameter, response.text

    for query in (f"client_id={alice_app.client_id}%00&response_type=code", "client_id=x&state=%00"):
        response = httpx.get(f"{server}/oauth/authorize?{query}")
        assert response.status_code == 400, response.text[:300]
        assert "contains a NUL character or a lone surrogate" in response.text
