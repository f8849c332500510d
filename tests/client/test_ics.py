"""RFC 5545 text escaping and line folding."""

from datetime import UTC, datetime, timedelta

from labshare.rfc5545 import calendar, escape_text, fold, sequence


def test_it_escapes_text_values():
    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_it_writes_every_line_break_as_an_escape_and_drops_other_control_characters():
    assert escape_text("a\r\nb\rc\nd") == "a\\nb\\nc\\nd"
    assert escape_text("a\x00b\x07c\x0bd\x1be\x7ff\tg") == "abcdef\tg"


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


def test_it_writes_what_subscribed_calendars_update_by_when_given():
    created, changed = datetime(2026, 3, 1, 9, tzinfo=UTC), datetime(2026, 3, 1, 10, 0, 30, tzinfo=UTC)
    booking = {
        "id": 8,
        "start_time": datetime(2026, 3, 29, 9, tzinfo=UTC),
        "end_time": datetime(2026, 3, 29, 10, tzinfo=UTC),
        "status": "Cancelled",
        "booking_type": "external",
        "equipment_name": "SEM",
        "requester_name": "Ada",
        "note": "Samples, not ready",
        "synced_at": changed,
        "sequence": sequence(created, changed),
        "created": created,
        "last_modified": changed,
        "location": "B12; basement",
        "summary": "Busy",
        "description": None,
    }

    feed = calendar(
        "SEM", [booking], "x.test", changed, product="labshare feeds", refresh=timedelta(minutes=15)
    )
    text = feed.decode()

    assert "PRODID:-//Labshare//labshare feeds//EN\r\n" in text
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT15M\r\nX-PUBLISHED-TTL:PT15M\r\n" in text
    assert "SEQUENCE:3630\r\nCREATED:20260301T090000Z\r\nLAST-MODIFIED:20260301T100030Z\r\n" in text
    assert "SUMMARY:Busy\r\n" in text and "DESCRIPTION" not in text and "Ada" not in text
    assert "LOCATION:B12\\; basement\r\nSTATUS:CANCELLED\r\n" in text


def test_a_sequence_never_leaves_the_range_of_an_rfc_5545_integer():
    created = datetime(2026, 3, 1, tzinfo=UTC)
    assert sequence(created, created) == 0
    assert sequence(created, created - timedelta(seconds=5)) == 0
    assert sequence(created, created + timedelta(days=365 * 100)) == 2**31 - 1
