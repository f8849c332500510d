"""The curl recipes of the README's OAuth, API and write-API sections, run with httpx against
a live server with the same parameters, in the order a reader would run them."""

import json
import re
import shlex
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from django.utils import timezone

from labshare.equipment.models import Equipment
from labshare.oauth.models import Application
from labshare.oauth.service_access import bind_service
from labshare.oauth.tokens import issue_tokens
from tests.api.conftest import make_booking
from tests.e2e.consent import approve, signed_in_browser

pytestmark = pytest.mark.e2e

README = Path(__file__).resolve().parents[2] / "README.md"
README_SERVER = "http://127.0.0.1:8000"
REDIRECT_URI = "https://bi.example.test/callback"
SECTIONS = ("## OAuth 2.0", "## The API", "## The write API")


def readme_shell_lines() -> list[str]:
    """Every line of the sections' shell blocks, continuations joined."""
    text = README.read_text()
    lines = []
    for title in SECTIONS:
        section = text.split(f"\n{title}\n", 1)[1].split("\n## ", 1)[0]
        for block in re.findall(r"```sh\n(.*?)```", section, re.DOTALL):
            lines.extend(block.replace("\\\n", " ").splitlines())
    return lines


def recipes() -> dict[str, list[str]]:
    """The curl lines by their method and path, and the authorisation URL of the session by hand."""
    found = {}
    for line in readme_shell_lines():
        if line.startswith("curl "):
            args = shlex.split(line, comments=True)
            url = urlsplit(next(arg for arg in args if arg.startswith(README_SERVER)))
            method = args[args.index("-X") + 1] if "-X" in args else ("POST" if "-d" in args else "GET")
            found.setdefault(f"{method} {url.path}", []).append(line)
        elif match := re.match(r"# 1\. the browser: (\S+)", line):
            found["authorize"] = [match.group(1)]
    return found


def curl(line: str, server: str, values: dict[str, str], body_values: dict | None = None) -> httpx.Response:
    """Send what the curl line sends (-s, -i, -u, -d, -H, -X), its placeholders filled in: a
    whole -u part, -d value or JSON string named in `values`, a `$NAME` inside a header."""
    args = shlex.split(line, comments=True)[1:]
    method, headers, data, auth, url = None, {}, [], None, None
    while args:
        arg = args.pop(0)
        if arg == "-X":
            method = args.pop(0)
        elif arg == "-u":
            auth = tuple(values.get(part, part) for part in args.pop(0).split(":", 1))
        elif arg == "-H":
            name, value = args.pop(0).split(": ", 1)
            for placeholder in (key for key in values if key.startswith("$")):
                value = value.replace(placeholder, values[placeholder])
            headers[name] = value
        elif arg == "-d":
            data.append(args.pop(0))
        elif arg not in ("-s", "-i"):
            url = arg.replace(README_SERVER, server)
    content = None
    if headers.get("Content-Type") == "application/json":
        (body,) = data
        fields = {key: values.get(v, v) if isinstance(v, str) else v for key, v in json.loads(body).items()}
        content = json.dumps({**fields, **(body_values or {})})
    elif data:
        pairs = [part.split("=", 1) for part in data]
        content = urlencode([(key, values.get(value, value)) for key, value in pairs])
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    return httpx.request(
        method or ("POST" if data else "GET"), url, headers=headers, content=content, auth=auth
    )


def test_the_readme_recipes_are_the_ones_this_module_runs():
    found = recipes()
    assert sorted(found) == ["GET /v1/bookings", "POST /oauth/token", "POST /v1/bookings", "authorize"]
    assert len(found["POST /oauth/token"]) == 3 and len(found["GET /v1/bookings"]) == 2


def application(alice, name: str, secret: str) -> Application:
    return Application.objects.create(
        name=name,
        user=alice,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=REDIRECT_URI,
        scopes="read_bookings write_bookings",
        client_secret=secret,
    )


def test_the_readme_curl_recipes_work_as_written(server, alice, graphene_lab):
    found = recipes()
    client_credentials, exchange, refresh = found["POST /oauth/token"]
    page, walk = found["GET /v1/bookings"]
    (write,) = found["POST /v1/bookings"]
    dashboard = application(alice, "BI Dashboard", "dashboard-secret")
    equipment = Equipment.objects.create(lab=graphene_lab, name="Raman microscope")
    booked = {make_booking(equipment, alice, graphene_lab, n).pk for n in range(30)}
    values = {"ID": dashboard.client_id, "SECRET": "dashboard-secret", "URI": REDIRECT_URI, "S": "state-1"}

    # A session by hand: the browser, the code, the token, then a refresh with a JSON body.
    (authorize,) = found["authorize"]
    url = re.sub(r"=(ID|URI|S)(?=&|$)", lambda m: "=" + values[m.group(1)], authorize)
    callback = parse_qs(
        urlsplit(approve(signed_in_browser(server, alice.email), url, [graphene_lab.pk])).query
    )
    assert callback["state"] == ["state-1"]
    values["CODE"] = callback["code"][0]
    token = curl(exchange, server, values)
    assert token.status_code == 200, token.text
    values["R"] = token.json()["refresh_token"]
    renewed = curl(refresh, server, values)
    assert renewed.status_code == 200, renewed.text
    assert renewed.json()["scope"] == "read_bookings"
    assert renewed.json()["refresh_token"] != values["R"]
    values["$TOKEN"] = renewed.json()["access_token"]

    # The API: a page by number, then a walk by change following Link: rel="next".
    second = curl(page, server, values)
    assert second.status_code == 200 and second.headers["X-Current-Page"] == "2"
    assert second.headers["X-Per-Page"] == "25" and len(second.json()) == 5
    response, walked = curl(walk, server, values), []
    while "next" in response.links:
        assert response.status_code == 200
        walked.extend(item["id"] for item in response.json())
        response = httpx.get(
            response.links["next"]["url"], headers={"Authorization": f"Bearer {values['$TOKEN']}"}
        )
    walked.extend(item["id"] for item in response.json())
    assert sorted(walked) == sorted(booked)

    # The write API, with a token that may book; the recipe's day moved into the future.
    writer = issue_tokens(alice, dashboard, [graphene_lab], ["read_bookings", "write_bookings"])
    day = (timezone.now() + timedelta(days=30)).date().isoformat()
    when = {"equipment_id": equipment.pk, "start_time": f"{day}T10:00", "end_time": f"{day}T12:00"}
    write_values = {"$TOKEN": writer["access_token"], "$(uuidgen)": str(uuid.uuid4())}
    created = curl(write, server, write_values, when)
    assert created.status_code == 201, created.text
    assert curl(write, server, write_values, when).headers["Idempotent-Replayed"] == "true"

    # Machine credentials, for a service application.
    loader = application(alice, "Loader", "loader-secret")
    bind_service(loader, [graphene_lab])
    machine = curl(client_credentials, server, {"ID": loader.client_id, "SECRET": "loader-secret"})
    assert machine.status_code == 200, machine.text
    assert "refresh_token" not in machine.json()
    listed = httpx.get(
        f"{server}/v1/bookings", headers={"Authorization": f"Bearer {machine.json()['access_token']}"}
    )
    assert {item["id"] for item in listed.json()} == {*booked, created.json()["id"]}
