"""The endpoint registration form on an application's page."""

from django import forms

from labshare.oauth.models import Application
from labshare.webhooks.services import allowed_event_types


class EndpointForm(forms.Form):
    url = forms.URLField(
        label="Endpoint URL",
        max_length=2000,
        assume_scheme="https",
        help_text="Where to POST each change, e.g. https://example.org/webhooks/labshare.",
    )
    event_types = forms.MultipleChoiceField(
        label="Event types",
        help_text="Only the types the application's scopes may read.",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event type."},
    )

    def __init__(self, *args, application: Application, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["event_types"].choices = [(t, t) for t in allowed_event_types(application)]
