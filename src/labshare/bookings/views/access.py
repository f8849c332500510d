"""Which bookings a signed-in user may see, and where a POST goes back to."""

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.http import url_has_allowed_host_and_scheme

from labshare.bookings import rules
from labshare.bookings.models import Booking


def visible_bookings(user) -> QuerySet[Booking]:
    """The user's own bookings (as requester or creator) and those their labs provide."""
    return Booking.objects.filter(
        Q(requester=user) | Q(creator=user) | Q(provider_lab_id__in=rules.administered_lab_ids(user))
    ).select_related("equipment", "provider_lab", "requester", "requester_lab")


def visible_booking(request: HttpRequest, booking_id: int) -> Booking:
    return get_object_or_404(visible_bookings(request.user), pk=booking_id)


def back(request: HttpRequest, default: str) -> str:
    """The page the form came from (`next`), when it is one of ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default
