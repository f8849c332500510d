"""Custom form versions hold typed fields; responses are validated against them."""

import copy
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from labshare.bookings.forms_schema import FIELD_TYPES, form_response
from labshare.bookings.models import Booking, CustomForm, CustomFormResponse, CustomFormVersion
from labshare.equipment.models import Equipment
from tests.api.samples import FORM_ANSWERS, FORM_FIELDS

# The reference's own sample form, every field type; whole numbers only for the number field.
EVERY_FIELD = copy.deepcopy(FORM_FIELDS)
EVERY_FIELD[4]["validations"]["allowDecimals"] = False
GOOD_ANSWERS = FORM_ANSWERS


@pytest.fixture
def version(graphene_lab) -> CustomFormVersion:
    form = CustomForm.objects.create(lab=graphene_lab, name="Booking questions")
    return CustomFormVersion.objects.create(form=form, number=1, fields=EVERY_FIELD)


@pytest.fixture
def booking(graphene_lab, alice) -> Booking:
    equipment = Equipment.objects.create(lab=graphene_lab, name="AFM")
    start = timezone.now() + timedelta(days=1)
    return Booking.objects.create(
        equipment=equipment,
        requester=alice,
        requester_lab=graphene_lab,
        creator=alice,
        start_time=start,
        end_time=start + timedelta(hours=2),
    )


def test_it_covers_every_field_type_of_the_reference():
    assert {field["type"] for field in EVERY_FIELD} == set(FIELD_TYPES)


def test_it_stores_a_valid_response(version, booking, alice):
    response = CustomFormResponse.objects.create(
        booking=booking, version=version, created_by=alice, answers=GOOD_ANSWERS
    )
    shaped = form_response(version.fields, response.answers)
    assert shaped[0] == {"type": "heading", "text": "Project details"}
    assert shaped[4]["value"] == 12
    assert shaped[9]["value"] == ["Option 1", "Option 2"]


def test_it_accepts_empty_optional_answers(version, booking):
    answers = copy.deepcopy(GOOD_ANSWERS)
    answers[3] = answers[6] = None
    answers[10] = answers[11] = []
    CustomFormResponse.objects.create(booking=booking, version=version, answers=answers)


@pytest.mark.parametrize(
    ("index", "value", "message"),
    [
        (2, None, "field 3 (Project code) is required"),
        (2, 42, "field 3 (Project code) must be text"),
        (4, 0, "field 5 (Estimated samples) must be at least 1"),
        (4, 101, "field 5 (Estimated samples) must be at most 100"),
        (4, 2.5, "field 5 (Estimated samples) must be a whole number"),
        (4, "12", "field 5 (Estimated samples) must be a number"),
        (4, True, "field 5 (Estimated samples) must be a number"),
        (5, None, "field 6 (Target thickness) is required"),
        (5, "thick", "field 6 (Target thickness) must be a number"),
        (6, "next Tuesday", "field 7 (Requested completion date) must be an ISO 8601 date-time string"),
        (7, "Option 3", "field 8 (Sample condition) must be one of Option 1, Option 2"),
        (8, "Option 3", "field 9 (Analysis method) must be one of Option 1, Option 2"),
        (9, [], "field 10 (Safety requirements) is required"),
        (9, ["Helmet"], "field 10 (Safety requirements) must be a list of options from Option 1, Option 2"),
        (9, ["Option 1", "Option 1"], "field 10 (Safety requirements) lists an option twice"),
        (10, [{"filename": "x.pdf"}], "field 11 (Supporting documents) must be a list of files"),
        (
            11,
            [{"signed_id": "a", "filename": "notes.pdf"}],
            "field 12 (Sample images) accepts only image files",
        ),
        (0, "an answer", "field 1 (Project details) is not a question"),
    ],
)
def test_it_refuses_a_bad_answer_naming_the_field(version, booking, index, value, message):
    answers = copy.deepcopy(GOOD_ANSWERS)
    answers[index] = value
    with pytest.raises(ValidationError, match=r"(?i)" + message.replace("(", r"\(").replace(")", r"\)")):
        CustomFormResponse.objects.create(booking=booking, version=version, answers=answers)
    assert not CustomFormResponse.objects.exists()


def test_it_refuses_answers_of_the_wrong_length(version, booking):
    with pytest.raises(ValidationError, match="Expected a list of 12 answers"):
        CustomFormResponse.objects.create(booking=booking, version=version, answers=GOOD_ANSWERS[:-1])


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ([], "non-empty list of fields"),
        ([{"type": "signature", "text": "Sign"}], "unknown type 'signature'"),
        ([{"type": "shortText", "text": ""}], "needs a text"),
        ([{"type": "heading", "text": "H", "validations": {"isRequired": True}}], "takes no validations"),
        (
            [{"type": "shortText", "text": "T", "validations": {"minValue": 1}}],
            "has no validation 'minValue'",
        ),
        ([{"type": "number", "text": "N", "validations": {"minValue": True}}], "minValue must be a number"),
        (
            [{"type": "number", "text": "N", "validations": {"isRequired": "yes"}}],
            "isRequired has the wrong type",
        ),
        (
            [{"type": "number", "text": "N", "validations": {"minValue": 5, "maxValue": 1}}],
            "minValue is greater than maxValue",
        ),
        ([{"type": "dropdown", "text": "D", "options": []}], "options must be a list of distinct strings"),
        (
            [{"type": "radioButton", "text": "R", "options": ["A", "A"]}],
            "options must be a list of distinct strings",
        ),
    ],
)
def test_it_refuses_a_malformed_form_version(graphene_lab, fields, message):
    form = CustomForm.objects.create(lab=graphene_lab, name="Broken")
    with pytest.raises(ValidationError, match=message):
        CustomFormVersion.objects.create(form=form, number=1, fields=fields)
    assert not CustomFormVersion.objects.exists()
