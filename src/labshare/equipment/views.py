"""/equipment (the catalogue of what the user may book) and /equipment/<id> (one instrument,
with a week of its family's bookings in the lab's time zone)."""

from datetime import date, timedelta

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from labshare.accounts.models import Account
from labshare.bookings import rules
from labshare.bookings.localtime import local_day_bounds, week_start
from labshare.bookings.models import ACTIVE_STATUSES, Booking, BookingStatus
from labshare.bookings.pricing import external_rate
from labshare.equipment.models import Category
from labshare.feeds.panels import equipment_panel

PAGE_SIZE = 50
CALENDAR_STATUSES = (*ACTIVE_STATUSES, BookingStatus.COMPLETED)


def _integer(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    category_id, lab_id = _integer(request.GET.get("category")), _integer(request.GET.get("lab"))
    equipment = rules.bookable_equipment(request.user).select_related("lab", "category", "sub_category")
    if query:
        equipment = equipment.filter(Q(name__icontains=query) | Q(description__icontains=query))
    if category_id:
        equipment = equipment.filter(Q(category_id=category_id) | Q(sub_category_id=category_id))
    if lab_id:
        equipment = equipment.filter(lab_id=lab_id)
    page = Paginator(equipment.order_by("name", "id"), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "query": query,
        "category_id": category_id,
        "lab_id": lab_id,
        "categories": Category.objects.filter(parent__isnull=True).prefetch_related("sub_categories"),
        "labs": Account.objects.filter(
            pk__in=rules.bookable_equipment(request.user).values("lab_id")
        ).order_by("name", "id"),
    }
    return render(request, "equipment/catalogue.html", context)


def _week(request: HttpRequest, zone) -> date:
    try:
        return week_start(date.fromisoformat(request.GET.get("week", "")))
    except ValueError:
        return week_start(timezone.now().astimezone(zone).date())


@login_required
def equipment_detail(request: HttpRequest, equipment_id: int) -> HttpResponse:
    equipment = get_object_or_404(
        rules.bookable_equipment(request.user).select_related("lab", "parent", "category", "sub_category"),
        pk=equipment_id,
    )
    zone = equipment.lab.zoneinfo
    monday = _week(request, zone)
    administrator = rules.is_lab_administrator(request.user, equipment.lab_id)
    week_from, _ = local_day_bounds(monday, zone)
    _, week_to = local_day_bounds(monday + timedelta(days=6), zone)
    bookings = (
        Booking.objects.filter(
            root_equipment_id=equipment.root_id,
            status__in=CALENDAR_STATUSES,
            start_time__lt=week_to,
            end_time__gt=week_from,
        )
        .select_related("equipment", "requester")
        .order_by("start_time", "id")
    )
    days = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        day_from, day_to = local_day_bounds(day, zone)
        slots = [
            {
                "booking": booking,
                "start": max(booking.start_time, day_from).astimezone(zone),
                "end": min(booking.end_time, day_to).astimezone(zone),
                "details": administrator or request.user.pk in (booking.requester_id, booking.creator_id),
            }
            for booking in bookings
            if booking.start_time < day_to and booking.end_time > day_from
        ]
        days.append((day, slots))
    context = {
        "equipment": equipment,
        "zone": zone,
        "children": equipment.children.order_by("name", "id"),
        "days": days,
        "previous_week": monday - timedelta(days=7),
        "next_week": monday + timedelta(days=7),
        "monday": monday,
        "administrator": administrator,
        "external_rate": external_rate(equipment),
        "calendar_feed": equipment_panel(request, equipment),
        "busy_only": not rules.is_member(request.user, equipment.lab_id),
    }
    return render(request, "equipment/detail.html", context)
