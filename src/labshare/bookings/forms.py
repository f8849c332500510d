"""The request form (times in the lab's zone, group, projects, funding codes, the lab's custom
form) and the small forms of the administrators' queue."""

from datetime import datetime
from decimal import Decimal

from django import forms

from labshare.accounts.models import Account, Group, User
from labshare.bookings import rules
from labshare.bookings.forms_schema import DISPLAY_ONLY, UPLOADS
from labshare.bookings.localtime import NotAWallClockTime, aware
from labshare.bookings.models import CustomFormVersion
from labshare.equipment.models import Equipment
from labshare.projects.models import FundingCode, Project

LOCAL_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local", "step": 900}, format="%Y-%m-%dT%H:%M")
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class LocalDateTimeField(forms.DateTimeField):
    """A wall-clock time typed in a lab's zone; `clean` gives the aware moment."""

    widget = LOCAL_INPUT

    def __init__(self, zone, **kwargs):
        super().__init__(input_formats=LOCAL_FORMATS, **kwargs)
        self.zone = zone

    def to_python(self, value):
        if isinstance(value, str) and value.strip():
            for pattern in LOCAL_FORMATS:
                try:
                    local = datetime.strptime(value.strip(), pattern)
                except ValueError:
                    continue
                try:
                    return aware(local, self.zone)
                except NotAWallClockTime as error:
                    raise forms.ValidationError(str(error)) from error
            raise forms.ValidationError("Enter a date and time, e.g. 2026-03-29 09:30.")
        return super().to_python(value)

    def prepare_value(self, value):
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(self.zone).strftime("%Y-%m-%dT%H:%M")
        return value


def _answer_field(field: dict) -> forms.Field | None:
    """A form field for one custom form question (required-ness is validate_answers' to say)."""
    kind, label = field["type"], field["text"]
    common = {"label": label, "required": False, "help_text": field.get("helperText", "")}
    if kind in DISPLAY_ONLY or kind in UPLOADS:
        return None
    if kind == "shortText":
        return forms.CharField(**common)
    if kind == "longText":
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), **common)
    if kind in ("number", "valueUnit"):
        if kind == "valueUnit" and field.get("validations", {}).get("unitType"):
            common["label"] = f"{label} ({field['validations']['unitType']})"
        return forms.DecimalField(**common)
    if kind == "dateTime":
        only_date = field.get("validations", {}).get("onlyDate")
        widget = (
            forms.DateInput(attrs={"type": "date"})
            if only_date
            else forms.DateTimeInput(attrs={"type": "datetime-local"})
        )
        return forms.CharField(widget=widget, **common)
    choices = [(option, option) for option in field["options"]]
    if kind == "checkboxGroup":
        return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)
    widget = forms.RadioSelect if kind == "radioButton" else forms.Select
    return forms.ChoiceField(
        choices=[("", "—"), *choices] if kind == "dropdown" else choices, widget=widget, **common
    )


def _answer_value(field: dict, value):
    """A cleaned form value as the custom form response stores it."""
    if value in (None, "", []):
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


class BookingRequestForm(forms.Form):
    lab = forms.ModelChoiceField(
        queryset=Account.objects.none(), label="Book as a member of", empty_label=None
    )
    group = forms.ModelChoiceField(queryset=Group.objects.none(), required=False, label="Group")
    projects = forms.ModelMultipleChoiceField(
        queryset=Project.objects.none(), required=False, widget=forms.CheckboxSelectMultiple, label="Projects"
    )
    funding_codes = forms.ModelMultipleChoiceField(
        queryset=FundingCode.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Funding codes",
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Note to the lab")

    def __init__(self, *args, user: User, equipment: Equipment, version: CustomFormVersion | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.equipment, self.version = equipment, version
        zone = equipment.lab.zoneinfo
        help_text = f"In the lab's time zone, {zone.key}."
        self.fields = {
            "start": LocalDateTimeField(zone, label="Start", help_text=help_text),
            "end": LocalDateTimeField(zone, label="End", help_text=help_text),
            **self.fields,
        }
        labs = [lab for lab in rules.member_labs(user) if rules.lab_may_book(lab, equipment)]
        lab_ids = [lab.pk for lab in labs]
        self.fields["lab"].queryset = Account.objects.filter(pk__in=lab_ids).order_by("name", "id")
        preferred = rules.requester_lab_for(user, equipment)
        self.fields["lab"].initial = preferred.pk if preferred else None
        self.fields["group"].queryset = Group.objects.filter(lab_id__in=lab_ids, members=user).order_by(
            "name"
        )
        project_ids = [p.pk for lab in labs for p in rules.chargeable_projects(user, lab)]
        self.fields["projects"].queryset = Project.objects.filter(pk__in=project_ids).select_related(
            "account"
        )
        self.fields["projects"].label_from_instance = lambda p: f"{p.name} ({p.account.name})"
        self.fields["funding_codes"].queryset = FundingCode.objects.filter(
            project_id__in=project_ids
        ).select_related("project")
        self.fields["funding_codes"].label_from_instance = lambda c: f"{c.code} ({c.project.name})"
        self.questions: list[tuple[int, dict, str | None]] = []  # (index, field, form field name)
        for index, field in enumerate(version.fields if version else []):
            form_field = _answer_field(field)
            name = f"answer_{index}" if form_field else None
            if form_field:
                self.fields[name] = form_field
            self.questions.append((index, field, name))

    def answers(self) -> list | None:
        if self.version is None:
            return None
        return [
            _answer_value(field, self.cleaned_data.get(name)) if name else None
            for _, field, name in self.questions
        ]

    def add_answer_errors(self, by_index: dict[int | None, str]) -> None:
        names = {index: name for index, _, name in self.questions}
        for index, message in by_index.items():
            name = names.get(index)
            if name:
                self.add_error(name, message)
            else:
                self.add_error(None, message)

    def answer_rows(self):
        """(field, bound form field or None) in the form's order, headings included."""
        return [(field, self[name] if name else None) for _, field, name in self.questions]


class MaintenanceForm(forms.Form):
    equipment = forms.ModelChoiceField(queryset=Equipment.objects.none(), label="Equipment")
    note = forms.CharField(required=False, label="Note")

    def __init__(self, *args, lab: Account, **kwargs):
        super().__init__(*args, **kwargs)
        zone = lab.zoneinfo
        self.fields = {
            "equipment": self.fields["equipment"],
            "start": LocalDateTimeField(zone, label="Start", help_text=f"In {zone.key}."),
            "end": LocalDateTimeField(zone, label="End", help_text=f"In {zone.key}."),
            "note": self.fields["note"],
        }
        self.fields["equipment"].queryset = Equipment.objects.filter(lab=lab).order_by("name", "id")
