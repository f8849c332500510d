"""The API's time and money formats."""

from datetime import UTC, datetime
from decimal import Decimal
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, available_timezones

CENT = Decimal("0.01")


def as_utc(value: datetime | str) -> datetime:
    """A database value as an aware UTC datetime (SQLite hands back naive UTC or text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


@cache
def zone_names() -> frozenset[str]:
    """The time zones a lab may have (Account.timezone is validated against the same list)."""
    return frozenset(available_timezones())


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    """A lab's zone; a name outside `zone_names` (stored by a write around the validation) reads as
    UTC, here and where PostgreSQL renders the time (api/rendered.py)."""
    return ZoneInfo(name if name in zone_names() else "UTC")


def local_time(value: datetime | str, timezone_name: str) -> str:
    """In the lab's time zone, with milliseconds and the offset: 2022-03-29T09:45:00.000+01:00."""
    return as_utc(value).astimezone(zone(timezone_name)).isoformat(timespec="milliseconds")


def utc_time(value: datetime | str | None) -> str | None:
    """In UTC, with milliseconds and Z: 2024-01-10T14:30:00.000Z."""
    if value is None:
        return None
    return as_utc(value).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def money(value: Decimal | float | int | str) -> str:
    """Two decimals, as a string: "150.00"."""
    return str(Decimal(str(value)).quantize(CENT))


def number(value: Decimal | float | int | str) -> int | float:
    """A JSON number: whole amounts as integers (5000), others as decimals (0.2)."""
    amount = Decimal(str(value))
    return int(amount) if amount == amount.to_integral_value() else float(amount)
