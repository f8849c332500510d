"""openapi.yaml: a valid OpenAPI document, describing exactly the routes served; /docs renders it."""

import re

import yaml
from django.urls import get_resolver
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from labshare.api import urls
from tests.api.contract import DOCUMENT_URI, OPENAPI_PATH, assert_matches_contract, openapi, registry


def test_it_is_a_valid_openapi_document():
    validate(openapi())


def test_it_describes_exactly_the_routes_served():
    served = {
        "/" + re.sub(r"<str:\w+>", "{}", str(pattern.pattern))
        for pattern in urls.urlpatterns
        if not str(pattern.pattern).startswith("^") and str(pattern.pattern) != "openapi.yaml"
    }
    documented = {re.sub(r"\{\w+\}", "{}", path) for path in api_paths(openapi())}
    assert served == documented


def api_paths(document: dict) -> list[str]:
    """The paths under the document's own server (/v1); the OAuth endpoints name their own."""
    return [path for path, item in document["paths"].items() if "servers" not in item]


def test_it_describes_the_oauth_json_endpoints_at_the_web_apps_root():
    oauth = {
        server["url"] + path
        for path, item in openapi()["paths"].items()
        for server in item.get("servers", [])
    }
    assert oauth == {"/oauth/token", "/oauth/revoke", "/oauth/introspect", "/oauth/token/info"}
    for path in oauth:
        assert get_resolver().resolve(path).url_name in {"token", "revoke", "introspect", "token-info"}


def test_it_declares_the_oauth_flow_and_the_six_scopes():
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
        "write_bookings",
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


def schema_validator(pointer: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": f"{DOCUMENT_URI}#{pointer}"}, registry=registry())


def test_it_accepts_the_statuses_the_real_service_sends():
    # A client generated from a closed enum would raise on the reference's own samples.
    validator = schema_validator("/components/schemas/BookingStatus")
    for status in ("Booked", "Completed", "Confirmed", "Pending", "Something new"):
        assert validator.is_valid(status), status


def test_it_lets_a_client_ask_for_more_than_100_per_page(alice_token, api, graphene_lab):
    # The server serves 100 and says so in X-Per-Page; the contract must not call 250 wrong.
    assert schema_validator("/components/parameters/per_page/schema").is_valid(250)
    response = api("/v1/groups", alice_token, per_page=250)
    assert response.status_code == 200 and response["X-Per-Page"] == "100"
    assert_matches_contract(response, "/groups")


def test_it_describes_the_protected_resource_metadata(client, db):
    response = client.get("/v1/.well-known/oauth-protected-resource")
    assert_matches_contract(response, "/.well-known/oauth-protected-resource")


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
        if "get" in operation and "X-Total-Records" in operation["get"]["responses"]["200"].get("headers", {})
    ]
    assert len(lists) == 6
    for operation in lists:
        refs = {parameter.get("$ref") for parameter in operation["parameters"]}
        assert {"#/components/parameters/sort", "#/components/parameters/after"} <= refs
