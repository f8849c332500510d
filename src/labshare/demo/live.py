"""`labshare demo --live`: a demo facility that keeps moving, through the same domain functions
the web pages and the write API call.

Each tick picks one event (a request, an approval or a decline, a cancellation, a note,
completions, a new instrument now and then, a booking deleted by an administrator, a member
leaving a lab) from a random.Random seeded with the seed and the start time, and reads the
database in a fixed order, so that the same data, seed and start give the same events.
"""

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from labshare.accounts import services as accounts
from labshare.accounts.models import Membership, Role, User
from labshare.bookings import rules, services
from labshare.bookings.models import Booking, BookingStatus
from labshare.demo import catalogue as cat
from labshare.demo.generate import ADMIN_EMAIL, _answers
from labshare.equipment import services as equipment_services
from labshare.equipment.models import AvailabilityStatus, Equipment

# How often each event happens, relative to the others.
EVENT_WEIGHTS = {
    "request": 40,
    "approve": 18,
    "decline": 3,
    "cancel": 6,
    "note": 10,
    "complete": 10,
    "add_instrument": 1,
    "delete_booking": 1,
    "leave_lab": 1,
}


@dataclass(frozen=True)
class Event:
    kind: str
    description: str


class LiveFacility:
    def __init__(self, seed: int, start: datetime) -> None:
        self.rng = random.Random(f"{seed}:{start.isoformat()}")
        self.kinds = list(EVENT_WEIGHTS)
        self.weights = list(EVENT_WEIGHTS.values())

    def events(self) -> Iterator[Event]:
        """One event a call of next(), forever; an event with nothing to act on says so."""
        while True:
            kind = self.rng.choices(self.kinds, weights=self.weights)[0]
            action: Callable[[], str | None] = getattr(self, kind)
            try:
                described = action()
            except services.BookingError as refused:
                described = f"refused: {refused.message}"
            except PermissionDenied as refused:
                described = f"refused: {refused}"
            yield Event(kind, described or "nothing to do")

    # Picking, in a fixed order -------------------------------------------------------

    def pick(self, queryset):
        count = queryset.count()
        return queryset.order_by("pk")[self.rng.randrange(count)] if count else None

    def upcoming(self, *statuses: str):
        return Booking.objects.filter(status__in=statuses, start_time__gt=timezone.now()).select_related(
            "equipment", "provider_lab", "requester"
        )

    def administrator(self, lab_id: int) -> User | None:
        return self.pick(
            User.objects.filter(memberships__lab_id=lab_id, memberships__role=Role.ADMINISTRATOR)
        )

    # Events ----------------------------------------------------------------------------

    def request(self) -> str | None:
        requester = self.pick(User.objects.filter(is_active=True, memberships__isnull=False).distinct())
        if requester is None:
            return None
        equipment = self.pick(
            rules.bookable_equipment(requester)
            .filter(availability_status=AvailabilityStatus.AVAILABLE)
            .select_related("lab")
        )
        if equipment is None:
            return None
        zone = equipment.lab.zoneinfo
        for _ in range(5):
            day = (timezone.now() + timedelta(days=self.rng.randint(1, 21))).astimezone(zone).date()
            if day.weekday() >= 5:
                continue
            start = datetime(
                day.year, day.month, day.day, self.rng.choice((8, 9, 10, 11, 13, 14)), tzinfo=zone
            )
            end = start + timedelta(minutes=self.rng.choice((60, 90, 120, 180, 240)))
            version = rules.current_form_version(equipment.lab)
            answers = _answers(self.rng, version.fields, int(start.timestamp())) if version else None
            try:
                booking = services.request_booking(
                    equipment=equipment, start=start, end=end, requester=requester, answers=answers
                )
            except services.SlotTaken:
                continue
            return (
                f"{requester.email} requested {equipment.name} ({equipment.lab.name}): booking {booking.pk}"
            )
        return f"{equipment.name} had no free slot for {requester.email}"

    def _decide(self, decide: Callable[..., Booking], verb: str) -> str | None:
        booking = self.pick(self.upcoming(BookingStatus.REQUESTED))
        administrator = booking and self.administrator(booking.provider_lab_id)
        if administrator is None:
            return None
        decide(booking=booking, by=administrator, note=self.rng.choice(cat.PUBLIC_NOTES))
        return f"{administrator.email} {verb} booking {booking.pk}"

    def approve(self) -> str | None:
        return self._decide(services.approve_booking, "approved")

    def decline(self) -> str | None:
        return self._decide(services.decline_booking, "declined")

    def cancel(self) -> str | None:
        booking = self.pick(self.upcoming(BookingStatus.REQUESTED, BookingStatus.BOOKED))
        if booking is None:
            return None
        services.cancel_booking(booking=booking, by=booking.requester, reason="Plans changed")
        return f"{booking.requester.email} cancelled booking {booking.pk}"

    def note(self) -> str | None:
        booking = self.pick(self.upcoming(BookingStatus.REQUESTED, BookingStatus.BOOKED))
        if booking is None:
            return None
        services.add_note(
            booking=booking, by=booking.requester, message=self.rng.choice(cat.PUBLIC_NOTES), public=True
        )
        return f"{booking.requester.email} noted on booking {booking.pk}"

    def complete(self) -> str:
        return f"{services.complete_ended_bookings()} ended bookings completed"

    def add_instrument(self) -> str | None:
        template = self.pick(Equipment.objects.filter(parent__isnull=True).select_related("lab"))
        administrator = template and self.administrator(template.lab_id)
        if administrator is None:
            return None
        instrument = self.rng.choice(cat.INSTRUMENTS)
        added = equipment_services.add_equipment(
            lab=template.lab,
            by=administrator,
            name=f"{instrument.name} (new)",
            model=instrument.model,
            manufacturer=instrument.manufacturer,
            charging_type=instrument.charging_type,
            currency=template.currency,
            hourly_rate=template.hourly_rate,
            city=template.city,
            country=template.country,
        )
        return f"{administrator.email} added {added.name} to {template.lab.name}"

    def delete_booking(self) -> str | None:
        booking = self.pick(
            Booking.objects.filter(status__in=(BookingStatus.CANCELLED, BookingStatus.DECLINED))
        )
        administrator = booking and self.administrator(booking.provider_lab_id)
        if administrator is None:
            return None
        booking_id = booking.pk
        services.delete_booking(booking=booking, by=administrator)
        return f"{administrator.email} deleted booking {booking_id}"

    def leave_lab(self) -> str | None:
        # A plain member, never the demo administrator.
        membership = self.pick(
            Membership.objects.filter(role=Role.MEMBER, user__is_active=True)
            .exclude(user__email=ADMIN_EMAIL)
            .select_related("user", "lab")
        )
        if membership is None:
            return None
        accounts.leave_lab(user=membership.user, lab=membership.lab)
        return f"{membership.user.email} left {membership.lab.name}"
