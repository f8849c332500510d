"""Issue tokens outside the OAuth flow: for `labshare token`, the demo banner and tests."""

import uuid
from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import AccessToken, RefreshToken, set_token_value
from oauth2_provider.settings import oauth2_settings
from oauthlib.common import generate_token

from labshare.accounts.models import Account, User
from labshare.oauth.models import SCOPES, Application, Authorisation, held_labs


def authorise(user: User, application: Application, labs: Iterable[Account]) -> Authorisation:
    """Record (or replace) the labs the user lets the application read.

    A user's consent: it replaces a service binding of the pair too (oauth/service_access.py),
    whose labs must all be administered ones.
    """
    authorisation, _ = Authorisation.objects.update_or_create(
        user=user, application=application, defaults={"service": False}
    )
    authorisation.labs.set(list(labs))
    return authorisation


class NotAMember(ValueError):
    pass


@transaction.atomic
def issue_tokens(
    user: User,
    application: Application,
    labs: Iterable[Account],
    scopes: Iterable[str],
    *,
    refresh: bool = True,
) -> dict:
    """Authorise the labs and return a token response like the token endpoint's; without
    `refresh`, an access token only. The user must be a member of every lab."""
    labs = list(labs)
    held = set(held_labs(user.pk).filter(pk__in=[lab.pk for lab in labs]).values_list("pk", flat=True))
    foreign = sorted(lab.pk for lab in labs if lab.pk not in held)
    if foreign:
        raise NotAMember(f"{user.email} is not a member of lab(s) {', '.join(map(str, foreign))}.")
    authorise(user, application, labs)
    scope = " ".join(scopes)
    lifetime = oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS
    access_token = AccessToken(
        user=user, application=application, scope=scope, expires=timezone.now() + timedelta(seconds=lifetime)
    )
    raw_access_token = generate_token()
    set_token_value(access_token, raw_access_token)
    access_token.save()
    issued = {
        "access_token": raw_access_token,
        "token_type": "Bearer",
        "expires_in": lifetime,
        "scope": scope,
        "created_at": int(access_token.created.timestamp()),
    }
    if refresh:
        refresh_token = RefreshToken(
            user=user, application=application, access_token=access_token, token_family=uuid.uuid4()
        )
        issued["refresh_token"] = generate_token()
        set_token_value(refresh_token, issued["refresh_token"])
        refresh_token.save()
    return issued


DEMO_APPLICATION_NAME = "Labshare demo"
DEMO_REDIRECT_URI = "http://127.0.0.1:8000/oauth/demo-callback"


def demo_application(owner: User | None = None) -> Application:
    """The confidential application `labshare token` and the demo banner issue tokens from."""
    application = Application.objects.filter(name=DEMO_APPLICATION_NAME).order_by("id").first()
    if application is None:
        application = Application.objects.create(
            name=DEMO_APPLICATION_NAME,
            user=owner,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=DEMO_REDIRECT_URI,
            scopes=" ".join(SCOPES),
        )
    return application
