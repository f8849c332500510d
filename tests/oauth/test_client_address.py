"""The address every limit counts a request under (ratelimit.client_address)."""

import ipaddress

import pytest
from django.test import RequestFactory

from labshare.oauth.ratelimit import client_address

PROXIES = ["10.0.0.0/8", "2001:db8:ffff::1"]


def address_of(settings, remote_addr: str, forwarded_for: str | None = None) -> str:
    settings.LABSHARE_TRUSTED_PROXIES = [ipaddress.ip_network(proxy) for proxy in PROXIES]
    headers = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for is not None else {}
    return client_address(RequestFactory().get("/", REMOTE_ADDR=remote_addr, **headers))


@pytest.mark.parametrize(
    ("remote_addr", "forwarded_for", "expected"),
    [
        # No proxy in between: the peer, whatever the header says.
        ("198.51.100.7", None, "198.51.100.7"),
        ("198.51.100.7", "203.0.113.1", "198.51.100.7"),
        # A trusted proxy: the right-most hop that is not one of ours.
        ("10.1.2.3", "203.0.113.1", "203.0.113.1"),
        ("10.1.2.3", "6.6.6.6, 203.0.113.1", "203.0.113.1"),
        ("10.1.2.3", "6.6.6.6, 203.0.113.1, 10.9.9.9", "203.0.113.1"),
        ("2001:db8:ffff::1", "203.0.113.1", "203.0.113.1"),
        # Nothing usable from the proxy: the proxy itself, or the last hop a trusted proxy vouched for.
        ("10.1.2.3", None, "10.1.2.3"),
        ("10.1.2.3", "not-an-address", "10.1.2.3"),
        ("10.1.2.3", "not-an-address, 10.9.9.9", "10.9.9.9"),
        ("10.1.2.3", "10.4.4.4, 10.9.9.9", "10.4.4.4"),
        # IPv4 written as IPv6 is the IPv4 address.
        ("::ffff:198.51.100.7", None, "198.51.100.7"),
    ],
)
def test_it_finds_the_client(settings, remote_addr, forwarded_for, expected):
    assert address_of(settings, remote_addr, forwarded_for) == expected


def test_it_counts_ipv6_clients_per_64(settings):
    one = address_of(settings, "2001:db8:1:2:aaaa::1")
    same_64 = address_of(settings, "2001:db8:1:2:bbbb:cccc:dddd:eeee")
    next_64 = address_of(settings, "2001:db8:1:3::1")
    assert one == same_64 == "2001:db8:1:2::"
    assert next_64 == "2001:db8:1:3::"
    assert address_of(settings, "10.1.2.3", "2001:db8:1:2:ffff::9") == "2001:db8:1:2::"


def test_it_has_no_address_for_a_peer_without_one(settings):
    assert address_of(settings, "") == ""
