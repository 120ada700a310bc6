"""Forms parse what a person typed; the rules are in ``payments.services``."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import ServiceType
from payments.models import Statement


class MonthInput(forms.DateInput):
    input_type = "month"

    def format_value(self, value):
        return value.strftime("%Y-%m") if hasattr(value, "strftime") else value


class FilterForm(forms.Form):
    period = forms.DateField(label=_("Month"), required=False, input_formats=["%Y-%m"], widget=MonthInput())
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *Statement.Status.choices]
    )


class DisputeForm(forms.Form):
    claimed_count = forms.IntegerField(label=_("Intakes you counted"), min_value=0)
    comment = forms.CharField(label=_("What is wrong"), widget=forms.Textarea(attrs={"rows": 3}))
    contested = forms.CharField(
        label=_("Intakes not counted (case numbers, one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_contested(self) -> list[str]:
        return [n.strip() for n in self.cleaned_data["contested"].replace(",", "\n").splitlines() if n.strip()]


class ApproveForm(forms.Form):
    note = forms.CharField(
        label=_("Note (how a dispute was settled)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    acknowledge_over_budget = forms.BooleanField(
        label=_("Approve even if the year's budget is exceeded"), required=False
    )


class PayForm(forms.Form):
    reference = forms.CharField(label=_("Treasury reference"), max_length=100)
    paid_on = forms.DateField(label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    amount = forms.DecimalField(label=_("Amount paid, UAH"), max_digits=14, decimal_places=2)


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the reversal"), max_length=500)


class RateForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount per intake, UAH"), max_digits=12, decimal_places=2, min_value=Decimal("0.01")
    )
    service_type = forms.ModelChoiceField(
        label=_("Service"),
        queryset=ServiceType.objects.all(),
        required=False,
        empty_label=_("All services (general rate)"),
    )
    valid_from = forms.DateField(
        label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    valid_to = forms.DateField(
        label=_("Valid to (inclusive; empty: open-ended)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class RateEndForm(forms.Form):
    valid_to = forms.DateField(
        label=_("Last day in force"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class BudgetForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    amount = forms.DecimalField(label=_("Budget, UAH"), max_digits=16, decimal_places=2, min_value=0)


class ReconcileForm(forms.Form):
    file = forms.FileField(label=_("The statements file with payments filled in (CSV or XLSX)"))


class DashboardForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)
    period = forms.DateField(
        label=_("Month for communities"), required=False, input_formats=["%Y-%m"], widget=MonthInput()
    )
