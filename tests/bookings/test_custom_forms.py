"""Custom form versions hold typed fields; responses are validated against them."""

import copy
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from labshare.bookings.forms_schema import FIELD_TYPES, form_response
from labshare.bookings.models import Booking, CustomForm, CustomFormResponse, CustomFormVersion
from labshare.equipment.models import Equipment

EVERY_FIELD = [
    {"type": "heading", "text": "Project details"},
    {"type": "paragraph", "text": "Provide the requested project information for this booking."},
    {
        "type": "shortText",
        "text": "Project code",
        "helperText": "Internal reference",
        "validations": {"isRequired": True},
    },
    {
        "type": "longText",
        "text": "Experiment summary",
        "helperText": "Brief",
        "validations": {"isRequired": False},
    },
    {
        "type": "number",
        "text": "Estimated samples",
        "helperText": "How many",
        "validations": {"allowDecimals": False, "isRequired": True, "minValue": 1, "maxValue": 100},
    },
    {
        "type": "valueUnit",
        "text": "Target thickness",
        "helperText": "nm",
        "validations": {"allowDecimals": True, "isRequired": True, "unitType": "nm"},
    },
    {
        "type": "dateTime",
        "text": "Completion date",
        "helperText": "Date only",
        "validations": {"isRequired": False, "onlyDate": True},
    },
    {
        "type": "radioButton",
        "text": "Sample condition",
        "helperText": "One",
        "options": ["Dry", "Wet"],
        "validations": {"isRequired": True},
    },
    {
        "type": "dropdown",
        "text": "Method",
        "helperText": "One",
        "options": ["AFM", "SEM"],
        "validations": {"isRequired": True},
    },
    {
        "type": "checkboxGroup",
        "text": "Safety",
        "helperText": "All that apply",
        "options": ["Gloves", "Goggles"],
        "validations": {"isRequired": True},
    },
    {"type": "fileUpload", "text": "Documents", "helperText": "Files", "validations": {"isRequired": False}},
    {"type": "imageUpload", "text": "Images", "helperText": "Pictures", "validations": {"isRequired": False}},
]
GOOD_ANSWERS = [
    None,
    None,
    "PRJ-2026-0042",
    "Surface analysis.",
    12,
    22.5,
    "2026-04-21T23:00:00.000Z",
    "Wet",
    "AFM",
    ["Gloves", "Goggles"],
    [{"signed_id": "abc--123", "filename": "summary.xlsx"}],
    [{"signed_id": "def--456", "filename": "sample.png"}],
]


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
    assert shaped[9]["value"] == ["Gloves", "Goggles"]


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
        (6, "next Tuesday", "field 7 (Completion date) must be an ISO 8601 date-time string"),
        (7, "Damp", "field 8 (Sample condition) must be one of Dry, Wet"),
        (8, "TEM", "field 9 (Method) must be one of AFM, SEM"),
        (9, [], "field 10 (Safety) is required"),
        (9, ["Helmet"], "field 10 (Safety) must be a list of options from Gloves, Goggles"),
        (9, ["Gloves", "Gloves"], "field 10 (Safety) lists an option twice"),
        (10, [{"filename": "x.pdf"}], "field 11 (Documents) must be a list of files"),
        (11, [{"signed_id": "a", "filename": "notes.pdf"}], "field 12 (Images) accepts only image files"),
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
