"""leave_lab: a member leaves; the last administrator may not; the lab's tokens stop at once."""

import pytest
from django.core.exceptions import PermissionDenied

from labshare.accounts.models import Membership, Role
from labshare.accounts.services import leave_lab


def test_a_member_leaves(alice, bio_lab):
    leave_lab(user=alice, lab=bio_lab)
    assert not Membership.objects.filter(user=alice, lab=bio_lab).exists()


def test_the_last_administrator_may_not(alice, graphene_lab):
    with pytest.raises(PermissionDenied, match="last administrator"):
        leave_lab(user=alice, lab=graphene_lab)
    assert Membership.objects.filter(user=alice, lab=graphene_lab, role=Role.ADMINISTRATOR).exists()


def test_an_administrator_leaves_when_another_remains(alice, bob, graphene_lab):
    Membership.objects.create(user=bob, lab=graphene_lab, role=Role.ADMINISTRATOR)
    leave_lab(user=alice, lab=graphene_lab)
    assert not Membership.objects.filter(user=alice, lab=graphene_lab).exists()
