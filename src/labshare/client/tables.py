"""The local tables a pull writes: one per resource, the reference's field names as columns.

The columns come from the API's contract (`openapi.yaml`, shipped with the package): every
property of a resource's list item and of its details, typed from its JSON schema. Nested
objects and lists are JSON columns (`requester_lab->>'id'` in DuckDB); date-times are
TIMESTAMPTZ; `cost` (a string of two decimals) is an exact decimal. Columns whose name starts
with `_` are the client's bookkeeping.
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

CONTRACT = Path(__file__).resolve().parent.parent / "api" / "openapi.yaml"

ID, TEXT, TIME, DAY, JSON, MONEY, NUMBER, FLAG = (
    "BIGINT",
    "VARCHAR",
    "TIMESTAMPTZ",
    "DATE",
    "JSON",
    "DECIMAL(14,2)",
    "DOUBLE",
    "BOOLEAN",
)
DECIMAL_PATTERN = "^\\d+\\.\\d{2}$"  # how the contract writes an amount as a string


@dataclass(frozen=True)
class Table:
    name: str
    key: str
    columns: tuple[tuple[str, str], ...]

    @property
    def column_names(self) -> list[str]:
        return [name for name, _ in self.columns]

    @property
    def data_columns(self) -> list[str]:
        """The columns but the client's bookkeeping."""
        return [name for name in self.column_names if not name.startswith("_")]


@dataclass(frozen=True)
class Resource:
    """A table: the contract's schemas its rows merge (list item, then details) and the
    columns the client adds."""

    table: str
    key: str
    schemas: tuple[str, ...]
    extra: tuple[tuple[str, str], ...] = ()


BOOKKEEPING = (("_list_hash", TEXT), ("_synced_at", TIME))
PER_LAB = (("lab_id", ID),)  # the lab whose list the record came from

RESOURCE_SCHEMAS = (
    Resource("user", "id", ("User",), BOOKKEEPING),
    # The list gives parent ids, the details {id, name} objects under the same names.
    Resource(
        "accounts",
        "id",
        ("AccountItem", "Account"),
        (("organisation_id", ID), ("department_id", ID), *BOOKKEEPING),
    ),
    Resource("equipment", "id", ("EquipmentItem", "Equipment"), (*PER_LAB, *BOOKKEEPING)),
    Resource("groups", "id", ("GroupItem", "Group"), (*PER_LAB, *BOOKKEEPING)),
    Resource("projects", "id", ("ProjectItem", "Project"), (*PER_LAB, *BOOKKEEPING)),
    Resource("bookings", "id", ("BookingItem", "Booking"), (("_details_at", TIME), *BOOKKEEPING)),
    Resource("custom_form_responses", "custom_form_response_id", ("CustomFormResponse",), BOOKKEEPING),
)
RESOURCES = tuple(resource.table for resource in RESOURCE_SCHEMAS)


@cache
def contract_schemas() -> dict[str, Any]:
    with CONTRACT.open(encoding="utf-8") as file:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # safe either way; the C one is faster
        return yaml.load(file, Loader=loader)["components"]["schemas"]  # noqa: S506


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema a property means: references followed, `X or null` taken as X."""
    schemas = contract_schemas()
    while True:
        if "$ref" in schema:
            schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
        elif "anyOf" in schema:
            options = [option for option in schema["anyOf"] if option.get("type") != "null"]
            if len(options) != 1:
                return {"type": "object"}
            schema = options[0]
        else:
            return schema


def json_type(schema: dict[str, Any]) -> str:
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kinds = [item for item in kind if item != "null"]
        kind = kinds[0] if len(kinds) == 1 else "object"
    return kind


def column_type(schema: dict[str, Any]) -> str:
    schema = resolve(schema)
    kind = json_type(schema)
    if kind == "integer":
        return ID
    if kind == "number":
        return NUMBER
    if kind == "boolean":
        return FLAG
    if kind == "string":
        if schema.get("format") == "date-time":
            return TIME
        if schema.get("format") == "date":
            return DAY
        if schema.get("pattern") == DECIMAL_PATTERN:
            return MONEY
        return TEXT
    return JSON


def contract_columns(schema_names: tuple[str, ...]) -> dict[str, str]:
    """Every property of the schemas, in order; a later schema's type wins (the details')."""
    columns: dict[str, str] = {}
    for schema_name in schema_names:
        for name, schema in contract_schemas()[schema_name]["properties"].items():
            columns[name] = column_type(schema)
    return columns


def _table(resource: Resource) -> Table:
    columns = contract_columns(resource.schemas)
    for name, kind in resource.extra:
        columns.setdefault(name, kind)
    return Table(resource.table, resource.key, tuple(columns.items()))


TABLES: dict[str, Table] = {resource.table: _table(resource) for resource in RESOURCE_SCHEMAS}
