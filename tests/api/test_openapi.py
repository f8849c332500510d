"""openapi.yaml: a valid OpenAPI document, describing exactly the routes served; /docs renders it."""

import re

import yaml
from django.urls import get_resolver
from openapi_spec_validator import validate

from labshare.api import urls
from tests.api.contract import OPENAPI_PATH, openapi


def test_it_is_a_valid_openapi_document():
    validate(openapi())


def test_it_describes_exactly_the_routes_served():
    served = {
        "/" + re.sub(r"<str:\w+>", "{}", str(pattern.pattern))
        for pattern in urls.urlpatterns
        if not str(pattern.pattern).startswith("^") and str(pattern.pattern) != "openapi.yaml"
    }
    documented = {re.sub(r"\{\w+\}", "{}", path) for path in openapi()["paths"]}
    assert served == documented


def test_it_declares_the_oauth_flow_and_the_five_scopes():
    scheme = openapi()["components"]["securitySchemes"]["oauth"]
    flow = scheme["flows"]["authorizationCode"]
    assert flow["authorizationUrl"] == "/oauth/authorize"
    assert flow["tokenUrl"] == "/oauth/token"
    assert set(flow["scopes"]) == {
        "read_user",
        "read_accounts",
        "read_equipment",
        "read_projects",
        "read_bookings",
    }


def test_it_marks_the_sync_filters_as_extensions():
    parameters = openapi()["components"]["parameters"]
    for name in ("updated_since", "start_after", "start_before", "status"):
        assert parameters[name]["x-labshare-extension"] is True
        assert parameters[name]["description"]


def test_it_serves_the_document(client):
    response = client.get("/v1/openapi.yaml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/yaml")
    assert yaml.safe_load(response.content) == yaml.safe_load(OPENAPI_PATH.read_text())


def test_it_renders_the_docs_with_a_packaged_viewer(client):
    response = client.get("/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-spec-url="/v1/openapi.yaml"' in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in assets
    assert all(asset.startswith("/static/") for asset in assets)  # served here: no CDN


def test_it_has_every_route_resolved_from_the_project():
    assert get_resolver().resolve("/v1/bookings").func.__name__ == "bookings"


RESOURCE_SCHEMAS = [
    "AccountItem",
    "Account",
    "BookingItem",
    "Booking",
    "EquipmentItem",
    "Equipment",
    "EquipmentBookingItem",
    "ProjectItem",
    "Project",
    "GroupItem",
    "Group",
]


def test_it_marks_the_change_times_as_optional_extensions_of_every_resource():
    schemas = openapi()["components"]["schemas"]
    for name in ("CreatedAt", "UpdatedAt"):
        assert schemas[name]["x-labshare-extension"] is True
        assert schemas[name]["pattern"] == schemas["UtcTime"]["pattern"]
    for name in RESOURCE_SCHEMAS:
        properties = schemas[name]["properties"]
        assert properties["created_at"] == {"$ref": "#/components/schemas/CreatedAt"}, name
        assert properties["updated_at"] == {"$ref": "#/components/schemas/UpdatedAt"}, name
        # Not required: a client made from the contract still reads the reference service.
        assert not {"created_at", "updated_at"} & set(schemas[name]["required"]), name
    # The reference's own times stay as they are.
    reference = schemas["CustomFormResponse"]
    assert reference["properties"]["updated_at"] == {"$ref": "#/components/schemas/UtcTime"}
    assert "updated_at" in reference["required"]


def test_every_list_takes_the_walk_parameters():
    parameters = openapi()["components"]["parameters"]
    for name in ("sort", "after"):
        assert parameters[name]["x-labshare-extension"] is True
    lists = [
        operation["get"]
        for operation in openapi()["paths"].values()
        if "X-Total-Records" in operation["get"]["responses"]["200"].get("headers", {})
    ]
    assert len(lists) == 6
    for operation in lists:
        refs = {parameter.get("$ref") for parameter in operation["parameters"]}
        assert {"#/components/parameters/sort", "#/components/parameters/after"} <= refs
