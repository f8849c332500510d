"""The production stack of deploy/, on loopback ports: nginx (Debian's) with TLS in front of two
`labshare serve` processes and `labshare worker`, each started with its systemd unit's command and
the unit's environment file.

Through nginx over TLS the API and the pages answer, Django sees HTTPS, the rate limits count the
real client's address whatever X-Forwarded-For it sends, and a GET loses nothing while one
upstream process is killed.
"""

import os
import pwd
import re
import secrets
import shlex
import signal
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import redis

from tests.e2e.conftest import free_port, stop_process_group, wait_until_serving
from tests.e2e.consent import hidden_inputs
from tests.e2e.deployment import (
    DEMO_ADMIN,
    DEMO_PASSWORD,
    DEPLOY,
    demo_site,
    environment_file,
    labshare,
    migrated_database,
    readme_section,
    shell_blocks,
    start_unit,
)

NGINX = Path("/usr/sbin/nginx")
HOST = "labshare.test"
REDIS_URL = os.environ.get("LABSHARE_TEST_REDIS_URL", "redis://127.0.0.1:6379/12")
TOKEN_LIMIT = 5

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db,  # pytest-django then builds the test database this module copies
    pytest.mark.skipif(
        not NGINX.exists() and not os.environ.get("CI"), reason="nginx is not installed (.ci/run installs it)"
    ),
]


@dataclass
class Stack:
    https: str
    http: str
    ca: ssl.SSLContext
    token: str
    var_dir: Path
    logs: Path
    servers: dict[str, subprocess.Popen] = field(default_factory=dict)

    def client(self, source: str = "127.0.0.1") -> httpx.Client:
        """A client from `source` that asks for the site by its name, as a browser would."""
        return httpx.Client(
            base_url=self.https,
            headers={"Host": HOST},
            transport=httpx.HTTPTransport(verify=self.ca, local_address=source),
            timeout=10,
        )


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    certificate, key = folder / "labshare.crt", folder / "labshare.key"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
            *("-nodes", "-keyout", str(key), "-out", str(certificate), "-days", "2", "-subj", f"/CN={HOST}"),
            *("-addext", f"subjectAltName=DNS:{HOST},IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return certificate, key


def nginx_site(values: dict[str, str]) -> str:
    """deploy/nginx/labshare.conf rendered by the README's envsubst command with `values`."""
    (line,) = [
        line
        for block in shell_blocks(readme_section("Behind nginx"))
        for line in block.replace("\\\n", " ").splitlines()
        if line.startswith("envsubst ")
    ]
    variables = shlex.split(line)[1]
    template = (DEPLOY / "nginx" / "labshare.conf").read_text()
    placeholders = set(re.findall(r"\$\{(LABSHARE_[A-Z0-9_]+)\}", template))
    assert set(re.findall(r"\$(\w+)", variables)) == placeholders == set(values)
    return subprocess.run(
        ["envsubst", variables], input=template, env=values, capture_output=True, text=True, check=True
    ).stdout


def start_nginx(folder: Path, site: str) -> subprocess.Popen:
    """nginx as Debian's package runs it, its files in `folder`. Its workers run as the folder's
    owner, who can read the collected static files (Debian's nginx.conf says www-data)."""
    (folder / "labshare.conf").write_text(site)
    user = f"user {pwd.getpwuid(folder.stat().st_uid).pw_name};" if os.geteuid() == 0 else ""
    temporary = " ".join(f"{kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy"))
    temporary += " ".join(f" {kind}_temp_path {folder / kind};" for kind in ("fastcgi", "uwsgi", "scgi"))
    (folder / "nginx.conf").write_text(
        f"{user}\nworker_processes 1;\nevents {{ worker_connections 256; }}\n"
        f"http {{\n include /etc/nginx/mime.types;\n access_log {folder / 'access.log'};\n {temporary}\n"
        f" include {folder / 'labshare.conf'};\n}}\n"
    )
    directives = f"daemon off; pid {folder / 'nginx.pid'}; error_log {folder / 'error.log'};"
    return subprocess.Popen(
        [str(NGINX), "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", directives],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=(folder / "nginx.out").open("ab"),
        start_new_session=True,
    )


def wait_for_nginx(stack: Stack, nginx: subprocess.Popen, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    with stack.client() as client:
        while time.monotonic() < deadline:
            try:
                client.get("/static/labshare.css")
                return
            except httpx.TransportError:
                if nginx.poll() is not None:
                    raise RuntimeError(f"nginx exited: {(stack.logs / 'nginx.out').read_text()}") from None
                time.sleep(0.1)
    raise RuntimeError(f"nginx did not start within {seconds:.0f} s")


@pytest.fixture(scope="module")
def stack(tmp_path_factory, django_db_setup, django_db_blocker) -> Iterator[Stack]:
    folder = tmp_path_factory.mktemp("deploy")
    var_dir = folder / "var"
    var_dir.mkdir()
    redis.Redis.from_url(REDIS_URL).flushdb()
    with django_db_blocker.unblock(), migrated_database(var_dir, "nginx") as database_url:
        # The units' environment file, with this machine's database, cache, host name and folders.
        env = {
            **os.environ,
            **environment_file(DEPLOY / "systemd" / "labshare.env"),
            "DATABASE_URL": database_url,
            "REDIS_URL": REDIS_URL,
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": HOST,
            "LABSHARE_VAR_DIR": str(var_dir),
            "LABSHARE_RATE_LIMIT": f"{TOKEN_LIMIT}/hour",
            "PYTHONUNBUFFERED": "1",
        }
        with ThreadPoolExecutor() as pool:
            collected = pool.submit(labshare, "collectstatic", "--no-input", "-v0", env=env)
            token = demo_site(env)
            collected.result()
        certificate, key = self_signed_certificate(folder)
        ports = {name: str(free_port()) for name in ("http", "https", "first", "second")}
        context = ssl.create_default_context(cafile=str(certificate))
        stack = Stack(
            https=f"https://127.0.0.1:{ports['https']}",
            http=f"http://127.0.0.1:{ports['http']}",
            ca=context,
            token=token,
            var_dir=var_dir,
            logs=folder,
        )
        worker = start_unit(DEPLOY / "systemd" / "labshare-worker.service", env, folder / "worker.log")
        nginx = None
        try:
            for name in ("first", "second"):
                log = folder / f"serve-{ports[name]}.log"
                process = start_unit(DEPLOY / "systemd" / "labshare@.service", env, log, instance=ports[name])
                stack.servers[ports[name]] = process
            for port, process in stack.servers.items():
                wait_until_serving(process, f"http://127.0.0.1:{port}", folder / f"serve-{port}.log")
            site = nginx_site(
                {
                    "LABSHARE_HOST": HOST,
                    "LABSHARE_LISTEN_HTTP": f"127.0.0.1:{ports['http']}",
                    "LABSHARE_LISTEN_HTTPS": f"127.0.0.1:{ports['https']}",
                    "LABSHARE_TLS_CERTIFICATE": str(certificate),
                    "LABSHARE_TLS_KEY": str(key),
                    "LABSHARE_STATIC_ROOT": str(var_dir / "static"),
                    "LABSHARE_UPSTREAM_1": f"127.0.0.1:{ports['first']}",
                    "LABSHARE_UPSTREAM_2": f"127.0.0.1:{ports['second']}",
                }
            )
            nginx = start_nginx(folder, site)
            wait_for_nginx(stack, nginx)
            yield stack
        finally:
            for process in [nginx, worker, *stack.servers.values()]:
                if process is not None:
                    stop_process_group(process)


def test_it_serves_the_api_over_tls_as_the_upstream_answers_it(stack):
    bearer = {"Authorization": f"Bearer {stack.token}"}
    with stack.client() as client:
        through_nginx = client.get("/v1/bookings?per_page=20", headers=bearer)
    assert through_nginx.status_code == 200
    assert through_nginx.http_version == "HTTP/1.1"
    assert int(through_nginx.headers["X-Total-Records"]) > 20
    # Django saw HTTPS and the site's name: the links nginx passes on are https://labshare.test/...
    assert f"<https://{HOST}/v1/bookings?page=2&per_page=20>" in through_nginx.headers["Link"]

    port = next(iter(stack.servers))
    direct = httpx.get(
        f"http://127.0.0.1:{port}/v1/bookings?per_page=20",
        headers={**bearer, "Host": HOST, "X-Forwarded-Proto": "https"},
    )
    assert direct.content == through_nginx.content

    with stack.client() as client:
        discovery = client.get("/.well-known/oauth-authorization-server")
    assert discovery.status_code == 200
    assert discovery.json()["issuer"] == f"https://{HOST}"


def test_it_redirects_plain_http_to_https(stack):
    answer = httpx.get(f"{stack.http}/login?next=/equipment", headers={"Host": HOST})
    assert answer.status_code == 301
    assert answer.headers["Location"] == f"https://{HOST}/login?next=/equipment"


def test_it_signs_in_through_nginx_with_secure_cookies(stack):
    with stack.client() as browser:
        page = browser.get("/login")
        assert page.status_code == 200
        assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        assert "Secure" in page.headers["Set-Cookie"]
        answer = browser.post(
            "/login",
            data={
                "username": DEMO_ADMIN,
                "password": DEMO_PASSWORD,
                "csrfmiddlewaretoken": hidden_inputs(page.text)["csrfmiddlewaretoken"],
            },
            headers={"Origin": f"https://{HOST}", "Referer": f"https://{HOST}/login"},
        )
        assert answer.status_code == 302, answer.text
        assert browser.get(answer.headers["Location"]).status_code == 200


def test_it_serves_the_collected_static_files_itself(stack):
    with stack.client() as client:
        css = client.get("/static/labshare.css")
        assert client.get("/login").status_code == 200
    assert css.status_code == 200
    assert css.headers["Content-Type"] == "text/css"
    assert css.content == (stack.var_dir / "static" / "labshare.css").read_bytes()
    assert css.headers["X-Content-Type-Options"] == "nosniff"
    upstream_logs = "".join((stack.logs / f"serve-{port}.log").read_text() for port in stack.servers)
    assert "GET /login" in upstream_logs
    assert "/static/" not in upstream_logs


def test_no_log_holds_a_calendar_feed_s_token(stack):
    token = f"1-{secrets.token_urlsafe(32)}"
    with stack.client() as client:
        assert client.get(f"/feeds/{token}.ics").status_code == 404
        assert client.get("/login?after=feed").status_code == 200
    # webcal:// links are fetched over plain HTTP by some calendar programs: redirected, not logged.
    over_http = httpx.get(f"{stack.http}/feeds/{token}.ics", headers={"Host": HOST})
    assert (
        over_http.status_code == 301 and over_http.headers["Location"] == f"https://{HOST}/feeds/{token}.ics"
    )

    access_log = (stack.logs / "access.log").read_text()
    assert "GET /login?after=feed" in access_log
    assert token not in access_log
    upstream_logs = "".join((stack.logs / f"serve-{port}.log").read_text() for port in stack.servers)
    assert "/feeds/[token].ics" in upstream_logs and token not in upstream_logs


def test_it_refuses_a_body_beyond_the_limit_in_the_api_error_shape(stack):
    with stack.client() as client:
        answer = client.post(
            "/v1/bookings",
            content=b"{" + b" " * (2 * 1024 * 1024) + b"}",
            headers={"Authorization": f"Bearer {stack.token}", "Content-Type": "application/json"},
        )
    assert answer.status_code == 413
    assert answer.json()["error"] == "invalid_request"


def token_request(client: httpx.Client, headers: dict | None = None) -> int:
    answer = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "wrong"},
        headers=headers or {},
    )
    return answer.status_code


def test_it_counts_rate_limits_by_the_real_client_address(stack):
    with stack.client("127.0.0.2") as first, stack.client("127.0.0.3") as second:
        # The first client uses up its limit (a new hourly window may start once on the way).
        statuses = [token_request(first) for _ in range(2 * TOKEN_LIMIT + 1)]
        assert statuses[0] == 401
        assert 429 in statuses
        # Another address has its own count; a forged X-Forwarded-For does not make a new client.
        assert token_request(second) == 401
        for forged in ("203.0.113.9", "127.0.0.3", "127.0.0.1, 198.51.100.7"):
            assert token_request(first, {"X-Forwarded-For": forged}) == 429, forged
        assert token_request(first, {"X-Real-IP": "203.0.113.9"}) == 429


def test_the_worker_runs_beside_the_servers(stack):
    log = stack.logs / "worker.log"
    deadline = time.monotonic() + 15
    while "worker: complete ended bookings" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "worker: complete ended bookings" in log.read_text()


def test_killing_one_upstream_loses_no_get(stack):
    """Last in this module: it leaves one server process."""
    statuses: list[int] = []
    stop = threading.Event()

    def get_in_a_loop() -> None:
        with stack.client() as client:
            while not stop.is_set():
                answer = client.get("/v1/bookings", headers={"Authorization": f"Bearer {stack.token}"})
                statuses.append(answer.status_code)

    loops = [threading.Thread(target=get_in_a_loop) for _ in range(3)]
    for loop in loops:
        loop.start()
    try:
        while len(statuses) < 20:
            time.sleep(0.05)
        killed_port, killed = next(iter(stack.servers.items()))
        os.killpg(killed.pid, signal.SIGKILL)
        killed.wait()
        before_kill = len(statuses)
        while len(statuses) < before_kill + 40:
            time.sleep(0.05)
    finally:
        stop.set()
        for loop in loops:
            loop.join()
    assert set(statuses) == {200}, {status: statuses.count(status) for status in set(statuses)}
    # nginx did meet the dead upstream, and answered from the other one.
    assert f'upstream: "http://127.0.0.1:{killed_port}' in (stack.logs / "error.log").read_text()
