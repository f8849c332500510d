"""Wall-clock times in a lab's time zone, with the daylight-saving edges made explicit."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo


class NotAWallClockTime(ValueError):
    """A local time that does not exist, or exists twice, on that day in that zone."""


def aware(local: datetime, zone: ZoneInfo) -> datetime:
    """The moment a naive wall-clock time means in `zone`.

    A time skipped when the clocks go forward is refused; a time that happens twice when they
    go back means its first occurrence (summer time), and says so in the form's help."""
    first = local.replace(tzinfo=zone, fold=0)
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise NotAWallClockTime(
            f"{local:%Y-%m-%d %H:%M} does not exist in {zone.key}: the clocks go forward then."
        )
    return first


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def local_day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The first moment of `day` and of the next day in `zone` (23 or 25 hours apart on DST days)."""
    following = day + timedelta(days=1)
    return (
        datetime(day.year, day.month, day.day, tzinfo=zone),
        datetime(following.year, following.month, following.day, tzinfo=zone),
    )
