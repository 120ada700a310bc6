"""Dated parameters approved by a second person, every evaluation with its explanation, and recorded dry runs.

Rules are code (``eligibility.rules``); what changes with the law — amounts, thresholds, terms — are ``Parameter``
rows with the act they come from. A row is written only by approving a ``ParameterChange`` that someone else proposed
and that has a recorded ``DryRun``; rows are never edited afterwards (a change is a new row that closes the old one).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases import clock


class Parameter(models.Model):
    """An amount or threshold of one service's rule, in force from ``valid_from`` to ``valid_to`` (inclusive)."""

    service = models.CharField(_("service"), max_length=40)
    code = models.CharField(_("parameter"), max_length=60)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    reference = models.TextField(_("legal reference"), help_text=_("The act (and article) that fixes this value."))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["service", "code", "valid_from"]
        verbose_name = _("rule parameter")
        verbose_name_plural = _("rule parameters")
        constraints = [
            models.UniqueConstraint(fields=["service", "code", "valid_from"], name="parameter_unique_start"),
            models.CheckConstraint(
                name="parameter_period_order",
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service}.{self.code} = {self.value} ({self.valid_from}…{self.valid_to or ''})"


class DryRun(models.Model):
    """A proposed rule or parameter version replayed over the decided cases of the last N months: what would change."""

    service = models.CharField(_("service"), max_length=40)
    rules_version = models.CharField(_("rule version"), max_length=60)
    proposal = models.JSONField(_("proposed parameters"), default=dict, blank=True)
    months = models.PositiveSmallIntegerField(_("months replayed"), default=12)
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    run_at = models.DateTimeField(default=clock.now)
    cases = models.PositiveIntegerField(_("cases replayed"), default=0)
    outcome_changed = models.PositiveIntegerField(_("outcomes changed"), default=0)
    amount_changed = models.PositiveIntegerField(_("amounts changed"), default=0)
    unknown = models.PositiveIntegerField(_("facts missing"), default=0)
    errors = models.PositiveIntegerField(_("errors"), default=0)
    sample = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-run_at", "-pk"]
        verbose_name = _("dry run")
        verbose_name_plural = _("dry runs")

    def __str__(self) -> str:
        return f"{self.service} {self.rules_version} {self.run_at:%Y-%m-%d %H:%M}"


class ParameterChange(models.Model):
    """A proposed parameter row. It takes effect only when a second person approves it after a recorded dry run."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Rejected")

    service = models.CharField(_("service"), max_length=40)
    code = models.CharField(_("parameter"), max_length=60)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    reference = models.TextField(_("legal reference"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(default=clock.now)
    dry_run = models.ForeignKey(DryRun, on_delete=models.PROTECT, null=True, blank=True, related_name="changes")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    parameter = models.OneToOneField(Parameter, on_delete=models.PROTECT, null=True, blank=True, related_name="change")

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        verbose_name = _("parameter change")
        verbose_name_plural = _("parameter changes")
        constraints = [
            models.CheckConstraint(
                name="parameter_change_four_eyes",
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("proposed_by")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service}.{self.code} → {self.value} from {self.valid_from} ({self.get_status_display()})"


class Evaluation(models.Model):
    """One run of a service's rule over one case: inputs with sources, versions, each condition, the amount.

    ``outcome``: ``grant`` (every condition passed), ``fail`` (a refusal needs a person), ``unknown`` (a fact is
    missing), ``error`` (a rule or parameter problem; ``reason`` says which). ``acted``: the robot granted on it.
    """

    class Outcome(models.TextChoices):
        GRANT = "grant", _("Every condition passed")
        FAIL = "fail", _("A condition failed: a refusal needs a person")
        UNKNOWN = "unknown", _("A fact is missing")
        ERROR = "error", _("Could not be evaluated")

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="evaluations")
    at = models.DateTimeField(default=clock.now)
    trigger = models.CharField(max_length=20, blank=True)
    service = models.CharField(max_length=40)
    rules_version = models.CharField(max_length=60, blank=True)
    filing_date = models.DateField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reason = models.CharField(max_length=300, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    months = models.PositiveSmallIntegerField(null=True, blank=True)
    facts = models.JSONField(default=list)
    parameters = models.JSONField(default=list)
    conditions = models.JSONField(default=list)
    steps = models.JSONField(default=list)
    registry_backed = models.BooleanField(default=False)
    acted = models.BooleanField(default=False)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        indexes = [models.Index(fields=["case", "at"], name="evaluation_case_at")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.rules_version} {self.outcome}"


class RulePublication(models.Model):
    """A rule version (code in ``eligibility.rules``) published for decisions from ``valid_from``.

    Code alone decides nothing: the engine uses only versions with a ``published`` row. A publication is proposed
    with a recorded dry run of that very version and approved by a second person (the versions shipped before this
    workflow were published by the migration, as the system user, with a note).
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Rejected")

    service = models.CharField(_("service"), max_length=40)
    version = models.CharField(_("rule version"), max_length=60)
    valid_from = models.DateField(_("valid from"))
    dry_run = models.ForeignKey(DryRun, on_delete=models.PROTECT, related_name="publications")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    proposed_at = models.DateTimeField(default=clock.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["service", "-valid_from", "-pk"]
        verbose_name = _("rule publication")
        verbose_name_plural = _("rule publications")
        constraints = [
            models.CheckConstraint(
                name="rule_publication_four_eyes",
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("proposed_by")),
            ),
            models.UniqueConstraint(
                fields=["version"], condition=Q(status="published"), name="rule_publication_one_published"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version} from {self.valid_from} ({self.get_status_display()})"
