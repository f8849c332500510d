"""A small world of data around the personas, and helpers for calling /v1.

Alice's token reads Graphene Lab and Optics Lab; Bio Lab (hers too, not authorised) and
Chemistry Lab (Bob's) are foreign to it.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from labshare.accounts.models import Account, Group, User
from labshare.bookings.models import (
    ACTIVE_STATUSES,
    Booking,
    BookingNote,
    BookingType,
    CustomForm,
    CustomFormResponse,
    CustomFormVersion,
)
from labshare.equipment.models import Category, Equipment
from labshare.oauth.tokens import issue_tokens
from labshare.projects.models import FunderType, FundingCode, Project
from tests.api.samples import FORM_ANSWERS, FORM_FIELDS
from tests.conftest import FAST_PASSWORD_HASHERS

T0 = datetime(2022, 3, 1, 12, 0, tzinfo=UTC)


def at(days: float) -> datetime:
    return T0 + timedelta(days=days)


@dataclass
class World:
    graphene_lab: Account
    optics_lab: Account
    bio_lab: Account
    chemistry_lab: Account
    physics: Account
    cambridge: Account
    oxford: Account
    microscope: Equipment
    detector: Equipment
    laser: Equipment
    spectrometer: Equipment
    centrifuge: Equipment
    graphene_group: Group
    chemistry_group: Group
    bio_group: Group
    graphene_project: Project
    optics_project: Project
    chemistry_project: Project
    bio_project: Project
    booking: Booking
    maintenance: Booking
    chemistry_booking: Booking
    bio_booking: Booking
    form_response: CustomFormResponse
    chemistry_form_response: CustomFormResponse


def change_times(record) -> dict:
    """The record's `created_at` and `updated_at` as the API must write them (UTC, ms, Z)."""
    record.refresh_from_db(fields=["created_at", "updated_at"])

    def utc(value: datetime) -> str:
        value = value.astimezone(UTC)
        return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}Z"

    return {"created_at": utc(record.created_at), "updated_at": utc(record.updated_at)}


def make_equipment(lab: Account, name: str, days: float, **fields) -> Equipment:
    return Equipment.objects.create(lab=lab, name=name, created_at=at(days), **fields)


def make_booking(
    equipment: Equipment, requester: User, requester_lab: Account, days: float, **fields
) -> Booking:
    start = fields.pop("start_time", at(days + 20))
    booking = Booking(
        equipment=equipment,
        requester=requester,
        requester_lab=requester_lab,
        creator=fields.pop("creator", requester),
        start_time=start,
        end_time=fields.pop("end_time", start + timedelta(hours=2)),
        created_at=at(days),
        requested_at=at(days),
        **fields,
    )
    # Slots of one equipment family never overlap: queue behind the one already there.
    booking.derive_fields()
    while booking.status in ACTIVE_STATUSES and (taken := booking.overlapping()):
        booking.start_time, booking.end_time = (
            taken.end_time,
            booking.end_time + (taken.end_time - booking.start_time),
        )
    booking.save()
    return booking


def answer_form(booking: Booking, form: CustomForm, author: User) -> CustomFormResponse:
    version = form.versions.get(number=1)
    return CustomFormResponse.objects.create(
        booking=booking,
        version=version,
        created_by=author,
        answers=FORM_ANSWERS,
        created_at=datetime(2026, 4, 8, 14, 13, 27, 602000, tzinfo=UTC),
    )


def make_form(lab: Account, name: str) -> CustomForm:
    form = CustomForm.objects.create(lab=lab, name=name)
    CustomFormVersion.objects.create(form=form, number=1, fields=FORM_FIELDS)
    return form


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    """The personas' passwords play no part here; PBKDF2 would dominate every test's set-up."""
    settings.PASSWORD_HASHERS = FAST_PASSWORD_HASHERS


@pytest.fixture
def world(alice, bob, graphene_lab, optics_lab, bio_lab, chemistry_lab, physics, cambridge, oxford) -> World:
    microscopy = Category.objects.create(name="Microscopy")
    electron = Category.objects.create(name="Electron microscopes", parent=microscopy)
    microscope = make_equipment(
        graphene_lab,
        "Titan Krios",
        1,
        description="Cryo electron microscope",
        room="B12",
        model="Krios G4",
        manufacturer="Thermo Fisher",
        city="Cambridge",
        country="United Kingdom",
        currency="GBP",
        category=microscopy,
        sub_category=electron,
        contact_person=alice,
        manufacturing_year="2021",
        serial_number="TK-0042",
    )
    detector = make_equipment(
        graphene_lab,
        "Falcon detector",
        2,
        description="Direct electron detector",
        room="B12",
        model="Falcon 4i",
        manufacturer="Thermo Fisher",
        parent=microscope,
        category=microscopy,
        sub_category=electron,
        contact_person=alice,
    )
    laser = make_equipment(optics_lab, "Ti:Sapphire laser", 3, model="Mira 900", manufacturer=None)
    spectrometer = make_equipment(chemistry_lab, "NMR spectrometer", 4, model="Avance")
    centrifuge = make_equipment(bio_lab, "Ultracentrifuge", 5, model="Optima")

    graphene_group = Group.objects.create(lab=graphene_lab, name="Cryo-EM users", created_at=at(1))
    graphene_group.equipment.set([microscope, detector, spectrometer])
    graphene_group.members.set([alice])
    chemistry_group = Group.objects.create(lab=chemistry_lab, name="NMR users", created_at=at(2))
    bio_group = Group.objects.create(lab=bio_lab, name="Bio users", created_at=at(3))

    graphene_project = Project.objects.create(
        account=graphene_lab,
        name="Graphene Study",
        created_by=alice,
        supervisor="Dr. Ada Lovelace",
        created_at=at(1),
    )
    graphene_project.selected_users.set([alice])
    FundingCode.objects.create(
        project=graphene_project,
        code="EPSRC-2026-01",
        funder_name="EPSRC",
        funder_type=FunderType.RESEARCH_COUNCIL,
        expiry_date=datetime(2026, 9, 12).date(),
        allocated_amount=Decimal("5000"),
        spent_amount=Decimal("0.20"),
        currency="GBP",
    )
    FundingCode.objects.create(
        project=graphene_project,
        code="INDUSTRY-2026-02",
        funder_name="Example Industries",
        funder_type=FunderType.INDUSTRY,
        allocated_amount=Decimal("2000.50"),
        currency="EUR",
    )
    optics_project = Project.objects.create(account=optics_lab, name="Optics", created_at=at(2))
    chemistry_project = Project.objects.create(account=chemistry_lab, name="NMR Study", created_at=at(3))
    bio_project = Project.objects.create(account=bio_lab, name="Bio Study", created_at=at(4))

    booking = make_booking(
        microscope,
        alice,
        graphene_lab,
        10,
        cost=Decimal("150"),
        currency="GBP",
        start_time=datetime(2022, 3, 29, 8, 45, tzinfo=UTC),
        end_time=datetime(2022, 3, 29, 10, 45, tzinfo=UTC),
        add_ons="Data analysis service included",
        requester_group=graphene_group,
        status="Booked",
        creator=bob,
    )
    booking.projects.set([graphene_project])
    BookingNote.objects.create(booking=booking, message="Older public note", created_at=at(11))
    BookingNote.objects.create(booking=booking, message="Please handle with care", created_at=at(12))
    BookingNote.objects.create(booking=booking, message="Private note", is_public=False, created_at=at(13))
    maintenance = make_booking(
        detector,
        alice,
        graphene_lab,
        11,
        booking_type=BookingType.MAINTENANCE,
        status="Completed",
    )
    chemistry_booking = make_booking(spectrometer, bob, chemistry_lab, 12)
    bio_booking = make_booking(centrifuge, alice, bio_lab, 13)

    graphene_form = make_form(graphene_lab, "Project details")
    chemistry_form = make_form(chemistry_lab, "NMR form")
    form_response = answer_form(booking, graphene_form, alice)
    chemistry_form_response = answer_form(chemistry_booking, chemistry_form, bob)

    return World(
        graphene_lab=graphene_lab,
        optics_lab=optics_lab,
        bio_lab=bio_lab,
        chemistry_lab=chemistry_lab,
        physics=physics,
        cambridge=cambridge,
        oxford=oxford,
        microscope=microscope,
        detector=detector,
        laser=laser,
        spectrometer=spectrometer,
        centrifuge=centrifuge,
        graphene_group=graphene_group,
        chemistry_group=chemistry_group,
        bio_group=bio_group,
        graphene_project=graphene_project,
        optics_project=optics_project,
        chemistry_project=chemistry_project,
        bio_project=bio_project,
        booking=booking,
        maintenance=maintenance,
        chemistry_booking=chemistry_booking,
        bio_booking=bio_booking,
        form_response=form_response,
        chemistry_form_response=chemistry_form_response,
    )


@pytest.fixture
def token_with(alice, alice_app, graphene_lab, optics_lab):
    """A token of Alice's for Graphene Lab and Optics Lab with only the given scopes."""

    def issue(*scopes: str, labs: tuple[Account, ...] | None = None) -> str:
        chosen = labs if labs is not None else (graphene_lab, optics_lab)
        return issue_tokens(alice, alice_app, chosen, scopes)["access_token"]

    return issue


@pytest.fixture
def api(client):
    """GET a /v1 path with a bearer token: api(path, token, **query)."""

    def get(path: str, token: str | None, **query):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        return client.get(path, query, **headers)

    return get
