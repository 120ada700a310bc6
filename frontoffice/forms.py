"""Forms that parse the clerk's input. They hold no rules: the services validate and raise field errors."""

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from cases.models import Applicant, Case, DocumentType, ServiceType

APPLICANT_FIELDS = [
    "last_name",
    "first_name",
    "patronymic",
    "birth_date",
    "rnokpp",
    "unzr",
    "passport_kind",
    "passport_number",
    "address",
    "phone",
]


class DateInput(forms.DateInput):
    input_type = "date"

    def format_value(self, value):
        return value.isoformat() if hasattr(value, "isoformat") else value


class ApplicantForm(forms.Form):
    """The applicant's fields as the model declares them (labels, lengths); the service checks them."""

    def __init__(self, *args, front_offices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(
            forms.fields_for_model(Applicant, fields=APPLICANT_FIELDS, widgets={"birth_date": DateInput()})
        )
        for field in self.fields.values():
            field.validators = [v for v in field.validators if not getattr(v, "__module__", "").startswith("cases")]
        # The service fills these from the identifiers when left blank (the RNOKPP encodes the date of birth).
        self.fields["birth_date"].required = False
        self.fields["birth_date"].help_text = _("Filled in from the RNOKPP when left blank.")
        self.fields["passport_kind"].required = False
        self.fields["rnokpp"].help_text = _("10 digits. A person may lawfully have none: then give the passport.")
        self.fields["passport_number"].help_text = _("Booklet: 2 Cyrillic letters and 6 digits; ID card: 9 digits.")
        self.fields["unzr"].help_text = _("Optional, from the ID card: YYYYMMDD-NNNNC.")
        self.fields["passport_kind"].choices = [("", _("— choose —")), *Applicant.PassportKind.choices]
        if len(front_offices) > 1:
            self.fields["front_office"] = forms.ChoiceField(
                choices=[(fo.pk, fo.name) for fo in front_offices], label=_("Front office")
            )

    def applicant_data(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in APPLICANT_FIELDS}


class SearchForm(forms.Form):
    rnokpp = forms.CharField(label=_("RNOKPP"), required=False, max_length=10)
    passport_number = forms.CharField(label=_("Passport or ID-card number"), required=False, max_length=12)
    last_name = forms.CharField(label=_("Last name"), required=False, max_length=100)
    first_name = forms.CharField(label=_("First name"), required=False, max_length=100)
    birth_date = forms.DateField(label=_("Date of birth"), required=False, widget=DateInput())

    @property
    def asked(self) -> bool:
        return self.is_bound and self.is_valid() and any(self.cleaned_data.values())


class CaseOpenForm(forms.Form):
    service_type = forms.ModelChoiceField(
        queryset=ServiceType.objects.filter(active=True), label=_("Service"), empty_label=None
    )
    channel = forms.ChoiceField(choices=Case.Channel.choices, label=_("Channel"), initial=Case.Channel.IN_PERSON)
    duplicate_reason = forms.CharField(
        label=_("Reason for a second open case"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    identifier = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, front_offices=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Choosing a service shows its checklist (HTMX; without it the first service's list is shown).
        self.fields["service_type"].widget.attrs.update(
            {"hx-get": reverse_lazy("frontoffice:service-checklist"), "hx-target": "#checklist-preview"}
        )
        if len(front_offices) > 1:
            self.fields["front_office"] = forms.ChoiceField(
                choices=[(fo.pk, fo.name) for fo in front_offices], label=_("Front office")
            )


class UploadForm(forms.Form):
    document_type = forms.ModelChoiceField(
        queryset=DocumentType.objects.all(), label=_("Document type"), required=False, to_field_name="code"
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
