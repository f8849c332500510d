"""RFC 5545 text escaping and line folding."""

from datetime import UTC, datetime

from labshare.rfc5545 import calendar, escape_text, fold


def test_it_escapes_text_values():
    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_it_folds_long_lines_at_75_octets_without_splitting_characters():
    line = "SUMMARY:" + "Rasterelektronenmikroskop für Äußerst große Proben " * 4

    folded = fold(line)

    parts = folded.split("\r\n")
    assert len(parts) > 1
    assert all(len(part.encode("utf-8")) <= 75 for part in parts)
    assert all(part.startswith(" ") for part in parts[1:])
    assert "".join([parts[0], *(part[1:] for part in parts[1:])]) == line


def test_it_writes_utc_times_and_stable_uids():
    booking = {
        "id": 7,
        "start_time": datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
        "end_time": datetime(2026, 3, 29, 2, 0, tzinfo=UTC),
        "status": "Booked",
        "booking_type": "internal",
        "equipment_name": "SEM",
        "requester_name": "Ada",
        "note": None,
        "synced_at": datetime(2026, 3, 1, tzinfo=UTC),
    }

    feed = calendar("SEM bookings", [booking], "api.example.test", datetime(2026, 3, 2, tzinfo=UTC)).decode()

    assert "UID:booking-7@api.example.test\r\n" in feed
    assert "DTSTART:20260329T003000Z\r\nDTEND:20260329T020000Z\r\n" in feed
    assert "STATUS:CONFIRMED\r\n" in feed
