"""Forms that parse the clerk's input. They hold no rules: the services validate and raise field errors."""

from django import forms
from django.urls import reverse_lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from cases.models import Applicant, Case, DocumentType, ServiceType
from cases.validators import rnokpp_is_valid

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


def mark_optional(form: forms.Form) -> None:
    """GOV.UK's way: the optional fields say so in their label; the rest are required (and marked for the browser).
    Browser validation stays off (``novalidate``): the server's messages are the ones in the user's language."""
    for field in form.fields.values():
        if isinstance(field.widget, forms.HiddenInput) or getattr(field, "marked", False):
            continue
        field.marked = True
        if field.required:
            field.widget.attrs.setdefault("aria-required", "true")
        elif field.label:
            field.label = format_lazy("{} ({})", field.label, _("optional"))


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
        self.fields["unzr"].help_text = _("From the ID card: YYYYMMDD-NNNNC.")
        self.fields["passport_kind"].choices = [("", _("— from the number —")), *Applicant.PassportKind.choices]
        self.fields["passport_kind"].help_text = _("Told by the number's shape when left as it is.")
        self.fields["phone"].help_text = _("+380 XX XXX XX XX or 0XX XXX XX XX.")
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})
        self.fields["rnokpp"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})
        # Everything the identifiers say is filled in by the service; a person always has a name.
        self.fields["rnokpp"].required = False
        self.fields["last_name"].widget.attrs["autofocus"] = True
        if len(front_offices) > 1:
            self.fields["front_office"] = forms.ChoiceField(
                choices=[(fo.pk, fo.name) for fo in front_offices], label=_("Front office")
            )

        mark_optional(self)

    def applicant_data(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in APPLICANT_FIELDS}


class RegisterForm(ApplicantForm):
    """Registering and opening the first case on one screen: the service is optional (no case is opened without
    one) and never pre-selected."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_type"] = forms.ModelChoiceField(
            queryset=ServiceType.objects.filter(active=True),
            label=_("Service to apply for"),
            required=False,
            empty_label=_("— register only, no case yet —"),
            help_text=_("Choose it to open the case straight away."),
        )
        self.fields["service_type"].widget.attrs.update(
            {"hx-get": reverse_lazy("frontoffice:service-checklist"), "hx-target": "#checklist-preview"}
        )
        # Always has a value in the browser (in person unless changed); a client that leaves it out means in person.
        self.fields["channel"] = forms.ChoiceField(
            choices=Case.Channel.choices, label=_("Channel"), initial=Case.Channel.IN_PERSON, required=False
        )
        self.fields["channel"].marked = True
        mark_optional(self)


class SearchForm(forms.Form):
    rnokpp = forms.CharField(label=_("RNOKPP"), required=False, max_length=10)
    passport_number = forms.CharField(label=_("Passport or ID-card number"), required=False, max_length=12)
    last_name = forms.CharField(label=_("Last name"), required=False, max_length=100)
    first_name = forms.CharField(label=_("First name"), required=False, max_length=100)
    birth_date = forms.DateField(label=_("Date of birth"), required=False, widget=DateInput())

    def clean_rnokpp(self) -> str:
        """The checksum is checked before anything is offered: a mistyped number must not lead to a registration."""
        value = self.cleaned_data["rnokpp"].strip()
        if value and not rnokpp_is_valid(value):
            raise forms.ValidationError(
                _("This is not a valid RNOKPP (10 digits with a check digit): please check the number.")
            )
        return value

    @property
    def asked(self) -> bool:
        return self.is_bound and self.is_valid() and any(self.cleaned_data.values())


class CaseOpenForm(forms.Form):
    service_type = forms.ModelChoiceField(
        queryset=ServiceType.objects.filter(active=True), label=_("Service"), empty_label=_("— choose a service —")
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
        mark_optional(self)


class UploadForm(forms.Form):
    document_type = forms.ModelChoiceField(
        queryset=DocumentType.objects.all(), label=_("Document type"), required=False, to_field_name="code"
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ContactForm(forms.Form):
    """How the person agreed to be told about their cases: input shape only; the number is checked (Ukrainian, able
    to receive SMS) and consent recorded by ``notifications.services.contact_set``."""

    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=30,
        required=False,
        help_text=_("A Ukrainian number, e.g. 067 123 45 67."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    email = forms.EmailField(label=_("E-mail"), required=False)
    channel = forms.ChoiceField(label=_("Send messages by"))
    language = forms.ChoiceField(label=_("Language of the messages"))
    consent = forms.BooleanField(
        label=_("The person agrees to receive messages about their applications at this contact"), required=False
    )

    def __init__(self, *args, **kwargs):
        from django.conf import settings

        from notifications.models import Channel

        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = Channel.choices
        self.fields["language"].choices = [(code, name) for code, name in settings.LANGUAGES]
