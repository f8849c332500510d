"""Revoking an authorisation: the labs go, and with them every token and code it stood for."""

from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import AccessToken, Grant, RefreshToken

from labshare.accounts.models import User
from labshare.oauth.models import Application, Authorisation, RedeemedCode
from labshare.oauth.validators import code_checksum


@transaction.atomic
def revoke_authorisation(user: User, application: Application) -> None:
    """Delete the (user, application) authorisation and its access tokens, refresh tokens and codes.

    Through the ORM, so that the delete signals clear the API's token cache.
    """
    mine = {"user": user, "application": application}
    AccessToken.objects.filter(**mine).delete()
    RefreshToken.objects.filter(**mine).delete()
    Grant.objects.filter(**mine).delete()
    Authorisation.objects.filter(**mine).delete()


@transaction.atomic
def revoke_replayed_code(code: str) -> None:
    """RFC 6749 §4.1.2: a code presented again revokes the tokens it issued, rotations included."""
    redeemed = RedeemedCode.objects.filter(
        code_checksum=code_checksum(code), expires__gt=timezone.now()
    ).first()
    if redeemed is None or redeemed.token_family is None:
        return
    family = RefreshToken.objects.filter(token_family=redeemed.token_family)
    AccessToken.objects.filter(refresh_token__in=family).delete()
    AccessToken.objects.filter(source_refresh_token__in=family).delete()
    family.update(revoked=timezone.now())
