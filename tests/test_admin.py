"""Every admin page a facility administrator uses answers, with data in it."""

import json
from datetime import timedelta

import pytest
from django.contrib.admin import site
from django.urls import reverse
from django.utils import timezone

from labshare.accounts.models import Group, User
from labshare.bookings.models import Booking, BookingNote, CustomForm, CustomFormResponse, CustomFormVersion
from labshare.equipment.models import Category, Equipment
from labshare.projects.models import FundingCode, Project
from tests.api.samples import FORM_ANSWERS as GOOD_ANSWERS
from tests.api.samples import FORM_FIELDS as EVERY_FIELD


@pytest.fixture
def facility(alice, graphene_lab, chemistry_lab):
    imaging = Category.objects.create(name="Imaging")
    confocal = Category.objects.create(name="Confocal", parent=imaging)
    microscope = Equipment.objects.create(
        lab=graphene_lab, name="Zeiss LSM 980", category=imaging, sub_category=confocal, contact_person=alice
    )
    Equipment.objects.create(lab=graphene_lab, name="Airyscan detector", parent=microscope)
    group = Group.objects.create(lab=graphene_lab, name="Imaging team")
    group.members.add(alice)
    group.equipment.add(microscope)
    project = Project.objects.create(account=graphene_lab, name="Graphene Study", created_by=alice)
    FundingCode.objects.create(project=project, code="EPSRC-1", funder_name="EPSRC")
    start = timezone.now()
    booking = Booking.objects.create(
        equipment=microscope,
        requester=alice,
        requester_lab=chemistry_lab,
        creator=alice,
        start_time=start,
        end_time=start + timedelta(hours=2),
    )
    booking.projects.add(project)
    BookingNote.objects.create(booking=booking, author=alice, message="Please handle with care")
    version = CustomFormVersion.objects.create(
        form=CustomForm.objects.create(lab=graphene_lab, name="Questions"), number=1, fields=EVERY_FIELD
    )
    CustomFormResponse.objects.create(booking=booking, version=version, answers=GOOD_ANSWERS)
    return booking


@pytest.fixture
def staff_client(client, alice):
    User.objects.filter(pk=alice.pk).update(is_staff=True, is_superuser=True)
    client.force_login(alice)
    return client


@pytest.mark.parametrize("model", list(site._registry), ids=lambda m: m._meta.label)
def test_it_answers_every_list_add_and_change_page(staff_client, facility, model):
    meta = model._meta
    changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
    assert staff_client.get(changelist).status_code == 200
    assert staff_client.get(changelist, {"q": "a"}).status_code == 200
    add = reverse(f"admin:{meta.app_label}_{meta.model_name}_add")
    assert staff_client.get(add).status_code in (200, 403)
    instance = model._default_manager.first()
    if instance is not None:
        change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[instance.pk])
        assert staff_client.get(change).status_code == 200


def test_it_finds_bookings_by_equipment_lab_and_date(staff_client, facility, graphene_lab):
    url = reverse("admin:bookings_booking_changelist")
    day = facility.start_time
    by_equipment = staff_client.get(url, {"q": "Zeiss"})
    by_lab = staff_client.get(url, {"provider_lab": graphene_lab.pk})
    by_date = staff_client.get(
        url, {"start_time__year": day.year, "start_time__month": day.month, "start_time__day": day.day}
    )
    other_date = staff_client.get(url, {"start_time__year": day.year - 3})
    for response in (by_equipment, by_lab, by_date):
        assert response.context["cl"].result_count == 1
    assert other_date.context["cl"].result_count == 0


def test_it_shows_the_hierarchy(staff_client, graphene_lab, physics, cambridge):
    lab_page = staff_client.get(reverse("admin:accounts_account_change", args=[graphene_lab.pk]))
    organisation_page = staff_client.get(reverse("admin:accounts_account_change", args=[cambridge.pk]))
    assert b"University of Cambridge</a> \xe2\x80\xba <a" in lab_page.content
    assert b"Physics</a> (department)" in organisation_page.content
    assert b"Graphene Lab</a> (lab)" in organisation_page.content


def test_it_refuses_a_wrong_hierarchy_with_the_rule(staff_client, graphene_lab):
    response = staff_client.post(
        reverse("admin:accounts_account_add"),
        {
            "account_type": "department",
            "name": "Orphan",
            "sector": "academia",
            "timezone": "Europe/London",
            "memberships-TOTAL_FORMS": 0,
            "memberships-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert "A department must belong to an organisation." in response.content.decode()


def test_it_refuses_a_bad_form_response_in_the_admin(staff_client, facility):
    response_row = CustomFormResponse.objects.get()
    url = reverse("admin:bookings_customformresponse_change", args=[response_row.pk])
    bad = list(GOOD_ANSWERS)
    bad[4] = 1000
    page = staff_client.post(
        url,
        {
            "booking": facility.pk,
            "version": response_row.version_id,
            "answers": json.dumps(bad),
            "created_at_0": "2026-01-01",
            "created_at_1": "10:00:00",
            "updated_at_0": "2026-01-01",
            "updated_at_1": "10:00:00",
        },
    )
    assert page.status_code == 200
    assert "field 5 (Estimated samples) must be at most 100" in page.content.decode()
