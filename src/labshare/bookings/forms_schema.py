"""The custom form field types of the v0.1.5 reference, their validations, and answer checks.

A form version's `fields` is a list of dicts such as
{"type": "number", "text": "Estimated samples", "helperText": "...",
 "validations": {"isRequired": true, "allowDecimals": false, "minValue": 1, "maxValue": 100}}.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

# Each type and the validation keys it accepts, with their JSON types.
FIELD_VALIDATIONS: dict[str, dict[str, tuple[type, ...]]] = {
    "heading": {},
    "paragraph": {},
    "shortText": {"isRequired": (bool,)},
    "longText": {"isRequired": (bool,)},
    "number": {
        "isRequired": (bool,),
        "allowDecimals": (bool,),
        "minValue": (int, float),
        "maxValue": (int, float),
    },
    "valueUnit": {"isRequired": (bool,), "allowDecimals": (bool,), "unitType": (str,)},
    "dateTime": {"isRequired": (bool,), "onlyDate": (bool,)},
    "radioButton": {"isRequired": (bool,)},
    "dropdown": {"isRequired": (bool,)},
    "checkboxGroup": {"isRequired": (bool,)},
    "fileUpload": {"isRequired": (bool,)},
    "imageUpload": {"isRequired": (bool,)},
}
FIELD_TYPES = tuple(FIELD_VALIDATIONS)
DISPLAY_ONLY = {"heading", "paragraph"}
WITH_OPTIONS = {"radioButton", "dropdown", "checkboxGroup"}
UPLOADS = {"fileUpload", "imageUpload"}
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".tif", ".tiff", ".bmp")


def _label(index: int, field: dict) -> str:
    return f"field {index + 1} ({field.get('text') or field.get('type')!s})"


def validate_form_fields(fields: Any) -> None:
    """Refuse a form definition that is not a list of well-formed, known field types."""
    if not isinstance(fields, list) or not fields:
        raise ValidationError("A form version needs a non-empty list of fields.")
    for index, field in enumerate(fields):
        if not isinstance(field, dict):
            raise ValidationError(f"Field {index + 1} must be an object.")
        kind = field.get("type")
        if kind not in FIELD_VALIDATIONS:
            raise ValidationError(
                f"Field {index + 1} has unknown type {kind!r}; expected one of {', '.join(FIELD_TYPES)}."
            )
        if not isinstance(field.get("text"), str) or not field["text"].strip():
            raise ValidationError(f"Field {index + 1} ({kind}) needs a text.")
        validations = field.get("validations", {})
        if kind in DISPLAY_ONLY:
            if validations:
                raise ValidationError(f"{_label(index, field)}: a {kind} takes no validations.")
            continue
        if not isinstance(validations, dict):
            raise ValidationError(f"{_label(index, field)}: validations must be an object.")
        allowed = FIELD_VALIDATIONS[kind]
        for key, value in validations.items():
            if key not in allowed:
                raise ValidationError(f"{_label(index, field)}: {kind} has no validation {key!r}.")
            if isinstance(value, bool) and bool not in allowed[key]:
                raise ValidationError(f"{_label(index, field)}: {key} must be a number.")
            if not isinstance(value, allowed[key]):
                raise ValidationError(f"{_label(index, field)}: {key} has the wrong type.")
        low, high = validations.get("minValue"), validations.get("maxValue")
        if low is not None and high is not None and low > high:
            raise ValidationError(f"{_label(index, field)}: minValue is greater than maxValue.")
        if kind in WITH_OPTIONS:
            options = field.get("options")
            if (
                not isinstance(options, list)
                or not options
                or not all(isinstance(o, str) and o for o in options)
                or len(set(options)) != len(options)
            ):
                raise ValidationError(f"{_label(index, field)}: options must be a list of distinct strings.")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _check_answer(kind: str, field: dict, value: Any) -> str | None:
    """Return what is wrong with one non-empty answer, or None."""
    rules = field.get("validations", {})
    if kind in ("shortText", "longText"):
        return None if isinstance(value, str) else "must be text"
    if kind in ("number", "valueUnit"):
        if not _is_number(value):
            return "must be a number"
        if not rules.get("allowDecimals", False) and value != int(value):
            return "must be a whole number"
        if rules.get("minValue") is not None and value < rules["minValue"]:
            return f"must be at least {rules['minValue']}"
        if rules.get("maxValue") is not None and value > rules["maxValue"]:
            return f"must be at most {rules['maxValue']}"
        return None
    if kind == "dateTime":
        if not isinstance(value, str):
            return "must be an ISO 8601 date-time string"
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return "must be an ISO 8601 date-time string"
        return None
    if kind in ("radioButton", "dropdown"):
        return None if value in field["options"] else f"must be one of {', '.join(field['options'])}"
    if kind == "checkboxGroup":
        if not isinstance(value, list) or any(v not in field["options"] for v in value):
            return f"must be a list of options from {', '.join(field['options'])}"
        return "lists an option twice" if len(set(value)) != len(value) else None
    if kind in UPLOADS:
        if not isinstance(value, list) or not all(
            isinstance(f, dict) and isinstance(f.get("signed_id"), str) and isinstance(f.get("filename"), str)
            for f in value
        ):
            return "must be a list of files, each with signed_id and filename"
        if kind == "imageUpload" and any(not f["filename"].lower().endswith(IMAGE_EXTENSIONS) for f in value):
            return "accepts only image files"
        return None
    return None


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def answer_errors(fields: list[dict], answers: Any) -> dict[int | None, str]:
    """What is wrong with the answers, by field index (None: the list as a whole)."""
    if not isinstance(answers, list) or len(answers) != len(fields):
        return {None: f"Expected a list of {len(fields)} answers, one per field."}
    errors: dict[int | None, str] = {}
    for index, (field, value) in enumerate(zip(fields, answers, strict=True)):
        kind = field["type"]
        if kind in DISPLAY_ONLY:
            if value is not None:
                errors[index] = f"{_label(index, field)} is not a question."
            continue
        if _is_empty(value):
            if field.get("validations", {}).get("isRequired"):
                errors[index] = f"{_label(index, field)} is required."
            continue
        problem = _check_answer(kind, field, value)
        if problem:
            errors[index] = f"{_label(index, field)} {problem}."
    return errors


def validate_answers(fields: list[dict], answers: Any) -> None:
    """Refuse answers that do not fit the form version, naming the (first wrong) field."""
    errors = answer_errors(fields, answers)
    if errors:
        raise ValidationError({"answers": next(iter(errors.values()))})


def form_response(fields: list[dict], answers: list) -> list[dict]:
    """The reference's `form_response`: each field as defined, with its `value` for questions."""
    return [
        dict(field) if field["type"] in DISPLAY_ONLY else {**field, "value": value}
        for field, value in zip(fields, answers, strict=True)
    ]
