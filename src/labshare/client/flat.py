"""BI-ready tables, as SQL over the pulled tables: flat columns, child tables, local times.

Derived from the contract like the tables themselves: a nested object becomes one column per
field (`provider_lab` -> `provider_lab_id`, `provider_lab_name`), an array of objects its own
table with the parent's key and the item's position (`booking_projects`, and inside it
`booking_funding_codes`), other arrays and free-form values stay JSON text. The client's
bookkeeping (`_list_hash`, ...) is left out. Bookings also get their start and end in the
provider lab's local time with the time zone's name.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from labshare.client.tables import (
    ID,
    JSON,
    RESOURCE_SCHEMAS,
    TABLES,
    column_type,
    contract_schemas,
    json_type,
    resolve,
)

# Child tables named as a BI user would look for them (others are `<table>_<field>`).
CHILD_NAMES = {
    ("bookings", "projects"): "booking_projects",
    ("booking_projects", "funding_codes"): "booking_funding_codes",
    ("bookings", "custom_form_responses"): "booking_form_responses",
    ("custom_form_responses", "form_response"): "form_answers",
    ("projects", "funding_codes"): "project_funding_codes",
    ("projects", "selected_users"): "project_users",
    ("groups", "equipment"): "group_equipment",
    ("accounts", "labs"): "account_labs",
    ("accounts", "departments"): "account_departments",
}
PARENT_KEYS = {
    "bookings": "booking_id",
    "booking_projects": "project_id",
    "custom_form_responses": "custom_form_response_id",
    "projects": "project_id",
    "groups": "group_id",
    "accounts": "account_id",
}
# The lab whose time zone a table's times are local to, and those times.
LOCAL_TIMES = {"bookings": ("provider_lab", ("start_time", "end_time"))}


@dataclass(frozen=True)
class FlatTable:
    name: str
    sql: str


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _object_properties(schema: dict[str, Any]) -> dict[str, Any] | None:
    schema = resolve(schema)
    if json_type(schema) == "object" and schema.get("properties"):
        return schema["properties"]
    return None


def _array_items(schema: dict[str, Any]) -> dict[str, Any] | None:
    schema = resolve(schema)
    if json_type(schema) == "array" and "items" in schema:
        return _object_properties(schema["items"])
    return None


def _typed(json_value: str, schema: dict[str, Any]) -> str:
    """A JSON value as a typed column; where its type varies, a string as it is and anything
    else as JSON text."""
    kind = column_type(schema)
    if kind == JSON:
        return (
            f"CASE WHEN json_type({json_value}) IN ('ARRAY', 'OBJECT') THEN CAST({json_value} AS VARCHAR)"
            f" ELSE json_extract_string({json_value}, '$') END"
        )
    return f"CAST(json_extract_string({json_value}, '$') AS {kind})"


def _columns(
    fields: dict[str, Any], raw: Callable[[str], str], from_json: bool, taken: set[str]
) -> list[tuple[str, str]]:
    """(expression, column name) for `fields`: a nested object spread into `<field>_<name>`
    columns (but for a name already taken), anything else one column. `raw(field)` is the
    field's expression: a JSON value when `from_json`, else a column of the pulled table."""
    columns = []
    for field, schema in fields.items():
        nested = _object_properties(schema)
        if nested:
            for inner, inner_schema in nested.items():
                name = f"{field}_{inner}"
                if name not in taken:
                    columns.append((_typed(f"{raw(field)}->'{inner}'", inner_schema), name))
                    taken.add(name)
            continue
        if from_json:
            expression = _typed(raw(field), schema)
        elif column_type(schema) == JSON:
            expression = f"CAST({raw(field)} AS VARCHAR)"
        else:
            expression = raw(field)
        columns.append((expression, field))
        taken.add(field)
    return columns


def _select(columns: list[tuple[str, str]]) -> str:
    return ", ".join(f"{expression} AS {_quoted(name)}" for expression, name in columns)


def _children(
    parent: str,
    rows: str,
    keys: list[tuple[str, str]],
    array_of: Callable[[str], str],
    fields: dict[str, Any],
    depth: int = 1,
) -> list[FlatTable]:
    """The child tables of the arrays of objects among `fields`: `rows` is the parent's rows,
    `keys` (name, expression) the columns that name a parent row, `array_of(field)` the array."""
    tables = []
    for field, schema in fields.items():
        items = _array_items(schema)
        if not items:
            continue
        name = CHILD_NAMES.get((parent, field), f"{parent}_{field}")
        array = f"({array_of(field)})"
        element = f"element{depth}"  # not the parent's element, in the same select
        child_rows = (
            f"SELECT {_select([(expression, key) for key, expression in keys])},"
            f" unnest(CAST({array} AS JSON[])) AS {element},"
            f" unnest(range(1, CAST(json_array_length({array}) AS BIGINT) + 1)) AS position"
            f" FROM {rows} WHERE {array} IS NOT NULL"
        )
        key_names = [key for key, _ in keys]
        columns = _columns(
            items, lambda item, element=element: f"{element}->'{item}'", True, {*key_names, "position"}
        )
        own = [(_quoted(key), key) for key in key_names] + [("position", "position")] + columns
        tables.append(FlatTable(name, f"SELECT {_select(own)} FROM ({child_rows})"))
        if "id" in items and name in PARENT_KEYS:  # arrays inside the items: grandchildren
            inner_keys = [(key, _quoted(key)) for key in key_names]
            inner_keys.append((PARENT_KEYS[name], f"CAST({element}->>'id' AS BIGINT)"))
            tables += _children(
                name,
                f"({child_rows})",
                inner_keys,
                lambda inner, element=element: f"{element}->'{inner}'",
                items,
            )
    return tables


def _contract_fields(schema_names: tuple[str, ...]) -> dict[str, Any]:
    """Each field's JSON schema across a resource's schemas; a later one wins (the details')."""
    fields: dict[str, Any] = {}
    for schema_name in schema_names:
        fields.update(contract_schemas()[schema_name]["properties"])
    return fields


def flat_tables(table_name: str) -> list[FlatTable]:
    """The BI-ready version of a pulled table, then its child tables."""
    resource = next(resource for resource in RESOURCE_SCHEMAS if resource.table == table_name)
    table = TABLES[table_name]
    fields = _contract_fields(resource.schemas)
    for name, kind in resource.extra:  # the client's own columns, but its bookkeeping
        if not name.startswith("_") and name not in fields:
            fields[name] = {"type": "integer"} if kind == ID else {"type": "string"}

    columns = _columns(fields, lambda field: f"t.{_quoted(field)}", False, set(fields))
    source = f"{_quoted(table_name)} t"
    if table_name in LOCAL_TIMES:
        lab, times = LOCAL_TIMES[table_name]
        source += f" LEFT JOIN accounts zone ON zone.id = CAST(t.{_quoted(lab)}->>'id' AS BIGINT)"
        columns.append(("zone.timezone", "time_zone"))
        columns += [(f"timezone(zone.timezone, t.{_quoted(time)})", f"{time}_local") for time in times]
    main = FlatTable(table_name, f"SELECT {_select(columns)} FROM {source}")
    keys = [(PARENT_KEYS.get(table_name, table.key), _quoted(table.key))]
    return [main, *_children(table_name, _quoted(table_name), keys, _quoted, fields)]


def all_flat_tables(table_names: Iterable[str]) -> list[FlatTable]:
    return [flat for name in table_names for flat in flat_tables(name)]
