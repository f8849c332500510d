"""Cache invalidation: list totals on writes; cached tokens on revocation, re-authorisation,
a membership gained or lost, or a user's change (deactivation).

Each is done at once (so the writing process reads fresh data inside its transaction) and
again on commit (so a concurrent request cannot re-cache what the transaction replaced).
"""

from collections.abc import Callable

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from oauth2_provider.models import get_access_token_model

from labshare.accounts.models import Account, Group, Membership, User
from labshare.api.auth import REVOKED_KEY, TOKEN_KEY
from labshare.api.counts import bump_data_version
from labshare.bookings.models import Booking
from labshare.equipment.models import Equipment
from labshare.oauth.models import Authorisation
from labshare.projects.models import Project

AccessToken = get_access_token_model()
LISTED_MODELS = (Account, Booking, Equipment, Group, Project)


def now_and_on_commit(action: Callable[[], None]) -> None:
    action()
    transaction.on_commit(action)


def listed_model_changed(sender, **kwargs) -> None:
    now_and_on_commit(bump_data_version)


for model in LISTED_MODELS:
    post_save.connect(listed_model_changed, sender=model, dispatch_uid=f"api-count-save-{model.__name__}")
    post_delete.connect(listed_model_changed, sender=model, dispatch_uid=f"api-count-del-{model.__name__}")


def forget_tokens(checksums: list[str]) -> None:
    keys = [TOKEN_KEY.format(checksum=c) for c in checksums if c]
    if keys:
        now_and_on_commit(lambda: cache.delete_many(keys))


@receiver(post_save, sender=AccessToken, dispatch_uid="api-token-saved")
def access_token_saved(sender, instance, **kwargs) -> None:
    forget_tokens([instance.token_checksum])


@receiver(post_delete, sender=AccessToken, dispatch_uid="api-token-deleted")
def access_token_deleted(sender, instance, **kwargs) -> None:
    """DOT deletes a revoked access token; remember it was revoked for as long as it would
    have lived, so that its 401 says "was revoked" as Doorkeeper's does."""
    forget_tokens([instance.token_checksum])
    remaining = int((instance.expires - timezone.now()).total_seconds()) if instance.expires else 0
    if instance.token_checksum and remaining > 0:
        cache.set(REVOKED_KEY.format(checksum=instance.token_checksum), True, remaining)


def forget_tokens_of(authorisation: Authorisation) -> None:
    checksums = AccessToken.objects.filter(
        user_id=authorisation.user_id, application_id=authorisation.application_id
    ).values_list("token_checksum", flat=True)
    forget_tokens(list(checksums))


@receiver(post_save, sender=Authorisation, dispatch_uid="api-authorisation-saved")
@receiver(post_delete, sender=Authorisation, dispatch_uid="api-authorisation-deleted")
def authorisation_changed(sender, instance, **kwargs) -> None:
    forget_tokens_of(instance)


@receiver(m2m_changed, sender=Authorisation.labs.through, dispatch_uid="api-authorisation-labs")
def authorisation_labs_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if reverse and action == "pre_clear":
        # A lab losing all its authorisations: after the clear they can no longer be found.
        for authorisation in instance.authorisations.all():
            forget_tokens_of(authorisation)
        return
    if not action.startswith("post_"):
        return
    if not reverse:
        forget_tokens_of(instance)
        return
    # Changed from the lab's side: every authorisation that names the lab.
    for authorisation in Authorisation.objects.filter(pk__in=pk_set or ()):
        forget_tokens_of(authorisation)


@receiver(post_save, sender=Membership, dispatch_uid="api-membership-saved")
@receiver(post_delete, sender=Membership, dispatch_uid="api-membership-deleted")
@receiver(post_save, sender=User, dispatch_uid="api-user-saved")
def memberships_or_user_changed(sender, instance, **kwargs) -> None:
    """A token reads only the labs its user is still a member of, and nothing for an inactive user."""
    user_id = instance.pk if sender is User else instance.user_id
    checksums = AccessToken.objects.filter(user_id=user_id).values_list("token_checksum", flat=True)
    forget_tokens(list(checksums))
