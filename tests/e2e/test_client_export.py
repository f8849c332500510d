"""`labshare export ics`: an RFC 5545 feed per equipment and per lab from pulled data."""

import duckdb
import pytest

from tests.client.support import connect, load_demo, run_cli

pytestmark = pytest.mark.e2e


def unfold(feed: bytes) -> list[str]:
    return feed.decode("utf-8").replace("\r\n ", "").split("\r\n")


def test_it_exports_a_lab_and_an_equipment_as_icalendar(server, tmp_path):
    load_demo("small")
    home = tmp_path / "home"
    connect(home, server)
    data = tmp_path / "labs.duckdb"
    run_cli(home, "pull", str(data), "--resources", "accounts,equipment,bookings", "--no-details")
    db = duckdb.connect(str(data), read_only=True)
    lab_id, lab_bookings = db.execute(
        "SELECT lab_id, count(*) FROM bookings b JOIN equipment e ON e.id = b.equipment_id GROUP BY 1 ORDER BY 2 DESC"
    ).fetchone()
    equipment_id = db.execute(
        "SELECT coalesce(e.parent_id, e.id) FROM bookings b JOIN equipment e ON e.id = b.equipment_id LIMIT 1"
    ).fetchone()[0]
    equipment_bookings = db.execute(
        "SELECT count(*) FROM bookings b JOIN equipment e ON e.id = b.equipment_id WHERE ? IN (e.id, e.parent_id)",
        [equipment_id],
    ).fetchone()[0]
    db.close()

    run_cli(home, "export", "ics", str(data), "--lab", str(lab_id), "--out", str(tmp_path / "lab.ics"))
    run_cli(
        home, "export", "ics", str(data), "--equipment", str(equipment_id), "--out", str(tmp_path / "eq.ics")
    )
    run_cli(home, "export", "ics", str(data), "--lab", str(lab_id), "--out", str(tmp_path / "again.ics"))

    feed = (tmp_path / "lab.ics").read_bytes()
    assert feed.startswith(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and feed.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in feed.replace(b"\r\n", b"")  # every line ends in CRLF
    assert all(len(line) <= 75 for line in feed.split(b"\r\n"))  # folded at 75 octets
    lines = unfold(feed)
    assert lines.count("BEGIN:VEVENT") == lab_bookings
    assert all(line.endswith("Z") for line in lines if line.startswith(("DTSTART:", "DTEND:", "DTSTAMP:")))
    uids = [line for line in lines if line.startswith("UID:")]
    assert len(set(uids)) == lab_bookings
    assert (tmp_path / "again.ics").read_bytes() == feed  # stable UIDs and stamps: same data, same feed
    assert unfold((tmp_path / "eq.ics").read_bytes()).count("BEGIN:VEVENT") == equipment_bookings


def test_it_needs_exactly_one_of_equipment_or_lab(tmp_path):
    result = run_cli(tmp_path / "home", "export", "ics", str(tmp_path / "x.duckdb"), check=False)

    assert result.returncode == 2  # a usage error
    assert "--equipment/--lab" in result.stderr and "exactly one" in result.stderr
