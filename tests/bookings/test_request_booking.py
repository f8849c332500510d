"""request_booking: who may book what, what it costs, and what it writes."""

from datetime import timedelta
from decimal import Decimal

import pytest

from labshare.accounts.models import Group
from labshare.bookings.models import Booking, BookingStatus, BookingType, CustomFormResponse
from labshare.bookings.services import InvalidAnswers, InvalidBooking, NotAllowed, request_booking
from labshare.equipment.models import AvailabilityStatus, BookingAccess, ChargingType
from labshare.projects.models import FundingCode, Project
from tests.bookings.conftest import slot


def test_a_member_requests_with_group_projects_codes_answers_and_a_note(
    microscope, dana, dana_group, dana_project, graphene_form
):
    start, end = slot(hours=2.5)
    code = dana_project.funding_codes.get()
    booking = request_booking(
        equipment=microscope,
        start=start,
        end=end,
        requester=dana,
        group=dana_group,
        projects=[dana_project],
        funding_codes=[code],
        answers=[None, 3, "GFP"],
        note="Please leave the 63x objective on.",
    )
    booking.refresh_from_db()
    assert booking.status == BookingStatus.REQUESTED
    assert booking.booking_type == BookingType.INTERNAL
    assert booking.cost == Decimal("100.00")  # 2.5 hours at 40.00
    assert (booking.currency, booking.charging_type, booking.duration) == ("GBP", ChargingType.PER_HOUR, 150)
    assert booking.requester_lab == microscope.lab and booking.creator == dana
    assert booking.root_equipment == microscope
    assert list(booking.projects.all()) == [dana_project] and list(booking.funding_codes.all()) == [code]
    response = CustomFormResponse.objects.get(booking=booking)
    assert response.version == graphene_form and response.answers == [None, 3, "GFP"]
    assert booking.notes.get().message == "Please leave the 63x objective on."


def test_an_external_requester_pays_half_as_much_again(microscope, bob):
    start, end = slot(hours=2)
    booking = request_booking(equipment=microscope, start=start, end=end, requester=bob)
    assert booking.booking_type == BookingType.EXTERNAL
    assert booking.cost == Decimal("120.00")
    assert booking.requester_lab == bob.memberships.get().lab


def test_the_equipment_books_its_labs_members_at_once_when_set_to(microscope, dana, bob):
    microscope.auto_approve_lab_members = True
    microscope.save()
    assert request_booking(equipment=microscope, start=slot()[0], end=slot()[1], requester=dana).status == (
        BookingStatus.BOOKED
    )
    start, end = slot(days=8)
    assert request_booking(equipment=microscope, start=start, end=end, requester=bob).status == (
        BookingStatus.REQUESTED
    )


@pytest.mark.parametrize(
    ("access", "bob_may", "optics_member_may"),
    [
        (BookingAccess.LAB, False, False),
        (BookingAccess.ORGANISATION, False, True),
        (BookingAccess.EXTERNAL, True, True),
    ],
)
def test_booking_access_says_who_may_book(microscope, bob, optics_lab, access, bob_may, optics_member_may):
    from labshare.accounts.models import Membership, User

    olive = User.objects.create_user("olive@example.test", "x")
    Membership.objects.create(user=olive, lab=optics_lab)
    microscope.booking_access = access
    microscope.save()
    for days, (user, may) in enumerate([(bob, bob_may), (olive, optics_member_may)], start=3):
        start, end = slot(days=days)
        if may:
            request_booking(equipment=microscope, start=start, end=end, requester=user)
        else:
            with pytest.raises(NotAllowed, match="not open to"):
                request_booking(equipment=microscope, start=start, end=end, requester=user)


def test_someone_of_no_lab_may_not_book(microscope, charlie):
    with pytest.raises(NotAllowed):
        request_booking(equipment=microscope, start=slot()[0], end=slot()[1], requester=charlie)


def test_only_an_administrator_books_for_someone_else(microscope, dana, bob, alice):
    start, end = slot()
    with pytest.raises(NotAllowed, match="for someone else"):
        request_booking(equipment=microscope, start=start, end=end, requester=dana, by=bob)
    booking = request_booking(equipment=microscope, start=start, end=end, requester=dana, by=alice)
    assert (booking.requester, booking.creator) == (dana, alice)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda s, e: (s, s), "end"),
        (lambda s, e: (e, s), "end"),
        (lambda s, e: (s - timedelta(days=30), e - timedelta(days=30)), "start"),
        (lambda s, e: (s.replace(tzinfo=None), e), "start"),
    ],
)
def test_it_refuses_bad_times(microscope, dana, change, field):
    start, end = change(*slot())
    with pytest.raises(InvalidBooking) as refused:
        request_booking(equipment=microscope, start=start, end=end, requester=dana)
    assert refused.value.field == field
    assert not Booking.objects.exists()


def test_it_refuses_equipment_that_is_not_available(microscope, dana):
    microscope.availability_status = AvailabilityStatus.MAINTENANCE
    microscope.save()
    with pytest.raises(InvalidBooking, match="under maintenance") as refused:
        request_booking(equipment=microscope, start=slot()[0], end=slot()[1], requester=dana)
    assert refused.value.field == "equipment"


def test_it_refuses_a_group_the_requester_is_not_in(microscope, dana, graphene_lab):
    other = Group.objects.create(lab=graphene_lab, name="Spectroscopy")
    with pytest.raises(InvalidBooking) as refused:
        request_booking(equipment=microscope, start=slot()[0], end=slot()[1], requester=dana, group=other)
    assert refused.value.field == "group"


def test_it_refuses_projects_and_codes_the_requester_may_not_charge(
    microscope, dana, dana_project, chemistry_lab, alice
):
    start, end = slot()
    foreign = Project.objects.create(account=chemistry_lab, name="Oxford project")
    with pytest.raises(InvalidBooking) as refused:
        request_booking(equipment=microscope, start=start, end=end, requester=dana, projects=[foreign])
    assert refused.value.field == "projects"
    reserved = Project.objects.create(account=microscope.lab, name="Alice's only")
    reserved.selected_users.add(alice)
    with pytest.raises(InvalidBooking):
        request_booking(equipment=microscope, start=start, end=end, requester=dana, projects=[reserved])
    stray = FundingCode.objects.create(project=reserved, code="STRAY")
    with pytest.raises(InvalidBooking) as refused:
        request_booking(
            equipment=microscope,
            start=start,
            end=end,
            requester=dana,
            projects=[dana_project],
            funding_codes=[stray],
        )
    assert refused.value.field == "funding_codes"
    expired = FundingCode.objects.create(
        project=dana_project, code="OLD", expiry_date=start.date() - timedelta(days=1)
    )
    with pytest.raises(InvalidBooking, match="expired"):
        request_booking(
            equipment=microscope,
            start=start,
            end=end,
            requester=dana,
            projects=[dana_project],
            funding_codes=[expired],
        )
    assert not Booking.objects.exists()


def test_it_validates_the_current_form_version_field_by_field(microscope, dana, graphene_form):
    start, end = slot()
    with pytest.raises(InvalidAnswers) as refused:
        request_booking(
            equipment=microscope, start=start, end=end, requester=dana, answers=[None, 30, "Eosin"]
        )
    assert set(refused.value.by_index) == {1, 2}
    assert "Samples" in refused.value.by_index[1] and "at most 20" in refused.value.by_index[1]
    with pytest.raises(InvalidAnswers, match="required"):
        request_booking(equipment=microscope, start=start, end=end, requester=dana)
    assert not Booking.objects.exists() and not CustomFormResponse.objects.exists()


def test_answers_for_a_lab_without_a_form_are_refused(microscope, dana):
    with pytest.raises(InvalidBooking) as refused:
        request_booking(equipment=microscope, start=slot()[0], end=slot()[1], requester=dana, answers=["x"])
    assert refused.value.field == "answers"
