"""One HTTP POST to an endpoint, safely: the host is resolved, every address it resolves to
must be public (or allowed by LABSHARE_WEBHOOKS_ALLOW_PRIVATE), and the connection goes to
the address that was checked, so that a second DNS answer cannot point it elsewhere. No
redirect is followed, the answer is read up to ANSWER_LIMIT bytes, and the whole attempt ends
by the timeout. A batch is sent side by side in one event loop."""

import asyncio
import ipaddress
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

import httpx
from django.conf import settings
from django.utils import timezone

ANSWER_LIMIT = 64 * 1024
# Made once: loading the CA bundle for every request would cost more than most deliveries.
TLS = httpx.create_ssl_context()
USER_AGENT = "Labshare-Webhooks/1"
# Resolving blocks in the C library: in threads of our own, which asyncio.run does not wait
# for, so that a slow DNS answer holds an attempt no longer than its timeout.
RESOLVERS = ThreadPoolExecutor(max_workers=16, thread_name_prefix="webhook-dns")


class Refused(Exception):
    """The URL may not be delivered to."""


@dataclass(frozen=True)
class Answer:
    status_code: int | None  # None when no answer came
    error: str  # why it failed, or ""
    received_at: datetime
    duration_ms: float

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# RFC 6052: an IPv6 address of NAT64 reaches the IPv4 address in its low 32 bits.
NAT64 = ipaddress.ip_network("64:ff9b::/96")


def destination(address: IPAddress) -> IPAddress:
    """Where a connection to the address goes: the IPv4 address of a mapped or NAT64 one."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address in NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def public(address: IPAddress) -> bool:
    # Not global covers loopback, private, link-local (cloud metadata at 169.254.169.254) and
    # shared (100.64/10) addresses; multicast is global but no server.
    if not address.is_global or address.is_multicast:
        return False
    if isinstance(address, ipaddress.IPv4Address):
        return True
    # 6to4 and Teredo tunnel to an IPv4 address, which must be public too.
    tunnelled = address.sixtofour or (address.teredo and address.teredo[1])
    if tunnelled and not public(tunnelled):
        return False
    # Reserved is the rest of ::/8 (IPv4-compatible ::/96, translated ::ffff:0:0:0/96) and the
    # unassigned ranges; site-local (fec0::/10) is deprecated but may still route inside a site.
    return not (address.is_reserved or address.is_site_local)


def allowed(address: IPAddress) -> bool:
    """Public, or in a network LABSHARE_WEBHOOKS_ALLOW_PRIVATE names."""
    target = destination(address)
    if any(target in network for network in settings.LABSHARE_WEBHOOKS_ALLOW_PRIVATE):
        return True
    return public(target)


def checked_url(url: str) -> httpx.URL:
    """The URL, its host in IDNA (punycode) form, if it may be delivered to as written: https
    (http only where LABSHARE_WEBHOOKS_ALLOW_PRIVATE names a network), a host that is not a
    refused address, no credentials and no fragment. Its name is resolved at each attempt."""
    try:
        parsed = httpx.URL(url)
        host = parsed.raw_host.decode("ascii")
        port = parsed.port
    except (httpx.InvalidURL, UnicodeError) as error:
        raise Refused(f"The URL's host cannot be written in IDNA form ({error}).") from None
    schemes = ("https", "http") if settings.LABSHARE_WEBHOOKS_ALLOW_PRIVATE else ("https",)
    if parsed.scheme not in schemes or not host:
        raise Refused(f"The URL must be {' or '.join(f'{s}://' for s in schemes)} with a host.")
    if parsed.userinfo:
        raise Refused("The URL must not hold a user name or password.")
    if parsed.fragment:
        raise Refused("The URL must not have a fragment (#...).")
    if port is not None and not 0 < port < 65536:
        raise Refused(f"The port must be from 1 to 65535, not {port}.")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return parsed
    if not allowed(address):
        raise Refused(f"{address} is not a public address.")
    return parsed


def checked_address(url: httpx.URL) -> str:
    """The address to connect to, once every address the host resolves to is allowed."""
    host = url.raw_host.decode("ascii")
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise Refused(f"{host} does not resolve ({error.strerror}).") from None
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    for address in addresses:
        if not allowed(address):
            raise Refused(f"{host} resolves to {address}, which is not a public address.")
    return str(addresses[0])


Request = tuple[str, bytes, dict[str, str]]  # url, body, headers


def post_all(requests: list[Request]) -> list[Answer]:
    """POST each side by side; every attempt ends by the timeout, whatever its receiver does."""

    async def side_by_side() -> list[Answer]:
        # One client for the batch, keeping no connection: each request opens its own, to the
        # address checked for it and verified for its own host name.
        no_reuse = httpx.Limits(max_keepalive_connections=0)
        async with httpx.AsyncClient(
            follow_redirects=False, trust_env=False, verify=TLS, limits=no_reuse
        ) as client:
            return await asyncio.gather(*(attempt(client, *request) for request in requests))

    return asyncio.run(side_by_side())


def post(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    (answer,) = post_all([(url, body, headers)])
    return answer


async def attempt(client: httpx.AsyncClient, url: str, body: bytes, headers: dict[str, str]) -> Answer:
    """POST the body; a refusal, a timeout, a connection error or a non-2xx answer is a failure.
    The timeout bounds the whole attempt (resolving, connecting, sending, reading the answer),
    so that a receiver answering a byte at a time cannot hold it longer."""
    started = time.monotonic()
    timeout = settings.LABSHARE_WEBHOOKS_TIMEOUT_SECONDS

    def answer(status_code: int | None, error: str) -> Answer:
        return Answer(status_code, error[:300], timezone.now(), (time.monotonic() - started) * 1000)

    try:
        async with asyncio.timeout(timeout):
            target = checked_url(url)
            address = await asyncio.get_running_loop().run_in_executor(RESOLVERS, checked_address, target)
            status_code = await exchange(client, target, address, body, headers)
    except Refused as error:
        return answer(None, f"refused: {error}")
    except (TimeoutError, httpx.TimeoutException):
        return answer(None, f"timed out after {timeout:g} s")
    except httpx.HTTPError as error:
        return answer(None, f"{type(error).__name__}: {error}")
    return answer(status_code, "" if 200 <= status_code < 300 else f"HTTP {status_code}")


async def exchange(
    client: httpx.AsyncClient, target: httpx.URL, address: str, body: bytes, headers: dict[str, str]
) -> int:
    """POST to the address checked; answers the status once up to ANSWER_LIMIT bytes are read."""
    host = target.raw_host.decode("ascii")
    request_headers = {
        **headers,
        "Host": target.netloc.decode("ascii"),
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }
    async with client.stream(
        "POST",
        target.copy_with(host=address),
        content=body,
        headers=request_headers,
        extensions={"sni_hostname": host},  # TLS verifies the name, not the address
    ) as response:
        read = 0
        async for chunk in response.aiter_raw():
            read += len(chunk)
            if read >= ANSWER_LIMIT:
                break
        return response.status_code
