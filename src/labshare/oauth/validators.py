"""django-oauth-toolkit's request validator, with Labshare's rules.

- An application may ask only for the scopes it registered (`Application.scopes`).
- PKCE is required of public clients and optional for confidential ones; S256 only. A
  `code_verifier` for a code issued without a challenge is refused (RFC 9700 §4.8.2).
- `response_type=code` only: anything else is `unsupported_response_type`.
- The code exchange must repeat the `redirect_uri` (RFC 6749 §4.1.3), as Doorkeeper requires.
- Authorization codes are stored as their SHA-256, like the tokens; an exchanged code is
  remembered until it would have expired, so that a replay revokes what it issued.
- A refresh token dies REFRESH_TOKEN_EXPIRE_SECONDS after it was issued, and is refused
  (`invalid_grant`) once its user is inactive or no longer a member of any lab of the
  authorisation; otherwise the new tokens read the labs still held (api/auth.py).
- Client secrets are checked against a keyed SHA-256, in constant time (`client_secrets`).
- Refresh tokens rotate. The one just rotated answers again for
  REFRESH_TOKEN_GRACE_PERIOD_SECONDS (a retry after a lost answer, several clients
  refreshing at once), each time with a fresh pair of the same family; after that, or once
  its successor was rotated or revoked, presenting it revokes the family (DOT's rule).
  Refreshes of one token queue on its row, so each sees what the one before committed.
"""

import hashlib
from contextvars import ContextVar
from datetime import datetime, timedelta

from django.utils import timezone
from oauth2_provider.models import RefreshToken
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.settings import oauth2_settings
from oauthlib.oauth2.rfc6749 import errors

from labshare.oauth import client_secrets
from labshare.oauth.models import Application, RedeemedCode, reads_any_lab
from labshare.oauth.service_access import may_use_client_credentials


def code_checksum(code: str) -> str:
    """What is stored for an authorization code: codes are random, so a plain SHA-256 suffices."""
    return hashlib.sha256(code.encode()).hexdigest()


# The client the token view authenticated before it opened its transaction (views/token.py):
# hashing the secret inside it would hold SQLite's write lock, or a token's row lock, meanwhile.
authenticated_client: ContextVar[Application | None] = ContextVar("authenticated_client", default=None)


class LabshareValidator(OAuth2Validator):
    def _check_secret(self, provided_secret, stored_secret) -> bool:
        return client_secrets.check_secret(provided_secret, stored_secret)

    def authenticate_client(self, request, *args, **kwargs) -> bool:
        client = authenticated_client.get()
        if client is None:
            return super().authenticate_client(request, *args, **kwargs)
        request.client = client
        return True

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs) -> bool:
        return set(scopes) <= set(client.scope_list)

    def get_default_scopes(self, client_id, request, *args, **kwargs) -> list[str]:
        return request.client.scope_list

    def validate_response_type(self, client_id, response_type, client, request, *args, **kwargs) -> bool:
        # Reached after the redirect URI was checked, so the error goes back to the client.
        if response_type != "code":
            raise errors.UnsupportedResponseTypeError(request=request)
        return super().validate_response_type(client_id, response_type, client, request, *args, **kwargs)

    def is_pkce_required(self, client_id, request) -> bool:
        # oauthlib asks this just before it reads the challenge: the one place to refuse
        # "plain" (and a challenge without a method, which oauthlib would take as plain).
        if request.code_challenge is not None and request.code_challenge_method != "S256":
            raise errors.UnsupportedCodeChallengeMethodError(request=request)
        application = self._load_application(client_id, request)
        return application is not None and application.client_type == Application.CLIENT_PUBLIC

    # Every lookup of a code goes through its checksum; the plaintext only travels.
    def _create_authorization_code(self, request, code, expires=None):
        return super()._create_authorization_code(
            request, {**code, "code": code_checksum(code["code"])}, expires
        )

    def validate_code(self, client_id, code, client, request, *args, **kwargs) -> bool:
        return super().validate_code(client_id, code_checksum(code), client, request, *args, **kwargs)

    def confirm_redirect_uri(self, client_id, code, redirect_uri, client, request, *args, **kwargs) -> bool:
        # oauthlib fills in the registered URI when the exchange has none; every
        # authorisation request here has one (DOT fills it in there too), so it is missing.
        if getattr(request, "using_default_redirect_uri", False):
            raise errors.InvalidRequestError(request=request, description="Missing redirect_uri parameter.")
        return super().confirm_redirect_uri(
            client_id, code_checksum(code), redirect_uri, client, request, *args, **kwargs
        )

    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs) -> bool:
        if grant_type == "client_credentials":
            return may_use_client_credentials(client)
        return super().validate_grant_type(client_id, grant_type, client, request, *args, **kwargs)

    def _save_bearer_token(self, token, request, *args, **kwargs) -> None:
        if request.grant_type == "client_credentials":
            # A service application's token stands for its owner (DOT would leave the user
            # empty): the bearer check then reads the labs of the owner's service binding.
            self._check_and_set_request_resource(request)
            request.user = request.client.user
            self._create_access_token(self._expires(token), request, token)
            return None
        previous = getattr(request, "refresh_token_instance", None)
        if request.grant_type != "refresh_token" or previous is None or previous.revoked is None:
            return super()._save_bearer_token(token, request, *args, **kwargs)
        # A rotated token within its grace period (validate_refresh_token said so, under the
        # row lock). DOT would answer the successor's pair again, but only its checksums are
        # stored: issue a fresh pair of the family instead, and revoke nothing.
        self._check_and_set_request_resource(request)
        access_token = self._create_access_token(self._expires(token), request, token)
        self._create_refresh_token(request, token["refresh_token"], access_token, previous)
        return None

    @staticmethod
    def _expires(token: dict) -> datetime:
        lifetime = token.get("expires_in", oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS)
        return timezone.now() + timedelta(seconds=lifetime)

    def save_bearer_token(self, token, request, *args, **kwargs) -> None:
        super().save_bearer_token(token, request, *args, **kwargs)
        request.issued_refresh_token = token.get("refresh_token")

    def invalidate_authorization_code(self, client_id, code, request, *args, **kwargs) -> None:
        checksum = code_checksum(code)
        super().invalidate_authorization_code(client_id, checksum, request, *args, **kwargs)
        issued = getattr(request, "issued_refresh_token", None)
        family = (
            RefreshToken.objects.filter(token_checksum=hashlib.sha256(issued.encode()).hexdigest())
            .values_list("token_family", flat=True)
            .first()
            if issued
            else None
        )
        now = timezone.now()
        RedeemedCode.objects.filter(expires__lt=now).delete()
        RedeemedCode.objects.create(
            code_checksum=checksum,
            token_family=family,
            expires=now + timedelta(seconds=oauth2_settings.AUTHORIZATION_CODE_EXPIRE_SECONDS),
        )

    def get_code_challenge(self, code, request):
        challenge = super().get_code_challenge(code_checksum(code), request)
        if challenge is None and request.code_verifier is not None:
            raise errors.InvalidGrantError(
                request=request, description="A code_verifier was sent for a code issued without PKCE."
            )
        return challenge

    def get_code_challenge_method(self, code, request):
        return super().get_code_challenge_method(code_checksum(code), request)

    def get_authorization_code_scopes(self, client_id, code, redirect_uri, request):
        return super().get_authorization_code_scopes(client_id, code_checksum(code), redirect_uri, request)

    def get_authorization_code_nonce(self, client_id, code, redirect_uri, request):
        return super().get_authorization_code_nonce(client_id, code_checksum(code), redirect_uri, request)

    def _check_and_set_request_resource(self, request) -> None:
        # The parent reads the grant by request.code (RFC 8707 resource narrowing).
        if request.grant_type != "authorization_code":
            return super()._check_and_set_request_resource(request)
        code = request.code
        request.code = code_checksum(code)
        try:
            return super()._check_and_set_request_resource(request)
        finally:
            request.code = code

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs) -> bool:
        # The token view runs in one transaction: hold the token's row until it commits.
        checksum = hashlib.sha256(refresh_token.encode()).hexdigest()
        list(RefreshToken.objects.select_for_update().filter(token_checksum=checksum).values_list("pk"))
        if not super().validate_refresh_token(refresh_token, client, request, *args, **kwargs):
            return False
        # DOT counts the lifetime from the access token's expiry; count it from issue.
        lifetime = timedelta(seconds=oauth2_settings.REFRESH_TOKEN_EXPIRE_SECONDS)
        if request.refresh_token_instance.created + lifetime <= timezone.now():
            return False
        return reads_any_lab(request.refresh_token_instance.user, client)
