"""`labshare report`: the medium demo set (100,000 bookings), pulled with every booking's
details, to one self-contained HTML file, opened in Chromium."""

import re
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from playwright.sync_api import sync_playwright

from labshare.client.report import MINOR_UNITS
from labshare.demo.generate import REFERENCE_NOW
from tests.client.support import connect, load_demo, run_cli
from tests.e2e.test_client_login import CHROMIUM

pytestmark = pytest.mark.e2e
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.mark.timeout(900)  # the medium set's load and pull, on a busy machine
def test_it_writes_a_self_contained_report_that_opens_without_console_errors(server, tmp_path):
    load_demo("medium")
    home = tmp_path / "home"
    connect(home, server)
    data = tmp_path / "labs.duckdb"
    run_cli(home, "pull", str(data), "--concurrency", "8")
    report = tmp_path / "report.html"

    # The year up to the demo set's "now", so that the report shows what the set holds.
    until = (REFERENCE_NOW - timedelta(days=1)).date().isoformat()
    written = run_cli(home, "report", str(data), "--out", str(report), "--weeks", "52", "--until", until)

    assert "Charts 6/6" in written.stderr  # it says what it is doing
    document = report.read_text()
    assert "<script" not in document and "@font-face" not in document and "<link" not in document
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", document)
    for heading in (
        "Utilisation",
        "Used hours by requester",
        "Cost",
        "Outcomes",
        "When equipment is used",
        "Internal, external and maintenance hours",
    ):
        assert f"<h2>{heading}</h2>" in document
    assert "no-show" in document
    # The period ends on the day asked for; every chart has its numbers in a table beside it.
    assert f"to {REFERENCE_NOW - timedelta(days=1):%d %b %Y}</h1>" in document
    assert document.count("<details>") == document.count('class="chart"')
    assert "(no project)" in document and "(not an authorised account)" in document
    db = duckdb.connect(str(data), read_only=True)
    repeated = db.execute(
        "SELECT name, list(lab->>'name') FROM equipment WHERE parent_id IS NULL GROUP BY 1 HAVING count(*) > 1 LIMIT 1"
    ).fetchone()
    db.close()
    name, labs = repeated
    assert all(f"{name} ({lab})" in document for lab in set(labs))
    # Amounts in each currency's minor unit: no decimals for JPY, two for most.
    amounts = re.findall(r'<th scope="row">([A-Z]{3})</th><td>([\d,.]+)</td>', document)
    assert amounts
    for currency, amount in amounts:
        decimals = len(amount.split(".")[1]) if "." in amount else 0
        assert decimals == MINOR_UNITS.get(currency, 2), (currency, amount)
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
