"""Every /v1 endpoint as data, for the checks that apply to all of them (test_shared_checks)."""

from collections.abc import Callable
from dataclasses import dataclass, field

from tests.api.conftest import World

BAD_PAGES = {"page": ["0", "-1", "x", "1.5", "", "١"], "per_page": ["0", "-5", "ten", "2e1", ""]}
BAD_DATES = ["yesterday", "2024-13-01", "2024-01-01T25:00:00Z", "", "1706000000"]
# sort=updated_at and its cursor, on every list; `after` alone lacks its sort.
WALK = {"sort": ["created_at", "-updated_at", ""], "after": ["x", "", "MjAyNnwxfDI"]}
BOOKING_FILTERS = {
    "updated_since": BAD_DATES,
    "start_after": BAD_DATES,
    "start_before": BAD_DATES,
    "status": ["Confirmed", "booked,", "", "all"],
}


@dataclass(frozen=True)
class Endpoint:
    name: str
    template: str  # as in openapi.yaml
    scope: str
    path: Callable[[World], str]
    # Paths to other labs' records: each must answer 404, like an id that does not exist.
    foreign_paths: Callable[[World], list[str]] = lambda w: []
    missing_path: Callable[[World], str] | None = None
    non_integer_paths: list[tuple[str, str]] = field(default_factory=list)  # (path, parameter)
    is_list: bool = False
    bad_parameters: dict[str, list[str]] = field(default_factory=dict)
    # Query parameters naming an account the token cannot see: each must answer 404.
    foreign_account_parameters: Callable[[World], list[dict]] = lambda w: []


ENDPOINTS = [
    Endpoint(
        "accounts",
        "/accounts",
        "read_accounts",
        lambda w: "/v1/accounts",
        is_list=True,
        bad_parameters={"updated_since": BAD_DATES, **WALK},
    ),
    Endpoint(
        "account",
        "/accounts/{id}",
        "read_accounts",
        lambda w: f"/v1/accounts/{w.graphene_lab.id}",
        foreign_paths=lambda w: [f"/v1/accounts/{a.id}" for a in (w.bio_lab, w.chemistry_lab, w.oxford)],
        missing_path=lambda w: "/v1/accounts/987654321",
        non_integer_paths=[("/v1/accounts/abc", "id"), ("/v1/accounts/1.0", "id"), ("/v1/accounts/-3", "id")],
    ),
    Endpoint(
        "projects",
        "/accounts/{account_id}/projects",
        "read_projects",
        lambda w: f"/v1/accounts/{w.graphene_lab.id}/projects",
        foreign_paths=lambda w: [
            f"/v1/accounts/{a.id}/projects" for a in (w.bio_lab, w.chemistry_lab, w.oxford)
        ],
        missing_path=lambda w: "/v1/accounts/987654321/projects",
        non_integer_paths=[("/v1/accounts/x/projects", "account_id")],
        is_list=True,
        bad_parameters={"updated_since": BAD_DATES, **WALK},
    ),
    Endpoint(
        "project",
        "/accounts/{account_id}/projects/{id}",
        "read_projects",
        lambda w: f"/v1/accounts/{w.graphene_lab.id}/projects/{w.graphene_project.id}",
        foreign_paths=lambda w: [
            f"/v1/accounts/{w.chemistry_lab.id}/projects/{w.chemistry_project.id}",
            f"/v1/accounts/{w.graphene_lab.id}/projects/{w.chemistry_project.id}",
            f"/v1/accounts/{w.graphene_lab.id}/projects/{w.bio_project.id}",
            f"/v1/accounts/{w.optics_lab.id}/projects/{w.graphene_project.id}",
        ],
        missing_path=lambda w: f"/v1/accounts/{w.graphene_lab.id}/projects/987654321",
        non_integer_paths=[
            ("/v1/accounts/x/projects/1", "account_id"),
            ("/v1/accounts/1/projects/y", "id"),
        ],
    ),
    Endpoint(
        "bookings",
        "/bookings",
        "read_bookings",
        lambda w: "/v1/bookings",
        is_list=True,
        bad_parameters={"provider_account": ["x", "1.5", "-1", ""], **BOOKING_FILTERS, **WALK},
        foreign_account_parameters=lambda w: (
            [{"provider_account": a.id} for a in (w.bio_lab, w.chemistry_lab, w.oxford)]
            + [{"provider_account": 987654321}, {"provider_account": 2**70}]
        ),
    ),
    Endpoint(
        "booking",
        "/bookings/{id}",
        "read_bookings",
        lambda w: f"/v1/bookings/{w.booking.id}",
        foreign_paths=lambda w: [f"/v1/bookings/{b.id}" for b in (w.chemistry_booking, w.bio_booking)],
        missing_path=lambda w: "/v1/bookings/987654321",
        non_integer_paths=[("/v1/bookings/abc", "id"), ("/v1/bookings/%20", "id")],
    ),
    Endpoint(
        "custom_form_response",
        "/custom_form_response/{id}",
        "read_bookings",
        lambda w: f"/v1/custom_form_response/{w.form_response.id}",
        foreign_paths=lambda w: [f"/v1/custom_form_response/{w.chemistry_form_response.id}"],
        missing_path=lambda w: "/v1/custom_form_response/987654321",
        non_integer_paths=[("/v1/custom_form_response/one", "id")],
    ),
    Endpoint(
        "equipment_list",
        "/equipment",
        "read_equipment",
        lambda w: "/v1/equipment",
        is_list=True,
        bad_parameters={
            "account": ["x", ""],
            "exclude_parents": ["yes please", "2", ""],
            "updated_since": BAD_DATES,
            **WALK,
        },
        foreign_account_parameters=lambda w: [{"account": a.id} for a in (w.bio_lab, w.chemistry_lab)],
    ),
    Endpoint(
        "equipment",
        "/equipment/{id}",
        "read_equipment",
        lambda w: f"/v1/equipment/{w.microscope.id}",
        foreign_paths=lambda w: [f"/v1/equipment/{e.id}" for e in (w.spectrometer, w.centrifuge)],
        missing_path=lambda w: "/v1/equipment/987654321",
        non_integer_paths=[("/v1/equipment/abc", "id")],
    ),
    Endpoint(
        "equipment_bookings",
        "/equipment/{id}/bookings",
        "read_equipment",
        lambda w: f"/v1/equipment/{w.microscope.id}/bookings",
        foreign_paths=lambda w: [f"/v1/equipment/{e.id}/bookings" for e in (w.spectrometer, w.centrifuge)],
        missing_path=lambda w: "/v1/equipment/987654321/bookings",
        non_integer_paths=[("/v1/equipment/abc/bookings", "id")],
        is_list=True,
        bad_parameters={**BOOKING_FILTERS, **WALK},
    ),
    Endpoint(
        "groups",
        "/groups",
        "read_accounts",
        lambda w: "/v1/groups",
        is_list=True,
        bad_parameters={"account": ["x", "0x1"], "updated_since": BAD_DATES, **WALK},
        foreign_account_parameters=lambda w: [{"account": a.id} for a in (w.bio_lab, w.oxford)],
    ),
    Endpoint(
        "group",
        "/groups/{id}",
        "read_accounts",
        lambda w: f"/v1/groups/{w.graphene_group.id}",
        foreign_paths=lambda w: [f"/v1/groups/{g.id}" for g in (w.chemistry_group, w.bio_group)],
        missing_path=lambda w: "/v1/groups/987654321",
        non_integer_paths=[("/v1/groups/abc", "id")],
    ),
    Endpoint("user", "/user", "read_user", lambda w: "/v1/user"),
]

LISTS = [e for e in ENDPOINTS if e.is_list]
WITH_IDS = [e for e in ENDPOINTS if e.missing_path is not None]
WITH_ACCOUNT_PARAMETERS = [e for e in ENDPOINTS if e.name in ("bookings", "equipment_list", "groups")]


def ids(endpoints: list[Endpoint]) -> list[str]:
    return [e.name for e in endpoints]
