"""The registration form, the consent form and the lab choice of an authorisation."""

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from oauth2_provider.forms import AllowForm

from labshare.accounts.models import Account, AccountType, User
from labshare.oauth.models import SCOPES, Application
from labshare.oauth.redirect_uris import validate_redirect_uris
from labshare.oauth.service_access import labs_administered_by

SCOPE_LABELS: dict[str, str] = settings.OAUTH2_PROVIDER["SCOPES"]


def labs_of(user: User) -> QuerySet[Account]:
    """The labs a user belongs to, in any role: the labs they may let an application read."""
    return Account.objects.filter(account_type=AccountType.LAB, memberships__user=user).order_by("name", "id")


class LabChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Account) -> str:
        return obj.name


class ApplicationForm(forms.ModelForm):
    scope_choices = forms.MultipleChoiceField(
        label="Scopes",
        choices=[(scope, SCOPE_LABELS[scope]) for scope in SCOPES],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one scope."},
    )
    confidential = forms.BooleanField(
        required=False,
        initial=True,
        help_text="The application can keep the client secret safe (a server-side application). "
        "A public application (a browser or mobile app) must use PKCE.",
    )
    field_order = ["name", "company_name", "website_url", "scope_choices", "confidential", "redirect_uris"]

    class Meta:
        model = Application
        fields = ["name", "company_name", "website_url", "redirect_uris"]
        labels = {"website_url": "Website URL", "redirect_uris": "Callback URL(s)"}
        widgets = {"redirect_uris": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "redirect_uris": (
                "One URL per line: https://, http:// only for a loopback address (127.0.0.1, [::1], "
                "localhost), or a native app's own scheme (org.example.app:/callback)."
            )
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].required = True
        self.fields["redirect_uris"].required = True
        if self.instance.pk:
            self.initial.setdefault("scope_choices", self.instance.scope_list)
            is_confidential = self.instance.client_type == Application.CLIENT_CONFIDENTIAL
            self.initial.setdefault("confidential", is_confidential)
            self.initial["redirect_uris"] = "\n".join(self.instance.redirect_uris.split())

    def clean_redirect_uris(self) -> str:
        uris = self.cleaned_data["redirect_uris"].split()
        validate_redirect_uris(uris)
        return " ".join(uris)

    def _post_clean(self) -> None:
        # The model's own validation (run next) needs these set.
        application = self.instance
        chosen = self.cleaned_data.get("scope_choices", [])
        application.scopes = " ".join(scope for scope in SCOPES if scope in chosen)
        confidential = self.cleaned_data.get("confidential")
        application.client_type = (
            Application.CLIENT_CONFIDENTIAL if confidential else Application.CLIENT_PUBLIC
        )
        application.authorization_grant_type = Application.GRANT_AUTHORIZATION_CODE
        super()._post_clean()


class ConsentForm(AllowForm):
    """DOT's hidden fields (client_id, redirect_uri, scope, state, ...) and the labs to grant."""

    labs = LabChoiceField(queryset=Account.objects.none(), required=False, label="Labs")

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["labs"].queryset = labs_of(user)

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("allow") and not cleaned.get("labs"):
            self.add_error("labs", "Choose at least one lab for the application to read.")
        return cleaned


class AuthorisedLabsForm(forms.Form):
    labs = LabChoiceField(
        queryset=Account.objects.none(),
        label="Labs",
        error_messages={"required": "Choose at least one lab, or revoke the authorisation."},
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["labs"].queryset = labs_of(user)


class ServiceLabsForm(forms.Form):
    """The labs a service application reads with its own credentials: labs its owner administers."""

    labs = LabChoiceField(
        queryset=Account.objects.none(),
        label="Labs",
        error_messages={"required": "Choose at least one lab you administer, or stop service access."},
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["labs"].queryset = labs_administered_by(user)
