"""add_equipment: a lab administrator adds an instrument; nobody else may."""

import pytest
from django.core.exceptions import PermissionDenied

from labshare.equipment.models import Equipment
from labshare.equipment.services import add_equipment


def test_an_administrator_adds_an_instrument(alice, graphene_lab):
    added = add_equipment(lab=graphene_lab, by=alice, name="Raman microscope", hourly_rate="45.00")
    assert Equipment.objects.get(pk=added.pk).lab == graphene_lab


def test_a_plain_member_may_not(alice, bio_lab):
    with pytest.raises(PermissionDenied):
        add_equipment(lab=bio_lab, by=alice, name="Raman microscope")
    assert not Equipment.objects.filter(name="Raman microscope").exists()
