"""Each record in its detail shape (`GET /v1/<type>/{id}`), or None when the labs cannot see it:
what the detail views answer, and what /v1/changes shows of a created or updated record."""

from collections.abc import Collection, Sequence

from labshare.api import queries, shapes


def account(account_id: int, account_ids: Sequence[int]) -> dict | None:
    """`account_ids`: the labs, and the departments and organisations they sit in, ascending."""
    row = queries.account(account_id, account_ids)
    if row is None:
        return None
    children = [] if row["account_type"] == "lab" else queries.account_children(account_id, account_ids)
    return shapes.account_detail(row, children)


def booking(booking_id: int, labs: Collection[int]) -> dict | None:
    row = queries.booking(booking_id, labs)
    return None if row is None else shapes.booking_detail(row)


def custom_form_response(response_id: int, labs: Sequence[int]) -> dict | None:
    row = queries.custom_form_response(response_id, labs)
    return None if row is None else shapes.custom_form_response(row)


def equipment(equipment_id: int, labs: Collection[int]) -> dict | None:
    row = queries.equipment(equipment_id, labs)
    return None if row is None else shapes.equipment_detail(row)


def group(group_id: int, labs: Sequence[int]) -> dict | None:
    rows = queries.group_with_equipment(group_id, labs)
    return shapes.group_detail(rows) if rows else None


def project(project_id: int, labs: Sequence[int]) -> dict | None:
    rows = queries.project_with_funding_codes(project_id, labs)
    if not rows:
        return None
    return shapes.project_detail(rows, queries.project_selected_users(project_id))


def user(user_id: int) -> dict | None:
    row = queries.user(user_id)
    return None if row is None else shapes.user(row)
