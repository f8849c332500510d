"""Paging, retries and de-duplication against a scripted HTTP server.

Our own server cannot be made to answer 429 or 503 on demand, nor to shift records between
two page reads at a chosen moment, so a small real HTTP server plays those answers here.
"""

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from labshare.client import ApiError, Client, Credentials

RECORDS = [{"id": number} for number in range(250, 0, -1)]  # newest first


class Script:
    def __init__(self) -> None:
        self.requests: list[tuple[int, int]] = []  # (page, status)
        self.failures = {1: [429], 3: [503, 502]}  # per page, answered before the real page
        self.lock = threading.Lock()


@pytest.fixture
def scripted() -> Iterator[tuple[str, Script]]:
    script = Script()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            query = parse_qs(urlparse(self.path).query)
            page, per_page = int(query["page"][0]), int(query["per_page"][0])
            with script.lock:
                pending = script.failures.get(page) or []
                status = pending.pop(0) if pending else 200
                script.requests.append((page, status))
            if status != 200:
                self.send_response(status)
                self.send_header("Retry-After", "0")
                self.end_headers()
                return
            start = (page - 1) * per_page
            # A record created after page 1 was read pushes the later pages down by one: page 2
            # starts with the last record of page 1 (and the total grows).
            if page >= 2:
                start -= 1
            body = json.dumps(RECORDS[start : start + per_page]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("X-Total-Records", str(len(RECORDS) + (page >= 2)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", script
    server.shutdown()
    server.server_close()


def client_for(base_url: str) -> Client:
    credentials = Credentials(
        web_url=base_url,
        api_url=f"{base_url}/v1/",
        client_id="cli",
        client_secret=None,
        access_token="token",
        refresh_token="refresh",
        expires_at=time.time() + 3600,
    )
    return Client.from_credentials(credentials, concurrency=4)


def test_it_reads_every_page_once_retrying_429_and_5xx_and_dropping_shifted_duplicates(scripted):
    base_url, script = scripted

    with client_for(base_url) as client:
        walk = client.walk("bookings")
        ids = [record["id"] for record in walk.records()]

    assert sorted(ids) == sorted(r["id"] for r in RECORDS)  # each once
    assert walk.duplicates_dropped == 1
    assert (1, 429) in script.requests and (3, 503) in script.requests and (3, 502) in script.requests
    assert sorted({page for page, status in script.requests if status == 200}) == [1, 2, 3]
    assert not walk.consistent  # the list moved while it was read: no deletion may be inferred


def test_it_gives_up_with_the_status_after_the_retries(scripted):
    base_url, script = scripted
    script.failures = {1: [503] * 20}

    with client_for(base_url) as client:
        client.session.attempts = 2
        with pytest.raises(ApiError) as error:
            list(client.bookings())

    assert error.value.status == 503


def test_it_reads_details_one_by_one_from_a_server_that_ignores_the_detail_view(scripted):
    base_url, script = scripted  # answers list records, whatever `view` says, as the real service

    with client_for(base_url) as client:
        assert client.supports_detail_view("bookings") is False
        assert client.supports_detail_view("bookings") is False  # asked once

    assert [page for page, status in script.requests if status == 200] == [1]


def test_a_read_list_keeps_only_its_last_two_pages_of_ids(scripted):
    base_url, script = scripted
    script.failures = {}

    with client_for(base_url) as client:
        walk = client.walk("bookings")
        list(walk.records())

    # A pull reads one list per lab: what each remembers must not grow with their number.
    assert len(walk._window) == 2
