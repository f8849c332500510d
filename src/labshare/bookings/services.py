"""The booking workflow's domain functions: one per action, each one transaction.

The web pages and the write API call these and nothing else to change a booking. Each
checks its rules, runs `full_clean()` before saving, and raises a `BookingError` that a
view maps to a message and the API to a 4xx: `NotAllowed` (403), `SlotTaken` (409),
`InvalidBooking` (422, naming the parameter).
"""

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from labshare.accounts.models import Account, Group, User
from labshare.api.counts import bump_data_version
from labshare.api.signals import now_and_on_commit
from labshare.bookings import notifications, rules
from labshare.bookings.forms_schema import answer_errors
from labshare.bookings.models import (
    ACTIVE_STATUSES,
    Booking,
    BookingNote,
    BookingStatus,
    BookingType,
    CustomFormResponse,
)
from labshare.bookings.pricing import booking_cost
from labshare.equipment.models import AvailabilityStatus, Equipment
from labshare.projects.models import FundingCode, Project

NO_OVERLAP_CONSTRAINT = "booking_no_overlap_in_family"


class BookingError(Exception):
    """A rule refused the action; `field` names the parameter at fault, when there is one."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(BookingError):
    """The user may not do this to this booking, equipment or lab."""


class InvalidBooking(BookingError):
    """A parameter is wrong; `errors` maps each wrong parameter to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        field, messages = next(iter(errors.items()))
        super().__init__(messages[0], field)
        self.errors = errors


class InvalidAnswers(InvalidBooking):
    """The custom form's answers do not fit its current version: `by_index` says which."""

    def __init__(self, by_index: dict[int | None, str]):
        super().__init__({"answers": list(by_index.values())})
        self.by_index = by_index


class SlotTaken(BookingError):
    """Another Requested or Booked booking holds an overlapping slot in the equipment's family."""

    def __init__(self, conflict: Booking):
        zone = conflict.provider_lab.zoneinfo
        super().__init__(
            f"{conflict.equipment.name} is already booked from "
            f"{conflict.start_time.astimezone(zone):%Y-%m-%d %H:%M} to "
            f"{conflict.end_time.astimezone(zone):%Y-%m-%d %H:%M} ({zone.key}).",
            "start",
        )
        self.conflict = conflict


def _save_new_slot(booking: Booking) -> None:
    """Insert a slot-holding booking, or raise SlotTaken.

    Called inside the caller's transaction. On SQLite that transaction is BEGIN IMMEDIATE,
    so the check and the insert run alone; on PostgreSQL two transactions may both pass the
    check, and the exclusion constraint then refuses the second insert.
    """
    conflict = booking.overlapping()
    if conflict:
        raise SlotTaken(conflict)
    try:
        _full_clean(booking)
    except InvalidBooking:
        # The model's own overlap rule saw a booking committed since the check above.
        if conflict := booking.overlapping():
            raise SlotTaken(conflict) from None
        raise
    try:
        with transaction.atomic():
            booking.save()
    except IntegrityError as error:
        if NO_OVERLAP_CONSTRAINT not in str(error):
            raise
        conflict = booking.overlapping()
        if conflict is None:  # the winner's transaction has not committed: still refused
            raise BookingError(
                "The slot was taken while you booked it. Please try again.", "start"
            ) from error
        raise SlotTaken(conflict) from error


def _full_clean(instance, exclude: Iterable[str] = ()) -> None:
    try:
        instance.full_clean(exclude=list(exclude), validate_constraints=False)
    except ValidationError as error:
        raise InvalidBooking({k: list(v) for k, v in error.message_dict.items()}) from error


def _check_times(start: datetime, end: datetime) -> None:
    if not isinstance(start, datetime) or timezone.is_naive(start):
        raise InvalidBooking({"start": ["A start time with its time zone is required."]})
    if not isinstance(end, datetime) or timezone.is_naive(end):
        raise InvalidBooking({"end": ["An end time with its time zone is required."]})
    if end <= start:
        raise InvalidBooking({"end": ["A booking must end after it starts."]})


def _touch(booking: Booking) -> None:
    booking.updated_at = timezone.now()
    booking.save(update_fields=["updated_at"])


def _note(booking: Booking, by: User | None, message: str, public: bool) -> None:
    if message.strip():
        note = BookingNote(booking=booking, author=by, message=message.strip(), is_public=public)
        _full_clean(note)
        note.save()


def _requester_lab(requester: User, equipment: Equipment, group: Group | None, lab: Account | None):
    if group is not None:
        if lab is not None and group.lab_id != lab.pk:
            raise InvalidBooking({"group": ["The group belongs to another lab."]})
        if not group.members.filter(pk=requester.pk).exists():
            raise InvalidBooking({"group": ["The requester is not a member of this group."]})
        lab = group.lab
    if lab is None:
        lab = rules.requester_lab_for(requester, equipment)
        if lab is None:
            raise NotAllowed(f"{equipment.name} is not open to your labs.", "equipment")
    if not rules.is_member(requester, lab.pk):
        raise NotAllowed("The requester is not a member of that lab.", "requester_lab")
    if not rules.lab_may_book(lab, equipment):
        raise NotAllowed(f"{equipment.name} is not open to members of {lab.name}.", "equipment")
    return lab


def _charged(requester: User, lab: Account, start: datetime, projects, funding_codes):
    projects = list(projects)
    allowed = set(rules.chargeable_projects(requester, lab).values_list("pk", flat=True))
    wrong = [p for p in projects if not isinstance(p, Project) or p.pk not in allowed]
    if wrong:
        raise InvalidBooking({"projects": ["You may not charge that project."]})
    codes = list(funding_codes)
    project_ids = {p.pk for p in projects}
    local_day = start.astimezone(lab.zoneinfo).date()
    for code in codes:
        if not isinstance(code, FundingCode) or code.project_id not in project_ids:
            raise InvalidBooking({"funding_codes": ["A funding code must belong to a chosen project."]})
        if code.expiry_date and code.expiry_date < local_day:
            raise InvalidBooking(
                {"funding_codes": [f"Funding code {code.code} expired on {code.expiry_date}."]}
            )
    return projects, codes


def _answered(equipment: Equipment, answers):
    version = rules.current_form_version(equipment.lab)
    if version is None:
        if answers:
            raise InvalidBooking({"answers": [f"{equipment.lab.name} has no custom form."]})
        return None, None
    if answers is None:
        answers = [None] * len(version.fields)
    errors = answer_errors(version.fields, answers)
    if errors:
        raise InvalidAnswers(errors)
    return version, answers


@transaction.atomic
def request_booking(
    *,
    equipment: Equipment,
    start: datetime,
    end: datetime,
    requester: User,
    group: Group | None = None,
    projects: Iterable[Project] = (),
    funding_codes: Iterable[FundingCode] = (),
    answers: list | None = None,
    note: str = "",
    by: User | None = None,
    requester_lab: Account | None = None,
) -> Booking:
    """Request `equipment` from `start` to `end` for `requester` (by them, or by `by`, an
    administrator of the provider or the requester's lab). Booked at once when the equipment
    approves its lab's own members automatically; Requested otherwise."""
    by = by or requester
    _check_times(start, end)
    if start < timezone.now():
        raise InvalidBooking({"start": ["A booking cannot start in the past."]})
    if equipment.availability_status != AvailabilityStatus.AVAILABLE:
        raise InvalidBooking({"equipment": [f"{equipment.name} is {equipment.availability_status.lower()}."]})
    lab = _requester_lab(requester, equipment, group, requester_lab)
    if by.pk != requester.pk and not (
        rules.is_lab_administrator(by, equipment.lab_id) or rules.is_lab_administrator(by, lab.pk)
    ):
        raise NotAllowed("Only a lab administrator may book for someone else.", "requester")
    projects, codes = _charged(requester, lab, start, projects, funding_codes)
    version, answers = _answered(equipment, answers)
    external = rules.is_external(equipment.lab, lab)
    booked_at_once = equipment.auto_approve_lab_members and lab.pk == equipment.lab_id
    booking = Booking(
        equipment=equipment,
        requester=requester,
        requester_lab=lab,
        requester_group=group,
        creator=by,
        start_time=start,
        end_time=end,
        status=BookingStatus.BOOKED if booked_at_once else BookingStatus.REQUESTED,
        booking_type=BookingType.EXTERNAL if external else BookingType.INTERNAL,
        cost=booking_cost(equipment, start, end, external),
        currency=equipment.currency,
        charging_type=equipment.charging_type,
        requested_at=timezone.now(),
        created_at=timezone.now(),
    )
    booking.derive_fields()
    _save_new_slot(booking)
    booking.projects.set(projects)
    booking.funding_codes.set(codes)
    if version is not None:
        response = CustomFormResponse(booking=booking, version=version, created_by=by, answers=answers)
        _full_clean(response)
        response.save()
    _note(booking, by, note, public=True)
    notifications.notify(booking, "booked" if booked_at_once else "requested")
    return booking


class _DryRun(Exception):
    pass


def preview_booking(**arguments) -> Booking:
    """What `request_booking(**arguments)` would book (status, type, cost), checked by every
    one of its rules, and written nowhere: the transaction is rolled back, e-mail unsent."""
    try:
        with transaction.atomic():
            raise _DryRun(request_booking(**arguments))
    except _DryRun as dry_run:
        booking = dry_run.args[0]
    booking.pk = booking.id = None
    return booking


def _provider_administrator(booking: Booking, by: User, action: str) -> None:
    if not rules.is_lab_administrator(by, booking.provider_lab_id):
        raise NotAllowed(f"Only an administrator of {booking.provider_lab.name} may {action} this booking.")


def _locked(booking: Booking) -> Booking:
    """The booking read again inside the transaction, its row locked where the database can."""
    return Booking.objects.select_for_update().select_related("equipment", "provider_lab").get(pk=booking.pk)


def _decide(booking: Booking, by: User, note: str, status: str, action: str) -> Booking:
    booking = _locked(booking)
    _provider_administrator(booking, by, action)
    if booking.status != BookingStatus.REQUESTED:
        raise InvalidBooking(
            {"status": [f"Only a Requested booking can be {action}d; this one is {booking.status}."]}
        )
    booking.status = status
    _full_clean(booking)
    booking.save()
    _note(booking, by, note, public=True)
    notifications.notify(booking, status.lower())
    return booking


@transaction.atomic
def approve_booking(*, booking: Booking, by: User, note: str = "") -> Booking:
    """A provider lab administrator books a Requested booking."""
    return _decide(booking, by, note, BookingStatus.BOOKED, "approve")


@transaction.atomic
def decline_booking(*, booking: Booking, by: User, note: str = "") -> Booking:
    """A provider lab administrator declines a Requested booking."""
    return _decide(booking, by, note, BookingStatus.DECLINED, "decline")


@transaction.atomic
def cancel_booking(*, booking: Booking, by: User, reason: str = "") -> Booking:
    """The requester cancels before the start; the provider lab's administrators at any time."""
    booking = _locked(booking)
    if not rules.is_lab_administrator(by, booking.provider_lab_id):
        if booking.requester_id != by.pk:
            raise NotAllowed("Only the requester or the lab's administrators may cancel this booking.")
        if booking.start_time <= timezone.now():
            raise NotAllowed("The booking has started: only the lab's administrators may cancel it now.")
    if booking.status not in ACTIVE_STATUSES:
        raise InvalidBooking({"status": [f"A {booking.status} booking cannot be cancelled."]})
    booking.status = BookingStatus.CANCELLED
    _full_clean(booking)
    booking.save()
    _note(booking, by, f"Cancelled: {reason.strip()}" if reason.strip() else "", public=True)
    notifications.notify(booking, "cancelled")
    return booking


@transaction.atomic
def add_maintenance(
    *, equipment: Equipment, start: datetime, end: datetime, by: User, note: str = ""
) -> Booking:
    """A lab administrator blocks the equipment's family for maintenance (free, Booked)."""
    _check_times(start, end)
    if not rules.is_lab_administrator(by, equipment.lab_id):
        raise NotAllowed(f"Only an administrator of {equipment.lab.name} may add maintenance.", "equipment")
    now = timezone.now()
    booking = Booking(
        equipment=equipment,
        requester=by,
        requester_lab=equipment.lab,
        creator=by,
        start_time=start,
        end_time=end,
        status=BookingStatus.BOOKED,
        booking_type=BookingType.MAINTENANCE,
        cost=0,
        currency=equipment.currency,
        charging_type=equipment.charging_type,
        requested_at=now,
        created_at=now,
    )
    booking.derive_fields()
    _save_new_slot(booking)
    _note(booking, by, note, public=True)
    return booking


@transaction.atomic
def add_note(*, booking: Booking, by: User, message: str, public: bool) -> BookingNote:
    """A public note (the requester or the provider lab's administrators) or a private one
    (the provider lab's administrators only)."""
    booking = _locked(booking)
    administrator = rules.is_lab_administrator(by, booking.provider_lab_id)
    if not administrator and (not public or booking.requester_id != by.pk):
        raise NotAllowed("Only the lab's administrators may add private notes or notes to others' bookings.")
    if not message.strip():
        raise InvalidBooking({"message": ["A note needs a message."]})
    note = BookingNote(booking=booking, author=by, message=message.strip(), is_public=public)
    _full_clean(note)
    note.save()
    _touch(booking)
    return note


@transaction.atomic
def complete_ended_bookings(*, now: datetime | None = None) -> int:
    """Mark Booked bookings that have ended as Completed; return how many."""
    now = now or timezone.now()
    count = Booking.objects.filter(status=BookingStatus.BOOKED, end_time__lte=now).update(
        status=BookingStatus.COMPLETED, updated_at=now
    )
    if count:  # a bulk update sends no signals: renew the API's data version here
        now_and_on_commit(bump_data_version)
    return count


@transaction.atomic
def delete_booking(*, booking: Booking, by: User) -> None:
    """A provider lab administrator deletes a booking, with its notes and form response."""
    booking = _locked(booking)
    _provider_administrator(booking, by, "delete")
    booking.delete()
