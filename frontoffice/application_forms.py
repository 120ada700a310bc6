"""The clerk's forms for one application for several services (issue 13). They only parse: the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import Bundle, ServiceType


class ApplicationOpenForm(forms.Form):
    """A bundle (a life event) or single services; the applicant's choice of services is what is ticked."""

    bundle = forms.ModelChoiceField(
        queryset=Bundle.objects.filter(active=True),
        required=False,
        widget=forms.RadioSelect,
        empty_label=_("Single services"),
        label=_("Life event"),
    )
    services = forms.ModelMultipleChoiceField(
        queryset=ServiceType.objects.filter(active=True).order_by("position", "code"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Services the applicant chose"),
        help_text=_("With a life event and nothing ticked, its usual services are opened."),
        to_field_name="code",
    )
    role = forms.ChoiceField(
        choices=[("", _("— as the life event allows —")), *Bundle.Role.choices], required=False, label=_("Applies as")
    )
    second_signatory = forms.CharField(
        required=False, max_length=300, label=_("Second parent (full name)"), help_text=_("When both parents apply.")
    )
    duplicate_reason = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label=_("Reason for a second open case")
    )

    def __init__(self, *args, front_offices=(), **kwargs):
        super().__init__(*args, **kwargs)
        if len(front_offices) > 1:
            self.fields["front_office"] = forms.ChoiceField(
                choices=[(fo.pk, fo.name) for fo in front_offices], label=_("Front office")
            )


class ServiceAddForm(forms.Form):
    service = forms.ModelChoiceField(queryset=ServiceType.objects.filter(active=True), to_field_name="code")
    duplicate_reason = forms.CharField(required=False)
