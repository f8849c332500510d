"""Checks against openapi.yaml (the contract) and against the reference's samples (the wire)."""

from functools import cache
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

OPENAPI_PATH = Path(__file__).resolve().parents[2] / "openapi.yaml"
DOCUMENT_URI = "urn:labshare:openapi"
# Fields Labshare adds to the reference's shapes (x-labshare-extension in openapi.yaml).
CHANGE_TIMES = frozenset({"created_at", "updated_at"})


@cache
def openapi() -> dict:
    return yaml.safe_load(OPENAPI_PATH.read_text())


@cache
def registry() -> Registry:
    document = Resource.from_contents(openapi(), default_specification=DRAFT202012)
    return Registry().with_resource(DOCUMENT_URI, document)


def escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def at_pointer(pointer: str) -> dict:
    node = openapi()
    for part in pointer.removeprefix("/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def response_pointer(template: str, status: int) -> str:
    """Where the response for this status is declared, following a $ref to components."""
    pointer = f"/paths/{escape(template)}/get/responses/{status}"
    while "$ref" in at_pointer(pointer):
        pointer = at_pointer(pointer)["$ref"].removeprefix("#")
    return pointer


def assert_matches_contract(response, template: str) -> None:
    """The status is declared, the body fits its schema, the required headers are there."""
    operation = openapi()["paths"][template]["get"]
    assert str(response.status_code) in operation["responses"], (
        f"{template} answered {response.status_code}, which openapi.yaml does not declare"
    )
    assert response["Content-Type"].startswith("application/json")
    pointer = response_pointer(template, response.status_code)
    for name, header in at_pointer(pointer).get("headers", {}).items():
        required = at_pointer(header["$ref"].removeprefix("#")) if "$ref" in header else header
        if required.get("required"):
            assert name in response.headers, f"{template} {response.status_code} lacks {name}"
    schema = {"$ref": f"{DOCUMENT_URI}#{pointer}/content/application~1json/schema"}
    validator = Draft202012Validator(schema, registry=registry(), format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(response.json()), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


def assert_same_shape(
    actual: object, sample: object, where: str = "$", extra: frozenset = frozenset()
) -> None:
    """Same field names and nesting, same JSON types, as the reference's sample.

    A null in either is accepted where the other has a value: openapi.yaml says which fields
    may be null, and the tests that build full records check that none is null there.
    """
    if actual is None or sample is None:
        return
    assert json_type(actual) == json_type(sample), f"{where}: {json_type(actual)} vs {json_type(sample)}"
    if isinstance(sample, dict):
        missing = set(sample) - set(actual)
        unexpected = set(actual) - set(sample) - extra
        assert not missing and not unexpected, f"{where}: missing {missing}, unexpected {unexpected}"
        for key, value in sample.items():
            assert_same_shape(actual[key], value, f"{where}.{key}")
    elif isinstance(sample, list):
        for index, item in enumerate(actual):
            assert_same_shape(
                item, sample[min(index, len(sample) - 1)] if sample else item, f"{where}[{index}]"
            )
