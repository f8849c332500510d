"""Equipment, people and times for the booking workflow's tests.

The Graphene Lab (Alice administers it) has a confocal microscope open to external users,
charged per hour, with a stage as its child asset; Dana is a plain member of the Graphene
Lab, Bob (Chemistry Lab, Oxford) is external to it.
"""

import email
import socket
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from labshare.accounts.models import Group, Membership, Role, User
from labshare.bookings.models import CustomForm, CustomFormVersion
from labshare.equipment.models import BookingAccess, ChargingType, Equipment
from labshare.projects.models import FundingCode, Project
from tests.conftest import PASSWORD

LONDON = ZoneInfo("Europe/London")
FORM_FIELDS = [
    {"type": "heading", "text": "About your samples"},
    {"type": "number", "text": "Samples", "validations": {"isRequired": True, "minValue": 1, "maxValue": 20}},
    {"type": "dropdown", "text": "Stain", "options": ["DAPI", "GFP"], "validations": {"isRequired": False}},
]


def slot(days: int = 7, hour: int = 10, hours: float = 2) -> tuple[datetime, datetime]:
    """A slot `days` ahead at `hour` London time, `hours` long."""
    day = (timezone.now() + timedelta(days=days)).astimezone(LONDON).date()
    start = datetime(day.year, day.month, day.day, hour, tzinfo=LONDON)
    return start, start + timedelta(hours=hours)


@pytest.fixture
def microscope(graphene_lab) -> Equipment:
    return Equipment.objects.create(
        lab=graphene_lab,
        name="Confocal microscope",
        room="B12",
        charging_type=ChargingType.PER_HOUR,
        hourly_rate=Decimal("40.00"),
        currency="GBP",
        booking_access=BookingAccess.EXTERNAL,
    )


@pytest.fixture
def stage(microscope) -> Equipment:
    return Equipment.objects.create(
        lab=microscope.lab, name="Heated stage", parent=microscope, booking_access=BookingAccess.EXTERNAL
    )


@pytest.fixture
def dana(graphene_lab) -> User:
    user = User.objects.create_user("dana@example.test", PASSWORD, first_name="Dana", last_name="Diaz")
    Membership.objects.create(user=user, lab=graphene_lab, role=Role.MEMBER)
    return user


@pytest.fixture
def graphene_form(graphene_lab) -> CustomFormVersion:
    form = CustomForm.objects.create(lab=graphene_lab, name="Sample sheet")
    CustomFormVersion.objects.create(form=form, number=1, fields=[{"type": "shortText", "text": "Old"}])
    return CustomFormVersion.objects.create(form=form, number=2, fields=FORM_FIELDS)


@pytest.fixture
def dana_project(graphene_lab, dana) -> Project:
    project = Project.objects.create(account=graphene_lab, name="2D materials")
    FundingCode.objects.create(project=project, code="EP/X01")
    return project


@pytest.fixture
def dana_group(graphene_lab, dana) -> Group:
    group = Group.objects.create(lab=graphene_lab, name="Imaging")
    group.members.add(dana)
    return group


# A real SMTP server (aiosmtpd) for the e-mail tests; `inbox.messages` holds what it received.
class Inbox:
    def __init__(self):
        self.messages: list[tuple[list[str], email.message.Message]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((sorted(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def inbox(settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    yield handler
    controller.stop()
