"""The endpoint registration form on an application's page."""

from django import forms

from labshare.webhooks.services import EVENT_TYPES


class EndpointForm(forms.Form):
    url = forms.URLField(
        label="Endpoint URL",
        max_length=2000,
        assume_scheme="https",
        help_text="Where to POST each change, e.g. https://example.org/webhooks/labshare.",
    )
    event_types = forms.MultipleChoiceField(
        label="Event types",
        choices=[(t, t) for t in EVENT_TYPES],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event type."},
    )
