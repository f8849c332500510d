"""OAuth applications (django-oauth-toolkit's model, swapped in) and lab authorisations."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from oauth2_provider.models import AbstractApplication

from labshare.accounts.models import Account, AccountType
from labshare.oauth.redirect_uris import schemes_of, validate_redirect_uris

SCOPES: tuple[str, ...] = tuple(settings.OAUTH2_PROVIDER["SCOPES"])


class Application(AbstractApplication):
    """A registered client, with the company details and scopes the registration form asks for."""

    company_name = models.CharField(max_length=200, blank=True)
    website_url = models.URLField(blank=True)
    scopes = models.CharField(
        max_length=200,
        blank=True,
        help_text="Space-separated scopes the application may ask for.",
    )

    class Meta(AbstractApplication.Meta):
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    def get_allowed_schemes(self) -> list[str]:
        return schemes_of(self.redirect_uris.split())

    def clean(self) -> None:
        # Ours first: its messages say what to do (DOT's only names the URI).
        try:
            validate_redirect_uris(self.redirect_uris.split())
        except ValidationError as error:
            raise ValidationError({"redirect_uris": error.messages}) from None
        super().clean()


class Authorisation(models.Model):
    """A user's consent to one application, and the labs it may read.

    Every access and refresh token the application holds for the user reads these labs;
    revoking the authorisation deletes all of them.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="authorisations"
    )
    application = models.ForeignKey(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL, on_delete=models.CASCADE, related_name="authorisations"
    )
    labs = models.ManyToManyField(
        Account, related_name="authorisations", limit_choices_to={"account_type": AccountType.LAB}
    )
    # The owner's authorisation of their own application can also let it sign in as a
    # service (grant_type=client_credentials) with these labs: oauth/service_access.py.
    service = models.BooleanField(
        default=False, help_text="The application may read these labs with its own credentials."
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "application"], name="one_authorisation_per_application"),
        ]

    def __str__(self) -> str:
        return f"{self.user} -> {self.application}"


def held_labs(user_id: int) -> models.QuerySet[Account]:
    """The labs a user is a member of: of its authorised labs, what a token reads."""
    return Account.objects.filter(account_type=AccountType.LAB, memberships__user_id=user_id)


def reads_any_lab(user, application: Application) -> bool:
    """Whether the user is active and still a member of a lab they authorised the application for."""
    authorised = held_labs(user.pk).filter(authorisations__user=user, authorisations__application=application)
    return user.is_active and authorised.exists()


class RedeemedCode(models.Model):
    """An authorization code already exchanged, kept until it would have expired.

    RFC 6749 §4.1.2: a code is single-use; when it comes back, the tokens it issued are revoked.
    """

    code_checksum = models.CharField(max_length=64, unique=True)
    token_family = models.UUIDField(null=True)
    expires = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"code {self.code_checksum[:8]}…"
