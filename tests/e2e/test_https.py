"""LABSHARE_HTTPS=1: a real server behind a TLS proxy redirects plain HTTP, sends HSTS and Secure cookies."""

import httpx

from tests.e2e.conftest import start_server

FROM_THE_PROXY = {"X-Forwarded-Proto": "https"}


def test_it_serves_https_only_behind_the_proxy(transactional_db):
    process, base_url = start_server(extra_env={"LABSHARE_HTTPS": "1", "DEBUG": "0"})
    try:
        plain = httpx.get(f"{base_url}/login")
        assert plain.status_code == 301
        assert plain.headers["Location"] == f"https://{base_url.removeprefix('http://')}/login"

        page = httpx.get(f"{base_url}/login", headers=FROM_THE_PROXY)
        assert page.status_code == 200
        assert page.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
        csrf_cookie = page.headers["Set-Cookie"]
        assert csrf_cookie.startswith("csrftoken=") and "Secure" in csrf_cookie
    finally:
        process.terminate()
        process.wait(10)


def test_it_keeps_plain_http_without_labshare_https(server):
    page = httpx.get(f"{server}/login")
    assert page.status_code == 200
    assert "Strict-Transport-Security" not in page.headers
    assert "Secure" not in page.headers["Set-Cookie"]
