"""Service applications: machine credentials (RFC 6749 §4.4) for the labs an owner administers.

The binding is the owner's authorisation of their own application, marked `service`: a
client-credentials token is issued for the owner, so the bearer check reads its labs as it
reads any token's, and revoking the binding deletes the authorisation with its tokens.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from labshare.accounts.models import Account, AccountType, Role, User
from labshare.oauth.models import Application, Authorisation


def labs_administered_by(user: User) -> QuerySet[Account]:
    """The labs a user administers: the only labs they may bind a service application to."""
    return Account.objects.filter(
        account_type=AccountType.LAB, memberships__user=user, memberships__role=Role.ADMINISTRATOR
    ).order_by("name", "id")


def service_binding(application: Application) -> Authorisation | None:
    if application.user_id is None:
        return None
    return Authorisation.objects.filter(
        user_id=application.user_id, application=application, service=True
    ).first()


def may_use_client_credentials(application: Application) -> bool:
    """Confidential, owned by an active user, and bound to labs."""
    return (
        application.client_type == Application.CLIENT_CONFIDENTIAL
        and application.user is not None
        and application.user.is_active
        and Authorisation.objects.filter(
            user_id=application.user_id, application=application, service=True, labs__isnull=False
        ).exists()
    )


@transaction.atomic
def bind_service(application: Application, labs: Iterable[Account]) -> Authorisation:
    """Make the application a service application reading these labs (or change its labs)."""
    labs = list(labs)
    owner = application.user
    if owner is None or application.client_type != Application.CLIENT_CONFIDENTIAL:
        raise ValidationError("Only a confidential application with an owner can be a service application.")
    administered = set(labs_administered_by(owner).values_list("pk", flat=True))
    if not labs or not {lab.pk for lab in labs} <= administered:
        raise ValidationError("Choose one or more labs you administer.")
    authorisation, _ = Authorisation.objects.select_for_update().get_or_create(
        user=owner, application=application
    )
    authorisation.labs.set(labs)
    authorisation.service = True
    authorisation.save(update_fields=["service", "updated_at"])
    return authorisation


def stop_service(application: Application) -> None:
    """Revoke the binding: the owner's authorisation goes, with every token it stood for."""
    from labshare.oauth.revocation import revoke_authorisation  # it imports the validator, which imports us

    if service_binding(application) is not None:
        revoke_authorisation(application.user, application)
