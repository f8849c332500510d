"""/equipment/<id>/book: the request form, a review with the cost, then the request."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from labshare.bookings import rules, services
from labshare.bookings.forms import BookingRequestForm
from labshare.bookings.services import BookingError, InvalidAnswers, InvalidBooking


def _show_error(form: BookingRequestForm, error: BookingError) -> None:
    if isinstance(error, InvalidAnswers):
        form.add_answer_errors(error.by_index)
        return
    messages_by_field = error.errors if isinstance(error, InvalidBooking) else {error.field: [error.message]}
    for field, texts in messages_by_field.items():
        for text in texts:
            form.add_error(field if field in form.fields else None, text)


@login_required
@require_http_methods(["GET", "POST"])
def request_page(request: HttpRequest, equipment_id: int) -> HttpResponse:
    equipment = get_object_or_404(
        rules.bookable_equipment(request.user).select_related("lab", "parent"), pk=equipment_id
    )
    version = rules.current_form_version(equipment.lab)
    form = BookingRequestForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        equipment=equipment,
        version=version,
        initial={"start": request.GET.get("start"), "end": request.GET.get("end")},
    )
    context = {"equipment": equipment, "form": form, "version": version}
    if request.method == "POST" and form.is_valid() and "edit" not in request.POST:
        data = form.cleaned_data
        arguments = {
            "equipment": equipment,
            "start": data["start"],
            "end": data["end"],
            "requester": request.user,
            "requester_lab": data["lab"],
            "group": data["group"],
            "projects": list(data["projects"]),
            "funding_codes": list(data["funding_codes"]),
            "answers": form.answers(),
            "note": data["note"],
        }
        try:
            if "confirm" in request.POST:
                booking = services.request_booking(**arguments)
                messages.success(request, f"Booking {booking.pk} is {booking.status}.")
                return redirect("bookings:detail", booking_id=booking.pk)
            preview = services.preview_booking(**arguments)
            return render(request, "bookings/review.html", {**context, "preview": preview})
        except BookingError as error:
            _show_error(form, error)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "bookings/request.html", context, status=status)
