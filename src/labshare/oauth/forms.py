"""The registration form, the consent form and the lab choice of an authorisation."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from oauth2_provider.forms import AllowForm
from oauth2_provider.validators import AllowedURIValidator

from labshare.accounts.models import Account, AccountType, User
from labshare.oauth.models import SCOPES, Application

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
        help_texts = {"redirect_uris": "One URL per line. Any valid URL works if you only read data."}

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
        validator = AllowedURIValidator(
            self.instance.get_allowed_schemes(), name="callback URL", allow_path=True, allow_query=True
        )
        for uri in uris:
            try:
                validator(uri)
            except ValidationError:
                raise ValidationError(
                    f"“{uri}” is not a valid callback URL: use an absolute URL such as "
                    "https://example.org/callback, without a fragment."
                ) from None
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
