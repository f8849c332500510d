"""The local tables a pull writes: one per resource, the reference's field names as columns.

Nested objects and lists are kept as JSON columns (`requester_lab->>'id'` in DuckDB);
times are TIMESTAMPTZ. Columns whose name starts with `_` are the client's bookkeeping.
"""

from dataclasses import dataclass

ID, TEXT, TIME, JSON, MONEY, NUMBER, FLAG = (
    "BIGINT",
    "VARCHAR",
    "TIMESTAMPTZ",
    "JSON",
    "DECIMAL(14,2)",
    "DOUBLE",
    "BOOLEAN",
)


@dataclass(frozen=True)
class Table:
    name: str
    key: str
    columns: tuple[tuple[str, str], ...]

    @property
    def column_names(self) -> list[str]:
        return [name for name, _ in self.columns]


BOOKKEEPING = (("_list_hash", TEXT), ("_synced_at", TIME))
PER_LAB = (("lab_id", ID),)  # the lab whose list the record came from

TABLES: dict[str, Table] = {
    table.name: table
    for table in (
        Table("user", "id", (("id", ID), ("first_name", TEXT), ("last_name", TEXT), *BOOKKEEPING)),
        Table(
            "accounts",
            "id",
            (
                ("id", ID),
                ("name", TEXT),
                ("account_type", TEXT),
                ("sector", TEXT),
                ("description", TEXT),
                ("timezone", TEXT),
                ("organisation", JSON),
                ("department", JSON),
                ("labs", JSON),
                ("departments", JSON),
                ("organisation_id", ID),
                ("department_id", ID),
                *BOOKKEEPING,
            ),
        ),
        Table(
            "equipment",
            "id",
            (
                ("id", ID),
                ("name", TEXT),
                ("description", TEXT),
                ("room", TEXT),
                ("availability_status", TEXT),
                ("model", TEXT),
                ("manufacturer", TEXT),
                ("sub_category", JSON),
                ("contact_person", JSON),
                ("parent_id", ID),
                ("parent_name", TEXT),
                ("city", TEXT),
                ("country", TEXT),
                ("currency", TEXT),
                ("charging_type", TEXT),
                ("category", JSON),
                ("lab", JSON),
                ("manufacturing_year", TEXT),
                ("serial_number", TEXT),
                *PER_LAB,
                *BOOKKEEPING,
            ),
        ),
        Table(
            "groups",
            "id",
            (("id", ID), ("name", TEXT), ("equipment", JSON), *PER_LAB, *BOOKKEEPING),
        ),
        Table(
            "projects",
            "id",
            (
                ("id", ID),
                ("name", TEXT),
                ("created_by", JSON),
                ("supervisor", TEXT),
                ("additional_information", TEXT),
                ("funding_codes", JSON),
                ("selected_users", JSON),
                *PER_LAB,
                *BOOKKEEPING,
            ),
        ),
        Table(
            "bookings",
            "id",
            (
                ("id", ID),
                ("start_time", TIME),
                ("end_time", TIME),
                ("status", TEXT),
                ("booking_type", TEXT),
                ("equipment_id", ID),
                ("user_id", ID),
                ("equipment", JSON),
                ("last_public_note", JSON),
                ("cost", MONEY),
                ("currency", TEXT),
                ("charging_type", TEXT),
                ("requested_at", TIME),
                ("duration", ID),
                ("add_ons", TEXT),
                ("requester_group", JSON),
                ("parent_equipment", JSON),
                ("requester_lab", JSON),
                ("requester_organisation", JSON),
                ("provider_lab", JSON),
                ("provider_organisation", JSON),
                ("creator", JSON),
                ("requester", JSON),
                ("custom_form_responses", JSON),
                ("projects", JSON),
                ("_details_at", TIME),
                *BOOKKEEPING,
            ),
        ),
        Table(
            "custom_form_responses",
            "custom_form_response_id",
            (
                ("custom_form_response_id", ID),
                ("custom_form_id", ID),
                ("custom_form_version_id", ID),
                ("booking_reference_id", ID),
                ("created_by", TEXT),
                ("created_at", TIME),
                ("updated_at", TIME),
                ("form_response", JSON),
                *BOOKKEEPING,
            ),
        ),
    )
}

RESOURCES = ("user", "accounts", "equipment", "groups", "projects", "bookings", "custom_form_responses")
