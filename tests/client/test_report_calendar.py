"""The availability calendar the utilisation is measured against."""

from datetime import date, time

import pytest

from labshare.client.report import Calendar, Period


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


def test_it_covers_whole_weeks_up_to_the_given_day():
    period = Period.weeks_until(date(2026, 11, 25), 2)  # a Wednesday

    assert (period.start, period.end) == (date(2026, 11, 16), date(2026, 11, 30))
