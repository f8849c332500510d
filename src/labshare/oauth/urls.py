"""The web-app root: sign-in, and the OAuth pages and endpoints at Doorkeeper's paths (no slashes)."""

from django.urls import path, re_path

from labshare.oauth import discovery
from labshare.oauth.views import applications, authorized, signin, token, webhooks
from labshare.oauth.views.authorize import AuthorizeView

app_name = "oauth"

urlpatterns = [
    path(
        ".well-known/oauth-authorization-server",
        discovery.authorization_server_metadata,
        name="authorization-server-metadata",
    ),
    # RFC 9728 §3.1: for the resource <origin>/v1 the metadata is at .../oauth-protected-resource/v1.
    re_path(
        r"^\.well-known/oauth-protected-resource(?:/v1)?$",
        discovery.protected_resource_metadata,
        name="protected-resource-metadata",
    ),
    path("login", signin.SignInView.as_view(), name="login"),
    path("logout", signin.SignOutView.as_view(), name="logout"),
    path("oauth/authorize", AuthorizeView.as_view(), name="authorize"),
    path("oauth/token", token.TokenView.as_view(), name="token"),
    path("oauth/token/info", token.token_info, name="token-info"),
    path("oauth/revoke", token.RevokeView.as_view(), name="revoke"),
    path("oauth/introspect", token.introspect, name="introspect"),
    path("oauth/applications", applications.application_list, name="application-list"),
    path("oauth/applications/new", applications.application_new, name="application-new"),
    path(
        "oauth/applications/<int:application_id>", applications.application_detail, name="application-detail"
    ),
    path(
        "oauth/applications/<int:application_id>/edit", applications.application_edit, name="application-edit"
    ),
    path(
        "oauth/applications/<int:application_id>/service",
        applications.application_service,
        name="application-service",
    ),
    path(
        "oauth/applications/<int:application_id>/delete",
        applications.application_delete,
        name="application-delete",
    ),
    path("oauth/applications/<int:application_id>/webhooks", webhooks.endpoint_new, name="webhook-new"),
    path(
        "oauth/applications/<int:application_id>/webhooks/<int:endpoint_id>/rotate",
        webhooks.endpoint_rotate,
        name="webhook-rotate",
    ),
    path(
        "oauth/applications/<int:application_id>/webhooks/<int:endpoint_id>/enabled",
        webhooks.endpoint_enabled,
        name="webhook-enabled",
    ),
    path(
        "oauth/applications/<int:application_id>/webhooks/<int:endpoint_id>/delete",
        webhooks.endpoint_delete,
        name="webhook-delete",
    ),
    path(
        "oauth/applications/<int:application_id>/webhooks/<int:endpoint_id>/ping",
        webhooks.endpoint_ping,
        name="webhook-ping",
    ),
    path(
        "oauth/applications/<int:application_id>/deliveries/<int:delivery_id>/replay",
        webhooks.delivery_replay,
        name="webhook-replay",
    ),
    path("oauth/authorized_applications", authorized.authorised_list, name="authorized-applications"),
    path(
        "oauth/authorized_applications/<int:authorisation_id>",
        authorized.authorised_update,
        name="authorized-application-update",
    ),
    path(
        "oauth/authorized_applications/<int:authorisation_id>/revoke",
        authorized.authorised_revoke,
        name="authorized-application-revoke",
    ),
]
