"""/docs in a real browser: the contract rendered by the packaged Swagger UI, with no CDN."""

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = {
    "executable_path": "/usr/bin/chromium",
    "args": ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"],
}


@pytest.fixture
def page():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**CHROMIUM)
        yield browser.new_page()
        browser.close()


def test_it_renders_the_api_reference(server, page):
    requested_hosts = set()
    page.on("request", lambda request: requested_hosts.add(request.url.split("/")[2]))
    page.goto(f"{server}/docs")
    page.get_by_text("List Bookings").first.wait_for(timeout=30_000)
    assert page.locator(".title", has_text="Labshare API").first.is_visible()
    assert page.get_by_role("button", name="Authorize").is_visible()
    assert requested_hosts == {server.split("/")[2]}


def test_it_serves_the_viewer_from_the_package(server):
    import httpx

    html = httpx.get(f"{server}/docs").text
    for script in [part.split('"')[0] for part in html.split('<script src="')[1:]]:
        assert script.startswith("/static/")
        response = httpx.get(f"{server}{script}")
        assert response.status_code == 200
        assert "javascript" in response.headers["content-type"]
