from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from labshare.bookings.models import Booking
from labshare.equipment.models import Equipment


@pytest.fixture
def microscope(graphene_lab) -> Equipment:
    return Equipment.objects.create(lab=graphene_lab, name="Confocal microscope")


def test_it_derives_duration_provider_and_organisations(microscope, alice, chemistry_lab, oxford, cambridge):
    start = timezone.now()
    booking = Booking.objects.create(
        equipment=microscope,
        requester=alice,
        requester_lab=chemistry_lab,
        creator=alice,
        start_time=start,
        end_time=start + timedelta(minutes=150),
    )
    assert booking.duration == 150
    assert booking.provider_lab == microscope.lab
    assert booking.provider_organisation == cambridge
    assert booking.requester_organisation == oxford


def test_it_refuses_a_booking_that_ends_before_it_starts(microscope, alice, graphene_lab):
    start = timezone.now()
    booking = Booking(
        equipment=microscope,
        requester=alice,
        requester_lab=graphene_lab,
        creator=alice,
        start_time=start,
        end_time=start - timedelta(hours=1),
    )
    with pytest.raises(ValidationError, match="must end after it starts"):
        booking.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        booking.save()


def test_it_refuses_a_child_asset_in_another_lab(microscope, optics_lab):
    child = Equipment(lab=optics_lab, name="Objective", parent=microscope)
    with pytest.raises(ValidationError, match="belongs to its parent's lab"):
        child.full_clean()


def test_it_refuses_a_grandchild_asset(microscope, graphene_lab):
    child = Equipment.objects.create(lab=graphene_lab, name="Stage", parent=microscope)
    with pytest.raises(ValidationError, match="cannot have children of its own"):
        Equipment(lab=graphene_lab, name="Screw", parent=child).full_clean()
