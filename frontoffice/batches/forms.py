"""Forms of the batch pages: input shape only; the rules are in the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import DocumentType


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "application/pdf,image/tiff,image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class UploadForm(forms.Form):
    files = MultipleFileField(
        label=_("Scanned stack"),
        help_text=_("One multi-page PDF or TIFF from the scanner, or several images in order."),
    )
    front_office = forms.ChoiceField(label=_("Front office"))

    def __init__(self, *args, front_offices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["front_office"].choices = [(fo.pk, fo.name) for fo in front_offices]
        if len(self.fields["front_office"].choices) == 1:
            self.fields["front_office"].widget = forms.HiddenInput()
            self.fields["front_office"].initial = front_offices[0].pk


class PagesForm(forms.Form):
    pages = forms.TypedMultipleChoiceField(
        label=_("Pages"), coerce=int, widget=forms.CheckboxSelectMultiple, error_messages={"required": _("Tick pages.")}
    )

    def __init__(self, *args, numbers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pages"].choices = [(n, n) for n in numbers]


class AssignForm(PagesForm):
    case_number = forms.CharField(label=_("Case number"), max_length=40)
    document_type = forms.ModelChoiceField(
        label=_("Document type"),
        queryset=DocumentType.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("Unsorted (label later)"),
    )


class LabelForm(forms.Form):
    document_type = forms.ModelChoiceField(
        label=_("Document type"), queryset=DocumentType.objects.all(), to_field_name="code"
    )
