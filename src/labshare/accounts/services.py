"""The accounts' domain functions: one per action, each one transaction."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from labshare.accounts.models import Account, Membership, Role, User


@transaction.atomic
def leave_lab(*, user: User, lab: Account) -> None:
    """A member leaves a lab; its last administrator may not (the lab would have nobody to run it).
    Tokens stop reading the lab at once: the bearer check reads only labs the user belongs to."""
    membership = Membership.objects.select_for_update().get(user=user, lab=lab)
    if (
        membership.role == Role.ADMINISTRATOR
        and not Membership.objects.filter(lab=lab, role=Role.ADMINISTRATOR).exclude(pk=membership.pk).exists()
    ):
        raise PermissionDenied(f"{user} is the last administrator of {lab.name}.")
    membership.delete()
