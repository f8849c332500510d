"""`labshare report`: pulled demo data to one self-contained HTML file, opened in Chromium.

The suite uses a 20,000-booking demo set (the medium set, 100,000, takes too long to pull
with every booking's details in the suite); bench/README.md has the figures for larger sets.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.client.support import connect, load_demo, run_cli
from tests.e2e.test_client_login import CHROMIUM

pytestmark = pytest.mark.e2e
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def test_it_writes_a_self_contained_report_that_opens_without_console_errors(server, tmp_path):
    load_demo(20000)
    home = tmp_path / "home"
    connect(home, server)
    data = tmp_path / "labs.duckdb"
    run_cli(home, "pull", str(data), "--concurrency", "8")
    report = tmp_path / "report.html"

    run_cli(home, "report", str(data), "--out", str(report), "--weeks", "26", "--hours", "08:00-18:00")

    document = report.read_text()
    assert "<script" not in document and "@font-face" not in document and "<link" not in document
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", document)
    for heading in (
        "Utilisation",
        "Booked hours by requester",
        "Cost",
        "Outcomes",
        "When equipment is used",
        "Internal and external use",
    ):
        assert f"<h2>{heading}</h2>" in document
    assert "no-show" in document
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**CHROMIUM)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on(
            "request",
            lambda request: (
                errors.append(f"fetched {request.url}")
                if not request.url.startswith(("file:", "data:"))
                else None
            ),
        )
        page.goto(report.as_uri())
        charts = page.locator("img.chart")
        assert charts.count() >= 10
        assert all(
            charts.nth(i).evaluate("img => img.complete && img.naturalWidth > 0")
            for i in range(charts.count())
        )
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "client_report.png"), full_page=True)
        browser.close()
    assert errors == []
