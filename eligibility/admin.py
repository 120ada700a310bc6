from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.exceptions import DomainError
from eligibility import services
from eligibility.models import DryRun, Evaluation, Parameter, ParameterChange, RulePublication


class RecordAdmin(admin.ModelAdmin):
    """A record the services write (a published row, an evaluation, a dry run): shown, never added, edited or
    deleted by hand — a dry run typed in the admin would stand for one never run, an evaluation for a decision's
    reasons never given."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Parameter)
class ParameterAdmin(RecordAdmin):
    """A row is written by approving a parameter change (four eyes, after a dry run)."""

    list_display = ["service", "code", "value", "valid_from", "valid_to", "approved_by"]
    list_filter = ["service", "code"]


@admin.register(ParameterChange)
class ParameterChangeAdmin(admin.ModelAdmin):
    list_display = ["service", "code", "value", "valid_from", "status", "proposed_by", "dry_run", "approved_by"]
    list_filter = ["status", "service"]
    fields = ["service", "code", "value", "valid_from", "valid_to", "reference"]
    actions = ["dry_run", "approve"]

    def has_change_permission(self, request, obj=None):
        return obj is None

    def save_model(self, request, obj, form, change):
        obj.proposed_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=gettext_lazy("Dry run the selected changes over 12 months"))
    def dry_run(self, request, queryset):
        for change in queryset.filter(status=ParameterChange.Status.PROPOSED):
            run = services.dry_run_record(service=change.service, by=request.user, change=change)
            self.message_user(
                request,
                _("%(change)s: %(cases)s cases replayed, %(changed)s outcomes changed, %(missing)s lack a fact")
                % {"change": change, "cases": run.cases, "changed": run.outcome_changed, "missing": run.unknown},
            )

    @admin.action(description=gettext_lazy("Approve and publish (a second person, after a dry run)"))
    def approve(self, request, queryset):
        for change in queryset:
            try:
                services.parameter_change_approve(change=change, by=request.user)
            except DomainError as e:
                self.message_user(request, f"{change}: {e}", messages.ERROR)


@admin.register(DryRun)
class DryRunAdmin(RecordAdmin):
    list_display = [
        "service",
        "rules_version",
        "run_at",
        "run_by",
        "cases",
        "outcome_changed",
        "amount_changed",
        "unknown",
    ]


@admin.register(Evaluation)
class EvaluationAdmin(RecordAdmin):
    list_display = ["case", "at", "rules_version", "outcome", "amount", "acted"]
    list_filter = ["outcome", "service", "acted"]
    raw_id_fields = ["case"]


@admin.register(RulePublication)
class RulePublicationAdmin(RecordAdmin):
    """Proposed and approved on the dry-run page (a recorded dry run, four eyes)."""

    list_display = ["version", "valid_from", "status", "proposed_by", "approved_by", "approved_at", "dry_run", "note"]
    list_filter = ["status", "service"]
