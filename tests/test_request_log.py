"""The request line (labshare/request_log.py) in process: its fields, its id, what it never holds."""

import logging

import orjson
import pytest

from labshare.log_format import JsonLineFormatter


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonLineFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def request_lines():
    # The request logger does not propagate (it has its own handler), so caplog would not see it.
    handler = Lines()
    logger = logging.getLogger("labshare.requests")
    logger.addHandler(handler)
    yield handler.lines
    logger.removeHandler(handler)


def test_it_logs_one_json_line_per_request(client, alice, alice_token, request_lines):
    response = client.get(
        "/v1/bookings?per_page=5", HTTP_AUTHORIZATION=f"Bearer {alice_token}", HTTP_X_REQUEST_ID="req-42"
    )
    assert response["X-Request-Id"] == "req-42"
    [line] = request_lines
    entry = orjson.loads(line)
    assert entry["request_id"] == "req-42"
    assert entry["method"] == "GET"
    assert entry["route"] == "api-bookings"
    assert entry["path"] == "/v1/bookings"
    assert entry["status"] == 200
    assert entry["duration_ms"] > 0
    assert entry["client"] == "127.0.0.1"
    assert entry["user_id"] == alice.pk
    assert entry["level"] == "INFO"
    assert entry["logger"] == "labshare.requests"


@pytest.mark.parametrize("given", ["", "has spaces", "x" * 129, 'quote"s', "new\\nline"])
def test_it_makes_an_id_when_the_clients_is_not_sane(client, db, request_lines, given):
    response = client.get("/health/live", HTTP_X_REQUEST_ID=given)
    made = response["X-Request-Id"]
    assert made != given
    assert len(made) == 32
    assert orjson.loads(request_lines[0])["request_id"] == made


def test_ids_differ_from_request_to_request(client, db):
    assert client.get("/health/live")["X-Request-Id"] != client.get("/health/live")["X-Request-Id"]


def test_it_never_logs_the_query_a_token_or_a_cookie(client, db, request_lines):
    client.cookies["sessionid"] = "COOKIESECRET"
    client.get(
        "/v1/bookings?access_token=QUERYSECRET&code=QUERYSECRET",
        HTTP_AUTHORIZATION="Bearer HEADERSECRET",
    )
    client.post("/oauth/token", {"grant_type": "authorization_code", "code": "BODYSECRET"})
    assert len(request_lines) == 2
    text = "\n".join(request_lines)
    for secret in ("QUERYSECRET", "HEADERSECRET", "COOKIESECRET", "BODYSECRET"):
        assert secret not in text
    assert orjson.loads(request_lines[0])["user_id"] is None


def test_a_signed_in_page_logs_its_user(client, alice, request_lines):
    client.force_login(alice)
    client.get("/bookings")
    assert orjson.loads(request_lines[-1])["user_id"] == alice.pk


def test_django_request_records_leave_the_request_out():
    # django.request attaches the request, whose repr holds the query string.
    record = logging.makeLogRecord({"msg": "Not Found: /x", "request": "<WSGIRequest: GET '/x?code=SECRET'>"})
    assert "SECRET" not in JsonLineFormatter().format(record)
