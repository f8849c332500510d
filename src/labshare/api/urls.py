"""/v1 routes, without trailing slashes (clients append `bookings/{id}` to a base ending in /v1/).

Ids are matched as any path segment so that a non-integer id gets a JSON 400, not a 404.
"""

from django.urls import path, re_path

from labshare.api import views, writes
from labshare.api.auth import api_view, by_method
from labshare.api.errors import unknown_route
from labshare.changes.views import changes
from labshare.oauth.discovery import protected_resource_metadata

urlpatterns = [
    path("accounts", views.accounts, name="api-accounts"),
    path("accounts/<str:account_id>", views.account, name="api-account"),
    path("accounts/<str:account_id>/projects", views.projects, name="api-projects"),
    path("accounts/<str:account_id>/projects/<str:project_id>", views.project, name="api-project"),
    path("bookings", by_method(views.bookings, writes.create_booking), name="api-bookings"),
    path("bookings/<str:booking_id>", views.booking, name="api-booking"),
    path("bookings/<str:booking_id>/cancel", writes.cancel_view, name="api-booking-cancel"),
    path("bookings/<str:booking_id>/approve", writes.approve_view, name="api-booking-approve"),
    path("bookings/<str:booking_id>/decline", writes.decline_view, name="api-booking-decline"),
    path("bookings/<str:booking_id>/notes", writes.note_view, name="api-booking-notes"),
    path("changes", changes, name="api-changes"),
    path(
        "custom_form_response/<str:response_id>",
        views.custom_form_response,
        name="api-custom-form-response",
    ),
    path("equipment", views.equipment_list, name="api-equipment-list"),
    path("equipment/<str:equipment_id>", views.equipment, name="api-equipment"),
    path("equipment/<str:equipment_id>/bookings", views.equipment_bookings, name="api-equipment-bookings"),
    path("groups", views.groups, name="api-groups"),
    path("groups/<str:group_id>", views.group, name="api-group"),
    path("user", views.user, name="api-user"),
    path("openapi.yaml", views.openapi_yaml, name="api-openapi"),
    # For a proxy that passes only the API's base to Labshare (RFC 9728 metadata, as at the root).
    path(
        ".well-known/oauth-protected-resource",
        api_view(scopes=None)(protected_resource_metadata),
        name="api-protected-resource-metadata",
    ),
    re_path(r"^(?P<path>.*)$", unknown_route),
]
