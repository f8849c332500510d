"""/v1: one function per endpoint. Each parses its input, runs its queries, shapes the answer."""

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import orjson
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from labshare.api import details, page_starts, queries, shapes
from labshare.api.auth import ApiRequest, api_view
from labshare.api.counts import cached_count, count_key, data_version
from labshare.api.errors import InsufficientScope, NotFound, json_response
from labshare.api.pagination import Page, page_response, requested_page
from labshare.api.parameters import (
    optional_boolean,
    optional_choice,
    optional_choices,
    optional_datetime,
    optional_id,
    record_id,
)
from labshare.api.queries import Filters
from labshare.bookings.models import BookingStatus

OPENAPI_PATH = Path(__file__).with_name("openapi.yaml")
BOOKING_VIEWS = ("list", "detail")


def updated_since_filter(request: HttpRequest) -> Filters:
    return Filters(updated_since=optional_datetime(request.GET, "updated_since"))


def booking_filters(request: HttpRequest) -> Filters:
    return Filters(
        updated_since=optional_datetime(request.GET, "updated_since"),
        start_after=optional_datetime(request.GET, "start_after"),
        start_before=optional_datetime(request.GET, "start_before"),
        statuses=optional_choices(request.GET, "status", BookingStatus.values),
    )


def detail_view(request: HttpRequest) -> bool:
    """`view=detail` (an extension): each booking of a list in the shape of /v1/bookings/{id}."""
    return optional_choice(request.GET, "view", BOOKING_VIEWS, default="list") == "detail"


def labs_of_account_parameter(request: ApiRequest, parameter: str) -> list[int]:
    """The token's labs, narrowed to those in the account the parameter names, if any."""
    account_id = optional_id(request.GET, parameter, "account")
    if account_id is None:
        return request.token.lab_ids
    return labs_under_account(request, account_id, parameter)


def labs_under_account(request: ApiRequest, account_id: int, parameter: str) -> list[int]:
    # Every account the token may read has a lab under it (or is one).
    labs = request.token.labs_under(account_id)
    if not labs:
        raise NotFound("account", account_id, parameter)
    return labs


def paginated(
    request: ApiRequest,
    name: str,
    parameters: list,
    count: Callable[[], int | None],
    page_rows: Callable[[Page, int, page_starts.Starts | None], list[dict]],
    shape: Callable[[list[dict]], list[dict]],
    missing: NotFound | None = None,
    starts_name: str | None = None,
) -> HttpResponse:
    """A list answer: the cached total, then one statement for the page (none past the end).
    `page_rows` is given the page, the total (by which a filtered list chooses its plan) and,
    for a list that remembers its page starts (`starts_name`; never for a sort=updated_at walk,
    which continues by its own keyset), where the page starts. The total is the list's
    whatever the page: a sort=updated_at cursor does not narrow it."""
    page = requested_page(request)
    version = data_version(request.stored_data_version)
    total_key = count_key(name, parameters, version)
    keys = (
        []
        if starts_name is None or page.by_updated_at
        else page_starts.start_keys(starts_name, parameters, page, version)
    )
    # One round trip for the total and the page's starts.
    found = cache.get_many([total_key, *keys])
    total = cached_count(total_key, found.get(total_key), count)
    if total is None and missing is not None:
        raise missing
    starts = page_starts.Starts(*keys, found) if keys else None
    rows = [] if page.is_past(total) else page_rows(page, total, starts)
    return page_response(request, shape(rows), page, total, rows[-1] if rows else None)


def each(shape: Callable[[dict], dict]) -> Callable[[list[dict]], list]:
    """Each row in its shape; a row PostgreSQL rendered (`item`, api/rendered.py) passes through."""
    return lambda rows: [orjson.Fragment(row["item"]) if "item" in row else shape(row) for row in rows]


# Accounts -------------------------------------------------------------------------------


@api_view(scopes=("read_accounts",))
def accounts(request: ApiRequest) -> HttpResponse:
    account_ids = request.token.account_ids
    filters = updated_since_filter(request)
    return paginated(
        request,
        "accounts",
        [account_ids, filters],
        lambda: queries.accounts_count(account_ids, filters),
        lambda page, _total, _starts: queries.accounts_page(account_ids, filters, page),
        each(shapes.account_item),
    )


@api_view(scopes=("read_accounts",))
def account(request: ApiRequest, account_id: str) -> HttpResponse:
    account_pk = record_id(account_id, "account")
    record = details.account(account_pk, request.token.account_ids)
    if record is None:
        raise NotFound("account", account_pk)
    return json_response(record)


# Bookings -------------------------------------------------------------------------------


@api_view(scopes=("read_bookings",))
def bookings(request: ApiRequest) -> HttpResponse:
    labs = labs_of_account_parameter(request, "provider_account")
    filters = booking_filters(request)
    detailed = detail_view(request)
    fetch = queries.bookings_detail_page if detailed else queries.bookings_page
    return paginated(
        request,
        "bookings",
        [labs, filters],
        lambda: queries.bookings_count(labs, filters),
        lambda page, total, starts: (
            # No starts: a sort=updated_at walk, which continues by its own keyset.
            fetch(labs, filters, page.per_page, page.offset, None, page, total)
            if starts is None
            else page_starts.page_rows(
                starts,
                page,
                lambda limit, offset, after_id: fetch(labs, filters, limit, offset, after_id, total=total),
            )
        ),
        each(shapes.booking_detail if detailed else shapes.booking_item),
        starts_name=f"bookings:{detailed}",
    )


@api_view(scopes=("read_bookings",))
def booking(request: ApiRequest, booking_id: str) -> HttpResponse:
    booking_pk = record_id(booking_id, "booking")
    record = details.booking(booking_pk, request.token.labs)
    if record is None:
        raise NotFound("booking", booking_pk)
    return json_response(record)


@api_view(scopes=("read_bookings",))
def custom_form_response(request: ApiRequest, response_id: str) -> HttpResponse:
    response_pk = record_id(response_id, "custom form response")
    record = details.custom_form_response(response_pk, request.token.lab_ids)
    if record is None:
        raise NotFound("custom form response", response_pk)
    return json_response(record)


# Equipment ------------------------------------------------------------------------------


@api_view(scopes=("read_equipment",))
def equipment_list(request: ApiRequest) -> HttpResponse:
    labs = labs_of_account_parameter(request, "account")
    children_only = optional_boolean(request.GET, "exclude_parents", default=False)
    filters = updated_since_filter(request)
    return paginated(
        request,
        "equipment",
        [labs, filters, children_only],
        lambda: queries.equipment_count(labs, filters, children_only),
        lambda page, _total, _starts: queries.equipment_page(labs, filters, children_only, page),
        each(shapes.equipment_item),
    )


@api_view(scopes=("read_equipment",))
def equipment(request: ApiRequest, equipment_id: str) -> HttpResponse:
    equipment_pk = record_id(equipment_id, "equipment")
    record = details.equipment(equipment_pk, request.token.labs)
    if record is None:
        raise NotFound("equipment", equipment_pk)
    return json_response(record)


@api_view(scopes=("read_equipment",))
def equipment_bookings(request: ApiRequest, equipment_id: str) -> HttpResponse:
    equipment_pk = record_id(equipment_id, "equipment")
    labs = request.token.lab_ids
    filters = booking_filters(request)
    detailed = detail_view(request)
    # Details are what read_bookings guards (requester, cost, projects): not read_equipment alone.
    if detailed and "read_bookings" not in request.token.scopes:
        raise InsufficientScope(("read_bookings",))
    page_rows = queries.equipment_bookings_detail_page if detailed else queries.equipment_bookings_page
    return paginated(
        request,
        "equipment_bookings",
        [equipment_pk, labs, filters],
        lambda: queries.equipment_bookings_count(equipment_pk, labs, filters),
        lambda page, _total, _starts: page_rows(equipment_pk, labs, filters, page),
        each(shapes.booking_detail if detailed else shapes.equipment_booking_item),
        missing=NotFound("equipment", equipment_pk),
    )


# Groups ---------------------------------------------------------------------------------


@api_view(scopes=("read_accounts",))
def groups(request: ApiRequest) -> HttpResponse:
    labs = labs_of_account_parameter(request, "account")
    filters = updated_since_filter(request)
    return paginated(
        request,
        "groups",
        [labs, filters],
        lambda: queries.groups_count(labs, filters),
        lambda page, _total, _starts: queries.groups_page(labs, filters, page),
        each(shapes.group_item),
    )


@api_view(scopes=("read_accounts",))
def group(request: ApiRequest, group_id: str) -> HttpResponse:
    group_pk = record_id(group_id, "group")
    record = details.group(group_pk, request.token.lab_ids)
    if record is None:
        raise NotFound("group", group_pk)
    return json_response(record)


# Projects -------------------------------------------------------------------------------


@api_view(scopes=("read_projects",))
def projects(request: ApiRequest, account_id: str) -> HttpResponse:
    labs = labs_under_account(request, record_id(account_id, "account", "account_id"), "account_id")
    filters = updated_since_filter(request)
    return paginated(
        request,
        "projects",
        [labs, filters],
        lambda: queries.projects_count(labs, filters),
        lambda page, _total, _starts: queries.projects_page(labs, filters, page),
        shapes.project_items,
    )


@api_view(scopes=("read_projects",))
def project(request: ApiRequest, account_id: str, project_id: str) -> HttpResponse:
    account_pk = record_id(account_id, "account", "account_id")
    project_pk = record_id(project_id, "project")
    labs = labs_under_account(request, account_pk, "account_id")
    record = details.project(project_pk, labs)
    if record is None:
        raise NotFound("project", project_pk)
    return json_response(record)


# The user -------------------------------------------------------------------------------


@api_view(scopes=("read_user",))
def user(request: ApiRequest) -> HttpResponse:
    record = details.user(request.token.user_id)
    if record is None:
        raise NotFound("user", request.token.user_id)
    return json_response(record)


# The contract ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def openapi_document() -> bytes:
    return OPENAPI_PATH.read_bytes()


@api_view(scopes=None)
def openapi_yaml(request: HttpRequest) -> HttpResponse:
    return HttpResponse(openapi_document(), content_type="application/yaml; charset=utf-8")


@require_GET
def docs(request: HttpRequest) -> HttpResponse:
    """The contract, rendered by Swagger UI (shipped in drf-spectacular-sidecar, served locally)."""
    return render(request, "api/docs.html")
