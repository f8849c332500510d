"""What a booking costs: the one rule the web pages, the write API and the demo data share."""

from datetime import datetime
from decimal import Decimal

from labshare.equipment.models import ChargingType

EXTERNAL_SURCHARGE = (3, 2)  # external requesters pay half as much again


def charged_rate_cents(rate_cents: int, external: bool) -> int:
    numerator, denominator = EXTERNAL_SURCHARGE
    return rate_cents * numerator // denominator if external else rate_cents


def cost_cents(rate_cents: int, charging_type: str, minutes: int, external: bool) -> int:
    """Cents: the rate times the charged units (hours, started days, one booking, or none)."""
    rate = charged_rate_cents(rate_cents, external)
    if charging_type == ChargingType.PER_HOUR:
        return rate * minutes // 60
    if charging_type == ChargingType.PER_DAY:
        return rate * -(-minutes // 1440)
    if charging_type == ChargingType.PER_BOOKING:
        return rate
    return 0


def _cents(amount) -> int:
    return int(Decimal(amount) * 100)


def _amount(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def external_rate(equipment) -> Decimal:
    """The rate an external requester pays, per the equipment's charging unit."""
    return _amount(charged_rate_cents(_cents(equipment.hourly_rate), external=True))


def booking_cost(equipment, start: datetime, end: datetime, external: bool) -> Decimal:
    """The cost of booking `equipment` from `start` to `end`, in the equipment's currency."""
    minutes = int((end - start).total_seconds() // 60)
    return _amount(cost_cents(_cents(equipment.hourly_rate), equipment.charging_type, minutes, external))
