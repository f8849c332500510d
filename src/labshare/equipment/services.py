"""The equipment's domain functions: one per action, each one transaction."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction

from labshare.accounts.models import Account, Membership, Role, User
from labshare.equipment.models import Equipment


@transaction.atomic
def add_equipment(
    *,
    lab: Account,
    by: User,
    name: str,
    model: str = "",
    manufacturer: str | None = None,
    charging_type: str = "Per Hour",
    currency: str = "GBP",
    hourly_rate: Decimal | str = "0",
    parent: Equipment | None = None,
    city: str = "",
    country: str = "",
) -> Equipment:
    """A lab administrator adds an instrument (or a child asset of one) to the lab."""
    if not Membership.objects.filter(user=by, lab=lab, role=Role.ADMINISTRATOR).exists():
        raise PermissionDenied(f"Only an administrator of {lab.name} may add equipment.")
    equipment = Equipment(
        lab=lab,
        name=name,
        model=model,
        manufacturer=manufacturer,
        charging_type=charging_type,
        currency=currency,
        hourly_rate=hourly_rate,
        parent=parent,
        city=city,
        country=country,
    )
    equipment.full_clean()
    equipment.save()
    return equipment
