"""/bookings (mine), /bookings/<id> (one booking), /labs/<id>/requests (the lab's queue)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from labshare.accounts.models import Account, AccountType
from labshare.bookings import rules, services
from labshare.bookings.forms import MaintenanceForm
from labshare.bookings.models import ACTIVE_STATUSES, Booking, BookingStatus
from labshare.bookings.services import BookingError
from labshare.bookings.views.access import visible_booking
from labshare.feeds.panels import lab_panel, my_panels

PAGE_ROWS = 100


def _may_cancel(booking: Booking, user, administrator: bool, now) -> bool:
    if booking.status not in ACTIVE_STATUSES:
        return False
    return administrator or (booking.requester_id == user.pk and booking.start_time > now)


@login_required
def my_bookings(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    mine = Booking.objects.filter(requester=request.user).select_related("equipment", "provider_lab")
    upcoming = list(mine.filter(end_time__gt=now).order_by("start_time", "id")[:PAGE_ROWS])
    past = list(mine.filter(end_time__lte=now).order_by("-start_time", "-id")[:PAGE_ROWS])
    for booking in upcoming:
        booking.may_cancel = _may_cancel(booking, request.user, False, now)
    context = {
        "upcoming": upcoming,
        "past": past,
        "calendar_feeds": my_panels(request, list(rules.member_labs(request.user))),
    }
    return render(request, "bookings/mine.html", context)


@login_required
def booking_detail(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = visible_booking(request, booking_id)
    administrator = rules.is_lab_administrator(request.user, booking.provider_lab_id)
    notes = booking.notes.select_related("author").order_by("created_at", "id")
    if not administrator:
        notes = notes.filter(is_public=True)
    response = booking.custom_form_responses.select_related("version").first()
    context = {
        "booking": booking,
        "zone": booking.provider_lab.zoneinfo,
        "administrator": administrator,
        "may_cancel": _may_cancel(booking, request.user, administrator, timezone.now()),
        "may_note": administrator or booking.requester_id == request.user.pk,
        "notes": notes,
        "answers": list(zip(response.version.fields, response.answers, strict=True)) if response else [],
        "projects": booking.projects.all(),
        "funding_codes": booking.funding_codes.all(),
    }
    return render(request, "bookings/detail.html", context)


def _administered_lab(request: HttpRequest, lab_id: int) -> Account | None:
    lab = get_object_or_404(Account, pk=lab_id, account_type=AccountType.LAB)
    return lab if rules.is_lab_administrator(request.user, lab.pk) else None


def _queue(
    request: HttpRequest, lab: Account, maintenance: MaintenanceForm, status: int = 200
) -> HttpResponse:
    now = timezone.now()
    provided = Booking.objects.filter(provider_lab=lab).select_related(
        "equipment", "requester", "requester_lab"
    )
    context = {
        "lab": lab,
        "zone": lab.zoneinfo,
        "requested": provided.filter(status=BookingStatus.REQUESTED).order_by("start_time", "id")[:PAGE_ROWS],
        "booked": provided.filter(status=BookingStatus.BOOKED, end_time__gt=now).order_by("start_time", "id")[
            :PAGE_ROWS
        ],
        "maintenance": maintenance,
        "calendar_feed": lab_panel(request, lab),
    }
    return render(request, "bookings/queue.html", context, status=status)


@login_required
@require_http_methods(["GET"])
def lab_requests(request: HttpRequest, lab_id: int) -> HttpResponse:
    lab = _administered_lab(request, lab_id)
    if lab is None:
        return render(
            request,
            "bookings/not_allowed.html",
            {"message": "Only the lab's administrators see its requests."},
            status=403,
        )
    return _queue(request, lab, MaintenanceForm(lab=lab, auto_id="maintenance_%s"))


@login_required
@require_POST
def add_maintenance(request: HttpRequest, lab_id: int) -> HttpResponse:
    lab = _administered_lab(request, lab_id)
    if lab is None:
        return render(
            request,
            "bookings/not_allowed.html",
            {"message": "Only the lab's administrators add maintenance."},
            status=403,
        )
    form = MaintenanceForm(request.POST, lab=lab, auto_id="maintenance_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            booking = services.add_maintenance(
                equipment=data["equipment"],
                start=data["start"],
                end=data["end"],
                by=request.user,
                note=data["note"],
            )
        except BookingError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request, f"Maintenance booked on {booking.equipment.name} (booking {booking.pk})."
            )
            return redirect("bookings:lab-requests", lab_id=lab.pk)
    return _queue(request, lab, form, status=400)
