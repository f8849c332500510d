"""The availability calendar the utilisation is measured against."""

from datetime import date, time
from decimal import Decimal

import pytest

from labshare.client.report import Calendar, Period, money, unique_names


def test_it_parses_day_ranges_and_hours():
    calendar = Calendar.parse("mon-fri", "08:00-18:00")

    assert calendar.days == (1, 2, 3, 4, 5)
    assert (calendar.opens, calendar.closes, calendar.hours_per_day) == (time(8), time(18), 10)


def test_it_parses_lists_and_ranges_across_the_weekend():
    assert Calendar.parse("mon,wed,sat", "09:30-12:00").days == (1, 3, 6)
    assert Calendar.parse("fri-mon", "00:00-23:59").days == (1, 5, 6, 7)


@pytest.mark.parametrize(
    ("days", "hours"), [("funday", "08:00-18:00"), ("mon-fri", "18:00-08:00"), ("mon", "8")]
)
def test_it_rejects_a_bad_calendar_with_a_clear_error(days, hours):
    with pytest.raises(ValueError, match="must"):
        Calendar.parse(days, hours)


def test_it_covers_whole_weeks_ending_exactly_on_the_given_day():
    period = Period.weeks_until(date(2026, 11, 25), 2)  # a Wednesday

    assert (period.start, period.last_day, period.end) == (
        date(2026, 11, 12),
        date(2026, 11, 25),
        date(2026, 11, 26),
    )
    assert period.weeks() == [date(2026, 11, 12), date(2026, 11, 19)]


def test_amounts_are_written_in_their_currency_s_minor_unit():
    assert (money(Decimal("1234.5"), "CHF"), money(39330.0, "JPY"), money(1.2345, "KWD")) == (
        "1,234.50",
        "39,330",
        "1.235",
    )


def test_repeated_names_are_told_apart_by_lab_then_by_id():
    names = unique_names(
        {1: ("Confocal", "Lab A"), 2: ("Confocal", "Lab B"), 3: ("FACS", "Lab A"), 4: ("Confocal", "Lab B")}
    )

    assert names == {1: "Confocal (Lab A)", 2: "Confocal (Lab B) #2", 3: "FACS", 4: "Confocal (Lab B) #4"}
