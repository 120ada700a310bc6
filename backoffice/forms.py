"""Forms of the review page and the head's bulk actions. They only read input; the rules live in the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from backoffice.services import BulkAction
from cases.models import Case, ChecklistItem, RefusalGround, User


class ReasonForm(forms.Form):
    """A written reason (release by the head, reject intake)."""

    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class NoteForm(forms.Form):
    """The head's note when approving or returning a refusal."""

    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class RequestInfoForm(forms.Form):
    items = forms.ModelMultipleChoiceField(
        label=_("What is missing"),
        queryset=ChecklistItem.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    message = forms.CharField(
        label=_("Message to the front office"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Say exactly what to bring or rescan, and why."),
    )

    def __init__(self, *args, case: Case, checklist_items=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = case.service_type.checklist.all()
        if checklist_items is not None:
            # Reuse the items the page already loaded (with their document types), so rendering costs no query.
            self.fields["items"].choices = [(item.pk, item.title) for item in checklist_items]


# The choice is an act, not a status: "Grant" / "Refuse", not "Granted" / "Refused" (issue 16, words).
DECISION_ACTIONS = [(Case.Decision.GRANTED, _("Grant")), (Case.Decision.REFUSED, _("Refuse"))]


class DecideForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=DECISION_ACTIONS, widget=forms.RadioSelect)
    grounds = forms.ModelMultipleChoiceField(
        label=_("Legal grounds for a refusal"),
        queryset=RefusalGround.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    reason = forms.CharField(
        label=_("Reasons"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("Required for a refusal: why the grounds apply to this applicant."),
    )

    def __init__(self, *args, case: Case, grounds=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grounds"].queryset = case.service_type.refusal_grounds.all()
        if grounds is not None:
            self.fields["grounds"].choices = [(g.pk, g.text) for g in grounds]

    def clean(self):
        """Everything a refusal lacks, said at once (GOV.UK), in the service's own words. ``case_decide`` still
        decides; this only spares the reviewer one round trip per missing part."""
        data = super().clean()
        if data.get("decision") == Case.Decision.REFUSED:
            if not data.get("grounds"):
                self.add_error("grounds", _("A refusal must cite at least one legal ground."))
            if not (data.get("reason") or "").strip():
                self.add_error("reason", _("Give a reason."))
        return data


class ReassignForm(forms.Form):
    to = forms.ModelChoiceField(label=_("Specialist"), queryset=User.objects.none())
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, people, listed=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = people
        self.fields["to"].label_from_instance = lambda u: u.get_full_name() or u.username
        if listed is not None:  # the people the page already loaded: rendering costs no query
            self.fields["to"].choices = [("", "—")] + [(u.pk, u.get_full_name() or u.username) for u in listed]


class BulkForm(forms.Form):
    """The head's action on the selected rows of the queue or of the dashboard's lists."""

    cases = forms.ModelMultipleChoiceField(label=_("Cases"), queryset=Case.objects.none())
    action = forms.ChoiceField(label=_("Action"), choices=BulkAction.choices)
    to = forms.ModelChoiceField(label=_("Specialist"), queryset=User.objects.none(), required=False)
    reason = forms.CharField(label=_("Reason"), required=False)

    def __init__(self, *args, cases, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cases"].queryset = cases
        self.fields["to"].queryset = people
        self.fields["to"].label_from_instance = lambda u: u.get_full_name() or u.username
