"""The client's tables and records follow the API's contract (openapi.yaml), so that the
contract, the server and the client cannot drift apart: the server's answers are validated
against the same file in tests/api."""

from typing import get_type_hints

import pytest

from labshare.client import models
from labshare.client.store import Store
from labshare.client.tables import (
    FLAG,
    ID,
    JSON,
    MONEY,
    NUMBER,
    RESOURCE_SCHEMAS,
    TABLES,
    TEXT,
    TIME,
    contract_schemas,
)

RECORDS = {
    models.User: "User",
    models.AccountSummary: "AccountItem",
    models.Account: "Account",
    models.BookingSummary: "BookingItem",
    models.Booking: "Booking",
    models.EquipmentBooking: "EquipmentBookingItem",
    models.EquipmentSummary: "EquipmentItem",
    models.Equipment: "Equipment",
    models.ProjectSummary: "ProjectItem",
    models.Project: "Project",
    models.GroupSummary: "GroupItem",
    models.Group: "Group",
    models.CustomFormResponse: "CustomFormResponse",
}


@pytest.mark.parametrize("resource", RESOURCE_SCHEMAS, ids=lambda resource: resource.table)
def test_every_field_of_the_contract_is_a_column_of_its_table(resource, tmp_path):
    store = Store(tmp_path / "pulled.duckdb")
    stored = dict(
        store.db.execute(
            f"SELECT column_name, data_type FROM information_schema.columns WHERE table_name = '{resource.table}'"
        ).fetchall()
    )
    store.close()

    for schema_name in resource.schemas:
        for field in contract_schemas()[schema_name]["properties"]:
            assert field in stored, f"{schema_name}.{field} has no column in {resource.table}"
    assert set(stored) == set(TABLES[resource.table].column_names)


def test_columns_are_typed_from_the_json_schema():
    bookings = dict(TABLES["bookings"].columns)
    assert (bookings["id"], bookings["start_time"], bookings["requested_at"]) == (ID, TIME, TIME)
    assert (bookings["cost"], bookings["status"], bookings["requester"]) == (MONEY, TEXT, JSON)
    assert dict(TABLES["accounts"].columns)["organisation"] == JSON  # an id in the list, an object in details
    assert dict(TABLES["equipment"].columns)["parent_id"] == ID
    assert {NUMBER, FLAG}.isdisjoint(dict(TABLES["user"].columns).values())


@pytest.mark.parametrize(
    "record, schema_name", RECORDS.items(), ids=lambda value: getattr(value, "__name__", value)
)
def test_the_sdk_records_name_only_fields_of_the_contract(record, schema_name):
    fields = set(get_type_hints(record))
    properties = set(contract_schemas()[schema_name]["properties"])

    assert fields <= properties, f"{record.__name__} names {fields - properties}, not in {schema_name}"
