"""The organisation / department / lab rules, in the model and in the database."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from labshare.accounts.models import Account, AccountType

ORG, DEPT, LAB = AccountType.ORGANISATION, AccountType.DEPARTMENT, AccountType.LAB


def refused_by_database(**fields) -> str:
    """Insert without model validation; return the database's message."""
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        Account.objects.create(**fields)
    return str(caught.value)


def refused_by_model(**fields) -> str:
    with pytest.raises(ValidationError) as caught:
        Account(**fields).full_clean()
    return " ".join(str(m) for m in caught.value.messages)


def test_it_accepts_every_allowed_shape(cambridge, physics, db):
    lab_in_department = Account.objects.create(account_type=LAB, name="A", department=physics)
    lab_in_organisation = Account.objects.create(account_type=LAB, name="B", organisation=cambridge)
    independent_lab = Account.objects.create(account_type=LAB, name="C")
    for account in (cambridge, physics, lab_in_department, lab_in_organisation, independent_lab):
        account.full_clean()
    assert lab_in_department.organisation == cambridge


def test_it_refuses_an_organisation_with_a_parent(cambridge, oxford):
    assert "An organisation cannot belong to another account" in refused_by_model(
        account_type=ORG, name="X", organisation=oxford
    )
    assert "organisation_has_no_parent" in refused_by_database(
        account_type=ORG, name="X", organisation_id=oxford.pk
    )


def test_it_refuses_a_department_without_an_organisation(db):
    assert "A department must belong to an organisation" in refused_by_model(account_type=DEPT, name="X")
    assert "department_belongs_to_organisation_only" in refused_by_database(account_type=DEPT, name="X")


def test_it_refuses_a_department_inside_a_department(cambridge, physics):
    message = refused_by_model(account_type=DEPT, name="X", organisation=cambridge, department=physics)
    assert "A department cannot belong to a department" in message
    assert "department_belongs_to_organisation_only" in refused_by_database(
        account_type=DEPT, name="X", organisation_id=cambridge.pk, department_id=physics.pk
    )


def test_it_refuses_a_lab_whose_department_is_not_a_department(graphene_lab, cambridge):
    assert "must be an account of type department" in refused_by_model(
        account_type=LAB, name="X", organisation=cambridge, department=graphene_lab
    )
    assert "must be an account of type department" in refused_by_database(
        account_type=LAB, name="X", organisation_id=cambridge.pk, department_id=graphene_lab.pk
    )


def test_it_refuses_an_organisation_link_to_a_lab(graphene_lab):
    assert "must be an account of type organisation" in refused_by_model(
        account_type=LAB, name="X", organisation=graphene_lab
    )
    assert "must be an account of type organisation" in refused_by_database(
        account_type=LAB, name="X", organisation_id=graphene_lab.pk
    )


def test_it_refuses_a_lab_outside_its_departments_organisation(physics, oxford):
    assert "belongs to that department's organisation" in refused_by_model(
        account_type=LAB, name="X", organisation=oxford, department=physics
    )
    assert "belongs to that department's organisation" in refused_by_database(
        account_type=LAB, name="X", organisation_id=oxford.pk, department_id=physics.pk
    )


def test_it_refuses_to_change_the_type_of_an_account_with_children(cambridge, physics):
    with pytest.raises(IntegrityError, match="cannot change its type"), transaction.atomic():
        Account.objects.filter(pk=cambridge.pk).update(account_type=LAB)


def test_it_refuses_to_move_a_department_that_has_labs(graphene_lab, physics, oxford):
    with pytest.raises(IntegrityError, match="cannot move"), transaction.atomic():
        Account.objects.filter(pk=physics.pk).update(organisation=oxford)


def test_it_refuses_an_unknown_time_zone(db):
    assert "not an IANA time zone" in refused_by_model(account_type=LAB, name="X", timezone="Mars/Olympus")


def test_it_refuses_an_unknown_account_type(db):
    assert "account_type_is_known" in refused_by_database(account_type="faculty", name="X")
