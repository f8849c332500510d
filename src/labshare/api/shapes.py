"""The JSON shape of each answer, declared once, field for field as the v0.1.5 samples."""

from itertools import groupby

import orjson

from labshare.api.timestamps import local_time, money, number, utc_time
from labshare.bookings.forms_schema import form_response


def person_name(first_name: str | None, last_name: str | None, email: str | None) -> str:
    return f"{first_name or ''} {last_name or ''}".strip() or (email or "")


def id_and_name(row: dict, prefix: str) -> dict | None:
    """{"id", "name"} from `<prefix>_id` and `<prefix>_name`, or None when there is none."""
    if row[f"{prefix}_id"] is None:
        return None
    return {"id": row[f"{prefix}_id"], "name": row[f"{prefix}_name"]}


def person(row: dict, prefix: str) -> dict | None:
    if row[f"{prefix}_id"] is None:
        return None
    name = person_name(row[f"{prefix}_first_name"], row[f"{prefix}_last_name"], row[f"{prefix}_email"])
    return {"id": row[f"{prefix}_id"], "name": name}


def note(message: str | None) -> dict | None:
    return None if message is None else {"message": message}


def change_times(row: dict) -> dict:
    """`created_at` and `updated_at` (an extension: the cursor fields of incremental sync)."""
    return {"created_at": utc_time(row["created_at"]), "updated_at": utc_time(row["updated_at"])}


def json_value(value: str | bytes | list | dict) -> list | dict:
    """A JSON column: text on SQLite and through a raw PostgreSQL cursor alike."""
    return orjson.loads(value) if isinstance(value, (str, bytes)) else value


# Accounts -------------------------------------------------------------------------------


def account_item(row: dict) -> dict:
    return {
        "id": row["id"],
        "name": row["name"],
        "account_type": row["account_type"],
        "organisation": row["organisation_id"],
        "department": row["department_id"],
        **change_times(row),
    }


def account_detail(row: dict, children: list[dict]) -> dict:
    def parent(kind: str) -> dict | None:
        if row[f"{kind}_id"] is None:
            return None
        return {"name": row[f"{kind}_name"], "id": row[f"{kind}_id"]}

    return {
        "id": row["id"],
        "name": row["name"],
        "account_type": row["account_type"],
        "sector": row["sector"],
        "description": row["description"],
        "timezone": row["timezone"],
        "department": parent("department"),
        "organisation": parent("organisation"),
        "labs": [{"id": c["id"], "name": c["name"]} for c in children if c["account_type"] == "lab"],
        "departments": [
            {"id": c["id"], "name": c["name"]} for c in children if c["account_type"] == "department"
        ],
        **change_times(row),
    }


# Bookings -------------------------------------------------------------------------------


def booking_item(row: dict) -> dict:
    return {
        "id": row["id"],
        "start_time": local_time(row["start_time"], row["timezone"]),
        "end_time": local_time(row["end_time"], row["timezone"]),
        "status": row["status"],
        "booking_type": row["booking_type"],
        "equipment_id": row["equipment_id"],
        "user_id": row["requester_id"],
        "equipment": {"name": row["equipment_name"]},
        "last_public_note": note(row["last_public_note"]),
        **change_times(row),
    }


def booking_projects(rows: list[dict]) -> list[dict]:
    projects = []
    for _, project_rows in groupby(rows, key=lambda r: r["id"]):
        project_rows = list(project_rows)
        first = project_rows[0]
        projects.append(
            {
                "id": first["id"],
                "name": first["name"],
                "supervisor": first["supervisor"],
                "funding_codes": [
                    {
                        "code": r["code"],
                        "funder": r["funder_name"],
                        "amount": number(r["allocated_amount"]),
                        "currency": r["currency"],
                    }
                    for r in project_rows
                    if r["funding_code_id"] is not None
                ],
            }
        )
    return projects


def booking_detail(row: dict) -> dict:
    """Of a row of queries.BOOKING, its form responses and projects as JSON (`json_rows`)."""
    timezone = row["timezone"]
    return {
        "id": row["id"],
        "cost": money(row["cost"]),
        "currency": row["currency"],
        "charging_type": row["charging_type"],
        "start_time": local_time(row["start_time"], timezone),
        "end_time": local_time(row["end_time"], timezone),
        "requested_at": utc_time(row["requested_at"]),
        "booking_type": row["booking_type"],
        "status": row["status"],
        "duration": row["duration"],
        "add_ons": row["add_ons"],
        "requester_group": None if row["group_id"] is None else {"name": row["group_name"]},
        "equipment": id_and_name(row, "equipment"),
        "parent_equipment": id_and_name(row, "parent"),
        "requester_lab": id_and_name(row, "requester_lab"),
        "requester_organisation": id_and_name(row, "requester_organisation"),
        "provider_lab": id_and_name(row, "provider_lab"),
        "provider_organisation": id_and_name(row, "provider_organisation"),
        "creator": person(row, "creator"),
        "requester": {
            **person(row, "requester"),
            "email": row["requester_email"],
            "sector": row["requester_sector"],
        },
        "custom_form_responses": [
            {"response_id": r["id"], "custom_form_version_id": r["number"]}
            for r in json_value(row["form_responses"])
        ],
        "last_public_note": note(row["last_public_note"]),
        "projects": booking_projects(json_value(row["projects"])),
        **change_times(row),
    }


def custom_form_response(row: dict) -> dict:
    created_by = None
    if row["author_id"] is not None:
        created_by = person_name(row["first_name"], row["last_name"], row["email"])
    return {
        "custom_form_response_id": row["id"],
        "custom_form_id": row["form_id"],
        "custom_form_version_id": row["number"],
        "booking_reference_id": row["booking_id"],
        "created_by": created_by,
        "created_at": utc_time(row["created_at"]),
        "updated_at": utc_time(row["updated_at"]),
        "form_response": form_response(json_value(row["fields"]), json_value(row["answers"])),
    }


# Equipment ------------------------------------------------------------------------------


def equipment_item(row: dict) -> dict:
    return {
        "id": row["id"],
        "name": row["name"],
        "description": row["description"],
        "room": row["room"],
        "availability_status": row["availability_status"],
        "model": row["model"],
        "manufacturer": row["manufacturer"],
        "sub_category": id_and_name(row, "sub_category"),
        "contact_person": person(row, "contact"),
        "parent_id": row["parent_id"],
        "parent_name": row["parent_name"],
        **change_times(row),
    }


def equipment_detail(row: dict) -> dict:
    return {
        "id": row["id"],
        "name": row["name"],
        "room": row["room"],
        "manufacturer": row["manufacturer"],
        "model": row["model"],
        # Older clients read model_number (REAL_CLIENTS.md); both are sent.
        "model_number": row["model"],
        "city": row["city"],
        "country": row["country"],
        "currency": row["currency"],
        "charging_type": row["charging_type"],
        "description": row["description"],
        "category": None if row["category_name"] is None else {"name": row["category_name"]},
        "lab": id_and_name(row, "lab"),
        "parent_id": row["parent_id"],
        "parent_name": row["parent_name"],
        "manufacturing_year": row["manufacturing_year"],
        "serial_number": row["serial_number"],
        **change_times(row),
    }


def equipment_booking_item(row: dict) -> dict:
    return {
        "id": row["id"],
        "asset_id": row["equipment_id"],
        "start_time": local_time(row["start_time"], row["timezone"]),
        "end_time": local_time(row["end_time"], row["timezone"]),
        "status": row["status"],
        **change_times(row),
    }


# Groups ---------------------------------------------------------------------------------


def group_item(row: dict) -> dict:
    return {"id": row["id"], "name": row["name"], **change_times(row)}


def group_detail(rows: list[dict]) -> dict:
    first = rows[0]
    return {
        "id": first["id"],
        "name": first["name"],
        "equipment": [
            {"id": r["equipment_id"], "name": r["equipment_name"]}
            for r in rows
            if r["equipment_id"] is not None
        ],
        **change_times(first),
    }


# Projects -------------------------------------------------------------------------------


def project_items(rows: list[dict]) -> list[dict]:
    """The page's projects from one row per (project, funding code)."""
    projects = []
    for _, project_rows in groupby(rows, key=lambda r: r["id"]):
        project_rows = list(project_rows)
        first = project_rows[0]
        projects.append(
            {
                "id": first["id"],
                "name": first["name"],
                "created_by": person(first, "creator"),
                "supervisor": first["supervisor"],
                "funding_codes": [
                    {"id": r["funding_code_id"], "name": r["code"]}
                    for r in project_rows
                    if r["funding_code_id"] is not None
                ],
                **change_times(first),
            }
        )
    return projects


def project_detail(rows: list[dict], selected_users: list[dict]) -> dict:
    first = rows[0]
    return {
        "name": first["name"],
        "supervisor": first["supervisor"],
        "additional_information": first["additional_information"],
        "funding_codes": [
            {
                "id": r["funding_code_id"],
                "name": r["code"],
                "funder_name": r["funder_name"],
                "funder_type": r["funder_type"],
                "expiry_date": None if r["expiry_date"] is None else str(r["expiry_date"]),
                "allocated_amount": number(r["allocated_amount"]),
                "spent_amount": number(r["spent_amount"]),
            }
            for r in rows
            if r["funding_code_id"] is not None
        ],
        "selected_users": [
            {"id": u["id"], "name": person_name(u["first_name"], u["last_name"], u["email"])}
            for u in selected_users
        ],
        **change_times(first),
    }


def user(row: dict) -> dict:
    return {"id": row["id"], "first_name": row["first_name"], "last_name": row["last_name"]}
