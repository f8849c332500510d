"""The demo data set: deterministic, and complete enough to exercise every endpoint."""

import hashlib
import io
import statistics
import zoneinfo
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Q

from labshare.accounts.models import Account, AccountType, Group, Membership, Role, User, hierarchy_errors
from labshare.bookings.forms_schema import FIELD_TYPES, validate_answers
from labshare.bookings.models import (
    Booking,
    BookingNote,
    BookingStatus,
    BookingType,
    CustomFormResponse,
    CustomFormVersion,
)
from labshare.demo.generate import ADMIN_EMAIL, REFERENCE_NOW, TERM_MONTHS, DemoData
from labshare.demo.load import DEMO_MODELS
from labshare.equipment.models import Equipment
from labshare.oauth.models import Application
from labshare.projects.models import FundingCode, Project


def digest() -> str:
    """A hash of every demo row but password hashes (salted, so different on every load)."""
    sha = hashlib.sha256()
    for model in DEMO_MODELS:
        names = [f.attname for f in model._meta.concrete_fields if f.attname != "password"]
        for row in model.objects.order_by("pk").values_list(*names):
            sha.update(repr(row).encode())
    return sha.hexdigest()


def load(seed: int, size: str = "300", now: str = "2026-07-01T00:00Z") -> None:
    call_command("demo", size=size, seed=seed, now=now, replace=True, stdout=io.StringIO())


def test_it_loads_the_same_rows_for_the_same_seed_and_now(db, demo_password):
    load(seed=7)
    first = digest()
    load(seed=7)
    assert digest() == first
    load(seed=8)
    assert digest() != first
    load(seed=7, now="2026-07-02T00:00Z")
    assert digest() != first


def test_it_hangs_every_date_from_its_now(db, demo_password):
    now = datetime(2027, 3, 10, 14, 30, tzinfo=UTC)
    load(seed=3, size="500", now=now.isoformat())
    past = {BookingStatus.COMPLETED, BookingStatus.CANCELLED, BookingStatus.DECLINED}
    bookings = list(Booking.objects.all())
    assert min(b.start_time for b in bookings) >= now - timedelta(days=19 * 31)
    assert max(b.end_time for b in bookings) <= now + timedelta(days=8 * 31)
    assert any(b.end_time <= now for b in bookings) and any(b.start_time > now for b in bookings)
    for booking in bookings:
        assert (booking.status in past) == (booking.end_time <= now)
        assert booking.updated_at <= now
    assert max(User.objects.values_list("date_joined", flat=True)) < now


def test_it_refuses_a_now_that_is_not_a_date_time(db, demo_password):
    with pytest.raises(CommandError, match="--now"):
        load(seed=1, now="next tuesday")


def term_time_utilisation(data: DemoData) -> dict[int, float]:
    """Each instrument's booked share (Requested, Booked, Completed) of its bookable hours,
    weekdays 08:00-18:00 in its lab's time zone, over the term-time months before "now"."""
    rows = [
        dict(zip(batch.columns, row, strict=True))
        for batch in data.batches()
        if batch.model is Booking
        for row in batch.rows
    ]
    assets = {asset.id: asset for asset in data.assets}
    booked: Counter = Counter()
    now = datetime.fromtimestamp(data.now, UTC)
    for record in rows:
        start = datetime.fromisoformat(record["start_time"]).replace(tzinfo=UTC)
        end = datetime.fromisoformat(record["end_time"]).replace(tzinfo=UTC)
        if record["status"] in ("Cancelled", "Declined") or end > now:
            continue
        asset = assets[record["equipment_id"]]
        zone = zoneinfo.ZoneInfo(asset.lab.place.timezone)
        day = start.astimezone(zone).date()
        while datetime.combine(day, datetime.min.time(), zone) < end:
            opens = datetime.combine(day, datetime.min.time(), zone).replace(hour=8)
            if day.weekday() < 5 and day.month in TERM_MONTHS:
                overlap = min(end, opens.replace(hour=18)) - max(start, opens)
                booked[asset.root] += max(overlap, timedelta(0)) / timedelta(hours=1)
            day += timedelta(days=1)
    first = date.fromordinal(data.months[0][0])
    days = (first + timedelta(days=n) for n in range((now.date() - first).days))
    bookable = 10 * sum(1 for day in days if day.weekday() < 5 and day.month in TERM_MONTHS)
    return {asset.id: booked[asset.id] / bookable for asset in data.assets if asset.root == asset.id}


@pytest.mark.parametrize("bookings", [2_000, 20_000])
def test_it_keeps_instruments_as_busy_as_a_facility_s(bookings):
    data = DemoData(bookings, seed=1)
    shares = term_time_utilisation(data)
    labs = {asset.id: asset.lab for asset in data.assets}
    core = sorted((share for asset, share in shares.items() if labs[asset].is_core), reverse=True)
    # The busiest core instruments 40-80 % of their bookable hours, the long tail under 20 %.
    assert 0.4 <= core[0] <= 0.8
    assert all(0.2 <= share <= 0.8 for share in core[:3])
    assert all(share < 0.2 for asset, share in shares.items() if not labs[asset].is_core)
    assert statistics.median(shares.values()) < 0.2


def test_it_builds_the_account_hierarchy(small_demo):
    organisations = Account.objects.filter(account_type=AccountType.ORGANISATION)
    labs = Account.objects.filter(account_type=AccountType.LAB)
    assert organisations.count() >= 3
    assert Account.objects.filter(account_type=AccountType.DEPARTMENT).exists()
    assert labs.filter(department__isnull=False).exists()
    assert labs.filter(department__isnull=True, organisation__isnull=False).exists()
    assert labs.filter(organisation__isnull=True).exists()
    for account in Account.objects.all():
        hierarchy_errors(account)
        account.full_clean()
    assert all(lab.timezone in zoneinfo.available_timezones() for lab in labs)
    assert labs.values("timezone").distinct().count() >= 3
    assert not labs.annotate(n=Count("memberships", filter=Q(memberships__role=Role.ADMINISTRATOR))).filter(
        n=0
    )


def test_it_gives_the_demo_administrator_labs_to_run_and_labs_to_use(small_demo, demo_password):
    admin = User.objects.get(email=ADMIN_EMAIL)
    assert admin.is_staff and admin.is_superuser and admin.is_active
    assert admin.check_password(demo_password)
    roles = set(Membership.objects.filter(user=admin).values_list("role", flat=True))
    assert roles == {Role.ADMINISTRATOR, Role.MEMBER}
    assert Application.objects.filter(user=admin).exists()
    assert not User.objects.exclude(pk=admin.pk).filter(Q(is_staff=True) | Q(is_superuser=True))


def test_it_lets_every_demo_user_sign_in_with_the_demo_password(small_demo, demo_password):
    users = User.objects.exclude(email=ADMIN_EMAIL).filter(is_active=True).order_by("pk")
    assert users.count() > 50
    for user in users[:: users.count() // 5]:
        assert user.check_password(demo_password)
        assert not user.check_password("not the demo password")


def test_it_hangs_child_assets_under_a_parent_in_the_same_lab(small_demo):
    children = Equipment.objects.filter(parent__isnull=False).select_related("parent")
    assert children.exists()
    for child in children:
        assert child.lab_id == child.parent.lab_id
        assert child.parent.parent_id is None
    assert Equipment.objects.filter(sub_category__isnull=False, contact_person__isnull=False).exists()
    for equipment in Equipment.objects.all():
        equipment.full_clean()
        assert equipment.sub_category.parent_id == equipment.category_id


def test_it_books_every_status_and_type_consistently_with_time(small_demo):
    bookings = Booking.objects.select_related("equipment", "provider_lab", "requester_lab")
    assert bookings.count() == 2_000
    assert set(bookings.values_list("status", flat=True)) == set(BookingStatus.values)
    assert set(bookings.values_list("booking_type", flat=True)) == set(BookingType.values)
    past = {BookingStatus.COMPLETED, BookingStatus.CANCELLED, BookingStatus.DECLINED}
    for booking in bookings:
        assert booking.end_time > booking.start_time
        assert booking.duration == (booking.end_time - booking.start_time) / timedelta(minutes=1)
        assert booking.created_at == booking.requested_at < booking.start_time
        assert booking.created_at <= booking.updated_at <= booking.start_time
        assert booking.updated_at <= REFERENCE_NOW
        assert (booking.status in past) == (booking.end_time <= REFERENCE_NOW)
        assert booking.provider_lab_id == booking.equipment.lab_id
        assert booking.provider_organisation_id == booking.provider_lab.organisation_id
        assert booking.requester_organisation_id == booking.requester_lab.organisation_id
        assert Membership.objects.filter(
            user_id=booking.requester_id, lab_id=booking.requester_lab_id
        ).exists()
        if booking.booking_type == BookingType.EXTERNAL:
            assert booking.requester_lab_id != booking.provider_lab_id
            assert (
                booking.requester_organisation_id is None
                or booking.requester_organisation_id != booking.provider_organisation_id
            )
    for booking in bookings.filter(pk__lte=200):
        booking.full_clean()


def test_it_never_double_books_an_instrument(small_demo):
    previous: dict[int, Booking] = {}
    for booking in Booking.objects.order_by("equipment_id", "start_time"):
        before = previous.get(booking.equipment_id)
        assert before is None or before.end_time <= booking.start_time
        previous[booking.equipment_id] = booking


def expected_cost(booking: Booking) -> Decimal:
    if booking.booking_type == BookingType.MAINTENANCE:
        return Decimal(0)
    rate = booking.equipment.hourly_rate
    if booking.booking_type == BookingType.EXTERNAL:
        rate = (rate * 3 / 2).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
    units = {
        "Per Hour": Decimal(booking.duration) / 60,
        "Per Day": -(-booking.duration // 1440),
        "Per Booking": 1,
        "Free": 0,
    }[booking.charging_type]
    return (rate * units).quantize(Decimal("0.01"), rounding="ROUND_DOWN")


def test_it_prices_bookings_from_the_equipment_rate_and_charging_type(small_demo):
    bookings = Booking.objects.select_related("equipment")
    for booking in bookings:
        assert booking.currency == booking.equipment.currency
        assert booking.charging_type == booking.equipment.charging_type
        assert booking.cost == expected_cost(booking)
    assert bookings.values("currency").distinct().count() >= 3
    assert bookings.values("charging_type").distinct().count() == 4


def test_it_works_in_office_hours_on_weekdays_mostly(small_demo):
    starts = [
        b.start_time.astimezone(zoneinfo.ZoneInfo(b.provider_lab.timezone))
        for b in Booking.objects.select_related("provider_lab")
    ]
    weekdays = sum(start.weekday() < 5 for start in starts)
    office_hours = sum(8 <= start.hour < 18 for start in starts)
    assert weekdays / len(starts) > 0.9
    assert office_hours / len(starts) > 0.9


def test_it_adds_notes_projects_groups_and_form_responses(small_demo):
    assert BookingNote.objects.filter(is_public=True).exists()
    assert BookingNote.objects.filter(is_public=False).exists()
    assert FundingCode.objects.exists()
    assert Project.objects.filter(bookings__isnull=False, funding_codes__isnull=False).exists()
    assert Project.objects.filter(selected_users__isnull=False).exists()
    assert Group.objects.filter(members__isnull=False).filter(equipment__isnull=False).exists()
    for project in Project.objects.filter(bookings__isnull=False).distinct():
        assert set(project.bookings.values_list("requester_lab_id", flat=True)) == {project.account_id}
    for group in Group.objects.prefetch_related("members", "equipment"):
        assert {e.lab_id for e in group.equipment.all()} <= {group.lab_id}
        assert all(
            Membership.objects.filter(user=u, lab_id=group.lab_id).exists() for u in group.members.all()
        )


def test_it_answers_custom_forms_with_every_field_type(small_demo):
    types = {field["type"] for version in CustomFormVersion.objects.all() for field in version.fields}
    assert types == set(FIELD_TYPES)
    responses = CustomFormResponse.objects.select_related("version__form", "booking")
    assert responses.count() > 100
    for response in responses:
        validate_answers(response.version.fields, response.answers)
        assert response.version.form.lab_id == response.booking.provider_lab_id
        assert response.booking.created_at <= response.created_at <= response.booking.start_time
    answered = {
        field["type"]
        for response in responses
        for field, value in zip(response.version.fields, response.answers, strict=True)
        if value is not None
    }
    assert answered == set(FIELD_TYPES) - {"heading", "paragraph"}


@pytest.mark.parametrize("size", ["1", "57"])
def test_it_loads_exactly_n_bookings(db, demo_password, size):
    call_command("demo", size=size, stdout=io.StringIO())
    assert Booking.objects.count() == int(size)
