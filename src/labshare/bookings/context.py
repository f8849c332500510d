"""The navigation's "Requests" links: the labs the signed-in user administers (read lazily)."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from labshare.accounts.models import Account
from labshare.bookings import rules


def navigation(request: HttpRequest) -> dict:
    def labs():
        if not request.user.is_authenticated:
            return []
        return list(
            Account.objects.filter(pk__in=rules.administered_lab_ids(request.user)).order_by("name", "id")
        )

    return {"administered_labs": SimpleLazyObject(labs)}
