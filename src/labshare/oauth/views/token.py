"""/oauth/token, /oauth/revoke, /oauth/introspect, /oauth/token/info: Doorkeeper's wire format.

django-oauth-toolkit does the work; these thin wrappers accept JSON bodies as well as form
bodies, limit the request rate, and write answers the way Doorkeeper does.
"""

import hashlib
import json
from collections.abc import Callable

import orjson
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from oauth2_provider import views as dot_views
from oauth2_provider.models import AccessToken, RefreshToken
from oauthlib.common import Request as OauthlibRequest
from oauthlib.common import urlencode

from labshare.api.auth import authenticate, bearer_token, checksum
from labshare.api.errors import ApiError, InvalidToken
from labshare.input_check import first_unusable, named
from labshare.oauth import ratelimit
from labshare.oauth.errors import oauth_error
from labshare.oauth.models import Application
from labshare.oauth.revocation import revoke_replayed_code
from labshare.oauth.validators import LabshareValidator, authenticated_client


class LabshareCore:
    """Use Labshare's validator, with an oauthlib core of each view's own."""

    validator_class = LabshareValidator

    @classmethod
    def get_oauthlib_core(cls):
        if "_oauthlib_core" not in cls.__dict__:
            cls._oauthlib_core = cls.get_oauthlib_backend_class()(cls.get_server())
        return cls._oauthlib_core


class MalformedBody(ValueError):
    def __init__(self, description: str, parameter: str | None = None) -> None:
        super().__init__(description)
        self.parameter = parameter


def read_json_body(request: HttpRequest) -> None:
    """Give a JSON body the form shape that django-oauth-toolkit (oauthlib) reads."""
    if request.content_type != "application/json":
        return
    try:
        # orjson refuses lone surrogates and nesting deeper than 1,024 levels.
        data = orjson.loads(request.body or b"null")
    except orjson.JSONDecodeError:
        raise MalformedBody("The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise MalformedBody("The JSON body must be an object.")
    form = QueryDict(mutable=True)
    for key, value in data.items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif not isinstance(value, str | int | float):
            raise MalformedBody(f"{named(key)} must be a string.", named(key))
        form[key] = str(value)
    if parameter := first_unusable(form.items()):
        raise MalformedBody(f"{parameter} contains a NUL character or a lone surrogate.", parameter)
    request._post, request._files = form, MultiValueDict()
    request.META["CONTENT_TYPE"] = "application/x-www-form-urlencoded"


def too_many_requests(retry_after: int) -> HttpResponse:
    response = oauth_error("slow_down", f"Too many requests: retry in {retry_after} seconds.", 429)
    response["Retry-After"] = str(retry_after)
    return response


def refused(request: HttpRequest) -> HttpResponse | None:
    """Count the request against the client address's limit and read a JSON body; or say why not."""
    retry_after = ratelimit.hit("token", ratelimit.client_address(request), ratelimit.token_endpoint_limit())
    if retry_after:
        return too_many_requests(retry_after)
    try:
        read_json_body(request)
    except MalformedBody as error:
        return oauth_error("invalid_request", str(error), parameter=error.parameter)
    return None


def token_endpoint(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For a view method: rate-limit and read JSON bodies first."""

    def wrapped(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return refused(request) or view(self, request, *args, **kwargs)

    return wrapped


def doorkeeper_error(response: HttpResponse) -> HttpResponse:
    try:
        body = json.loads(response.content)
    except ValueError:
        body = {}
    error, detail = body.get("error", "invalid_request"), body.get("error_description", "")
    if detail == "Mismatching redirect URI.":
        error = "invalid_grant"  # RFC 6749 §5.2, and Doorkeeper: a redirect_uri unlike the code's
    return oauth_error(error, detail)


def created_at(access_token: str) -> int:
    checksum = hashlib.sha256(access_token.encode()).hexdigest()
    created = AccessToken.objects.filter(token_checksum=checksum).values_list("created", flat=True).first()
    return int((created or timezone.now()).timestamp())


# oauthlib knows these grants; Labshare offers none of them (RFC 9700 §2.4 for the password grant).
NOT_OFFERED = {"password", "implicit", "urn:ietf:params:oauth:grant-type:device_code"}


class TokenView(LabshareCore, dot_views.TokenView):
    @token_endpoint
    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        grant_type = request.POST.get("grant_type")
        if not grant_type:
            return oauth_error("invalid_request", "Missing grant_type parameter.")
        if grant_type in NOT_OFFERED:
            return oauth_error("unsupported_grant_type")
        # The secret is hashed once, here, so that the transaction below holds its locks briefly.
        client = ClientAuthentication.client(request)
        if client is None and presents_secret(request):
            return oauth_error("invalid_client")
        authenticated = authenticated_client.set(client)
        try:
            with transaction.atomic():
                response = super().post(request, *args, **kwargs)
                # Two exchanges of one code race: the loser keeps nothing it wrote.
                if response.status_code != 200 and grant_type == "authorization_code":
                    transaction.set_rollback(True)
        finally:
            authenticated_client.reset(authenticated)
        if response.status_code != 200:
            if grant_type == "authorization_code" and request.POST.get("code"):
                revoke_replayed_code(request.POST["code"])
            return doorkeeper_error(response)
        issued = json.loads(response.content)
        body = {
            "access_token": issued["access_token"],
            "token_type": "Bearer",
            "expires_in": issued["expires_in"],
            "refresh_token": issued.get("refresh_token"),
            "scope": issued.get("scope", ""),
            "created_at": created_at(issued["access_token"]),
        }
        if body["refresh_token"] is None:
            del body["refresh_token"]
        answer = JsonResponse(body)
        answer["Cache-Control"] = "no-store"
        answer["Pragma"] = "no-cache"
        return answer


def presents_secret(request: HttpRequest) -> bool:
    """HTTP Basic, or a client_secret in the body: a client that must authenticate."""
    scheme = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")[0]
    return scheme.lower() == "basic" or bool(request.POST.get("client_secret"))


class RevokeView(LabshareCore, dot_views.RevokeTokenView):
    """RFC 7009: 200 `{}` whether or not the token existed; the client must authenticate."""

    @token_endpoint
    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        if response.status_code != 200:
            return doorkeeper_error(response)
        return JsonResponse({})


class ClientAuthentication(LabshareCore, dot_views.TokenView):
    """Only for its oauthlib core: client authentication by HTTP Basic or body credentials."""

    @classmethod
    def client(cls, request: HttpRequest) -> Application | None:
        validator = cls.get_oauthlib_core().server.request_validator
        headers = {"HTTP_AUTHORIZATION": request.META.get("HTTP_AUTHORIZATION", "")}
        body = urlencode(list(request.POST.items()))
        oauth_request = OauthlibRequest(request.build_absolute_uri(), "POST", body, headers)
        if not validator.authenticate_client(oauth_request):
            return None
        return oauth_request.client


@csrf_exempt
@require_POST
def introspect(request: HttpRequest) -> HttpResponse:
    """RFC 7662, for the client's own tokens; any other token is `{"active": false}`."""
    if response := refused(request):
        return response
    client = ClientAuthentication.client(request)
    if client is None:
        return oauth_error("invalid_client")
    token = request.POST.get("token")
    if not token:
        return oauth_error("invalid_request", "Missing token parameter.")
    return JsonResponse(introspection(client, token, request.POST.get("token_type_hint")))


def introspection(client: Application, token: str, hint: str | None) -> dict:
    checksum = hashlib.sha256(token.encode()).hexdigest()
    access_token = AccessToken.objects.filter(token_checksum=checksum, application=client).first()
    if access_token is None and hint != "access_token":
        refresh_token = (
            RefreshToken.objects.select_related("access_token")
            .filter(token_checksum=checksum, application=client, revoked__isnull=True)
            .first()
        )
        if refresh_token is not None and refresh_token.access_token is not None:
            return {
                "active": True,
                "scope": refresh_token.access_token.scope,
                "client_id": client.client_id,
                "token_type": "refresh_token",
                "iat": int(refresh_token.created.timestamp()),
            }
    if access_token is None or access_token.is_expired():
        return {"active": False}
    return {
        "active": True,
        "scope": access_token.scope,
        "client_id": client.client_id,
        "token_type": "Bearer",
        "exp": int(access_token.expires.timestamp()),
        "iat": int(access_token.created.timestamp()),
    }


@require_GET
def token_info(request: HttpRequest) -> HttpResponse:
    """Doorkeeper's GET /oauth/token/info: the API's bearer check, and its error answers."""
    try:
        token = authenticate(request)
    except ApiError as error:
        return error.response(request)
    client_id, scope, created = (
        AccessToken.objects.filter(token_checksum=checksum(bearer_token(request)))
        .values_list("application__client_id", "scope", "created")
        .first()
    ) or (None, None, None)
    if created is None:  # deleted since the bearer check cached it
        return InvalidToken("The access token was revoked").response(request)
    return JsonResponse(
        {
            "resource_owner_id": token.user_id,
            "scope": scope.split(),
            "expires_in": round(token.expires - timezone.now().timestamp()),
            "application": {"uid": client_id},
            "created_at": int(created.timestamp()),
        }
    )
