from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import DocumentType


class CodeRequestForm(forms.Form):
    receipt = forms.CharField(label=_("Receipt number"), max_length=40, help_text=_("As printed on your receipt."))
    phone = forms.CharField(label=_("Phone number"), max_length=30, help_text=_("The number you gave at the office."))


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Code from the SMS"), max_length=12)


class PhoneUploadForm(forms.Form):
    document_type = forms.ModelChoiceField(
        label=_("What is it?"), queryset=DocumentType.objects.none(), required=False, empty_label=_("I don't know")
    )

    def __init__(self, *args, document_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document_type"].queryset = DocumentType.objects.filter(pk__in=[t.pk for t in document_types])
