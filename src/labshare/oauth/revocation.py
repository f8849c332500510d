"""Revoking an authorisation: the labs go, and with them every token and code it stood for."""

from django.db import transaction
from oauth2_provider.models import AccessToken, Grant, RefreshToken

from labshare.accounts.models import User
from labshare.oauth.models import Application, Authorisation


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
