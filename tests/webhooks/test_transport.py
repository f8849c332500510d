"""One POST to an endpoint: private addresses refused unless allowed, no redirect followed,
the answer read up to its limit, a timeout and a closed port as failures."""

import ipaddress
import socket
import time

import httpx
import pytest

from labshare.webhooks.transport import ANSWER_LIMIT, Refused, checked_address, post, post_all
from tests.e2e.conftest import free_port
from tests.webhooks.receiver import Dribbler, Receiver, Reply


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1:9/hook",
        "https://localhost:9/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://169.254.169.254/latest/meta-data/",  # cloud metadata
        "https://100.100.100.200/",  # shared address space (another cloud's metadata)
        "https://[::1]:9/hook",
        "https://[fd00:ec2::254]/",
        "https://[::ffff:127.0.0.1]:9/hook",
        "https://0.0.0.0:9/hook",
        "https://[64:ff9b::a00:1]/hook",  # NAT64 of 10.0.0.1
        "https://[64:ff9b::7f00:1]:9/hook",  # NAT64 of 127.0.0.1
        "https://[2002:a9fe:a9fe::1]/",  # 6to4 of 169.254.169.254
        "https://[2002:a00:1::1]/hook",  # 6to4 of 10.0.0.1
        "https://[::7f00:1]:9/hook",  # IPv4-compatible 127.0.0.1
        "https://[::808:808]/hook",  # IPv4-compatible, deprecated whatever it carries
        "https://[::ffff:0:7f00:1]:9/hook",  # IPv4-translated 127.0.0.1
        "https://[fec0::1]/hook",  # site-local
    ],
)
def test_it_refuses_addresses_that_are_not_public(url, settings):
    settings.LABSHARE_WEBHOOKS_ALLOW_PRIVATE = []
    answer = post(url, b"{}", {})
    assert answer.status_code is None
    assert answer.error.startswith("refused:")
    assert "not a public address" in answer.error


@pytest.mark.parametrize(
    ("address", "destination"),
    [
        ("8.8.8.8", "8.8.8.8"),
        ("2606:4700::1111", "2606:4700::1111"),
        ("::ffff:8.8.8.8", "::ffff:808:808"),
        ("64:ff9b::808:808", "64:ff9b::808:808"),  # NAT64 of a public address
        ("2002:808:808::1", "2002:808:808::1"),  # 6to4 of a public address
    ],
)
def test_it_accepts_public_addresses_in_any_form(address, destination, settings):
    settings.LABSHARE_WEBHOOKS_ALLOW_PRIVATE = []
    host = f"[{address}]" if ":" in address else address
    assert checked_address(httpx.URL(f"https://{host}/hook")) == destination


def test_the_allowed_networks_cover_the_ipv6_forms_that_reach_them(settings):
    settings.LABSHARE_WEBHOOKS_ALLOW_PRIVATE = [ipaddress.ip_network("10.0.0.0/8")]
    for host in ("10.1.2.3", "[::ffff:10.1.2.3]", "[64:ff9b::a01:203]"):
        checked_address(httpx.URL(f"http://{host}/hook"))
    with pytest.raises(Refused):
        checked_address(httpx.URL("http://[2002:a01:203::1]/hook"))  # 6to4 leaves the network


def test_it_refuses_a_host_if_any_of_its_addresses_is_refused(settings, monkeypatch):
    settings.LABSHARE_WEBHOOKS_ALLOW_PRIVATE = []
    answers = {"8.8.8.8": socket.AF_INET, "fec0::1": socket.AF_INET6}
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, port, **_: [
            (family, socket.SOCK_STREAM, 6, "", (a, port)) for a, family in answers.items()
        ],
    )
    with pytest.raises(Refused, match="resolves to fec0::1"):
        checked_address(httpx.URL("https://hooks.example.com/hook"))


def test_it_refuses_a_host_that_resolves_to_loopback_though_its_name_looks_public(settings, monkeypatch):
    settings.LABSHARE_WEBHOOKS_ALLOW_PRIVATE = []
    with Receiver() as receiver:
        # The host's DNS answer (a rebinding attack) is what counts, not its name.
        real = socket.getaddrinfo
        monkeypatch.setattr(
            socket,
            "getaddrinfo",
            lambda host, *a, **k: real("127.0.0.1" if host == "hooks.example.com" else host, *a, **k),
        )
        port = receiver.server.server_port
        answer = post(f"https://hooks.example.com:{port}/hook", b"{}", {})
        assert "resolves to 127.0.0.1" in answer.error
        assert receiver.received == []


def test_it_resolves_and_names_an_internationalised_host_in_its_idna_form(settings, monkeypatch):
    settings.LABSHARE_WEBHOOKS_ALLOW_PRIVATE = [ipaddress.ip_network("127.0.0.1/32")]
    with Receiver() as receiver:
        asked = []
        real = socket.getaddrinfo

        def resolve(host, *args, **kwargs):
            asked.append(host)
            return real("127.0.0.1" if host == "xn--strae-oqa.example" else host, *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", resolve)
        port = receiver.server.server_port
        # IDNA 2008 keeps the ß (IDNA 2003, Python's own codec, would make it "strasse").
        answer = post(f"http://Straße.example:{port}/hook", b"{}", {})
        assert answer.ok, answer.error
        assert asked[0] == "xn--strae-oqa.example"  # then the connection to the address checked
        assert receiver.received[0].headers["host"] == f"xn--strae-oqa.example:{port}"


def test_a_host_that_cannot_be_encoded_is_refused_not_raised(loopback_allowed):
    for url in ("https://ex\u00adample.org/hook", "https://\u2100.example/hook"):
        assert post(url, b"{}", {}).error.startswith("refused: The URL's host cannot be written in IDNA form")
    # Already ASCII, though IDNA 2008 would not decode it (an emoji): resolved as written.
    assert post("https://xn--ls8h.example/hook", b"{}", {}).error.startswith(
        "refused: xn--ls8h.example does not resolve"
    )


def test_it_refuses_other_schemes(loopback_allowed):
    assert post("ftp://127.0.0.1/hook", b"{}", {}).error.startswith("refused:")


def test_it_delivers_to_an_allowed_network_with_the_host_header_of_the_url(loopback_allowed):
    with Receiver() as receiver:
        answer = post(receiver.url, b'{"a": 1}', {"webhook-id": "msg_1"})
        assert answer.ok and answer.status_code == 204
        (request,) = receiver.received
        assert request.body == b'{"a": 1}'
        assert request.headers["webhook-id"] == "msg_1"
        assert request.headers["host"] == f"127.0.0.1:{receiver.server.server_port}"
        assert request.headers["content-type"] == "application/json"


def test_it_follows_no_redirect(loopback_allowed):
    with Receiver() as target:
        with Receiver(lambda _: Reply(307, headers={"Location": target.url})) as redirecting:
            answer = post(redirecting.url, b"{}", {})
            assert not answer.ok
            assert answer.status_code == 307
            assert len(redirecting.received) == 1
        assert target.received == []


def test_it_reads_no_more_than_the_limit_of_a_large_answer(loopback_allowed):
    big = b"x" * (ANSWER_LIMIT * 64)
    with Receiver(lambda _: Reply(200, body=big)) as receiver:
        answer = post(receiver.url, b"{}", {})
        assert answer.ok and answer.status_code == 200


def test_a_slow_answer_times_out(loopback_allowed, settings):
    settings.LABSHARE_WEBHOOKS_TIMEOUT_SECONDS = 0.3
    with Receiver(lambda _: Reply(200, delay=1.5)) as receiver:
        answer = post(receiver.url, b"{}", {})
        assert answer.status_code is None
        assert answer.error == "timed out after 0.3 s"
        assert len(receiver.received) == 1


@pytest.mark.parametrize("body", [b"", b"x" * 100], ids=["headers", "body"])
def test_a_receiver_that_dribbles_its_answer_times_out_at_the_deadline(loopback_allowed, settings, body):
    settings.LABSHARE_WEBHOOKS_TIMEOUT_SECONDS = 0.5
    # Each byte well within the timeout, the whole answer far past it.
    with Dribbler(pause=0.05, body=body) as dribbler:
        started = time.monotonic()
        answer = post(dribbler.url, b"{}", {})
        assert time.monotonic() - started < 1.0
        assert dribbler.requests == 1
    assert not answer.ok
    assert answer.error == "timed out after 0.5 s"


def test_side_by_side_a_slow_receiver_holds_back_no_other_past_the_deadline(loopback_allowed, settings):
    settings.LABSHARE_WEBHOOKS_TIMEOUT_SECONDS = 0.5
    with Dribbler(pause=0.05) as dribbler, Receiver(lambda _: Reply(204, delay=0.2)) as receiver:
        started = time.monotonic()
        slow, fast = post_all([(dribbler.url, b"{}", {}), (receiver.url, b"{}", {})])
        assert time.monotonic() - started < 1.0
    assert slow.error == "timed out after 0.5 s"
    assert fast.ok and fast.duration_ms < 500


def test_a_closed_port_is_a_connection_error(loopback_allowed):
    answer = post(f"http://127.0.0.1:{free_port()}/hook", b"{}", {})
    assert answer.status_code is None
    assert answer.error.startswith("ConnectError")
