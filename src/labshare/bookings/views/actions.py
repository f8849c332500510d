"""The POST actions on one booking: approve, decline, cancel, add a note. Each calls its
domain function and goes back to the page it came from with a message."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from labshare.bookings import services
from labshare.bookings.services import BookingError, NotAllowed
from labshare.bookings.views.access import back, visible_booking


def _act(request: HttpRequest, booking_id: int, action: Callable, done: str, **arguments) -> HttpResponse:
    booking = visible_booking(request, booking_id)
    target = back(request, f"/bookings/{booking.pk}")
    try:
        action(booking=booking, by=request.user, **arguments)
    except NotAllowed as error:
        return render(request, "bookings/not_allowed.html", {"message": error.message}, status=403)
    except BookingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done.format(id=booking.pk))
    return redirect(target)


@login_required
@require_POST
def approve(request: HttpRequest, booking_id: int) -> HttpResponse:
    note = request.POST.get("note", "")
    return _act(request, booking_id, services.approve_booking, "Booking {id} approved.", note=note)


@login_required
@require_POST
def decline(request: HttpRequest, booking_id: int) -> HttpResponse:
    note = request.POST.get("note", "")
    return _act(request, booking_id, services.decline_booking, "Booking {id} declined.", note=note)


@login_required
@require_POST
def cancel(request: HttpRequest, booking_id: int) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _act(request, booking_id, services.cancel_booking, "Booking {id} cancelled.", reason=reason)


@login_required
@require_POST
def add_note(request: HttpRequest, booking_id: int) -> HttpResponse:
    public = request.POST.get("visibility", "public") != "private"
    message = request.POST.get("message", "")
    return _act(
        request, booking_id, services.add_note, "Note added to booking {id}.", message=message, public=public
    )
