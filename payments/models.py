"""Fees owed to communities (docs/product.md §6): rates, the append-only accrual ledger, monthly statements, budgets.

The rules live in ``payments.services``; these models hold the data and the constraints the database can keep.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cases import clock

ZERO = Decimal("0.00")


class FeeRate(models.Model):
    """The fee per intake in force over a period, for one service or (service empty) for all services.

    Periods of the same scope never overlap (``payments.services.rates.fee_rate_create`` checks under a lock); a
    service-specific rate beats the general one. A rate is never edited once created, only ended (``valid_to``).
    """

    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="UAH")
    service_type = models.ForeignKey(
        "cases.ServiceType",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fee_rates",
        verbose_name=_("service (empty: all services)"),
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True, help_text=_("Inclusive; empty: open-ended."))
    created_at = models.DateTimeField(default=clock.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-valid_from", "pk"]
        verbose_name = _("fee rate")
        verbose_name_plural = _("fee rates")
        constraints = [
            models.CheckConstraint(name="fee_rate_positive", condition=Q(amount__gt=Decimal("0"))),
            models.CheckConstraint(
                name="fee_rate_period_ordered",
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} ({self.service_type or _('all services')}) {self.valid_from}"

    def covers(self, day) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class Statement(models.Model):
    """What the ministry owes one community for one month: the sum of the ledger lines filed under it.

    Open while lines may still be added (``count``/``amount`` are running totals); *issuing* freezes it and sets
    the control totals from its lines. Then the community confirms or disputes, the ministry approves and records
    the payment. Transitions: ``payments.services.statements.STATEMENTS`` (on ``cases.statemachine``).
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ISSUED = "issued", _("Issued")
        CONFIRMED = "confirmed", _("Confirmed")
        DISPUTED = "disputed", _("Disputed")
        APPROVED = "approved", _("Approved")
        PAID = "paid", _("Paid")

    community = models.ForeignKey(
        "cases.Community", on_delete=models.PROTECT, related_name="statements", verbose_name=_("community")
    )
    period = models.DateField(_("month"), help_text="First day of the month.")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    count = models.IntegerField(_("intakes"), default=0, help_text="Net count of lines (accruals minus reversals).")
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, default=ZERO)
    created_at = models.DateTimeField(default=clock.now)

    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty on an issued statement: issued by the month-end job.",
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    disputed_at = models.DateTimeField(_("disputed"), null=True, blank=True)
    disputed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    claimed_count = models.PositiveIntegerField(_("intakes claimed by the community"), null=True, blank=True)
    dispute_comment = models.TextField(_("dispute comment"), blank=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approval_note = models.TextField(_("approval note"), blank=True)
    approved_over_budget = models.BooleanField(_("approved over budget"), default=False)
    paid_at = models.DateTimeField(_("payment recorded"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    payment_reference = models.CharField(_("treasury reference"), max_length=100, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    paid_amount = models.DecimalField(_("amount paid"), max_digits=14, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["-period", "community__name"]
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        constraints = [
            models.UniqueConstraint(fields=["community", "period"], name="statement_one_per_community_month"),
            models.CheckConstraint(
                name="statement_issued_has_date", condition=Q(status="open") | Q(issued_at__isnull=False)
            ),
            models.CheckConstraint(
                name="statement_paid_has_payment",
                condition=~Q(status="paid")
                | (Q(paid_on__isnull=False, paid_amount__isnull=False) & ~Q(payment_reference="")),
            ),
        ]
        indexes = [models.Index(fields=["period", "status"], name="statement_period_status")]

    def __str__(self) -> str:
        return f"{self.community} {self.period:%m.%Y}"

    @property
    def is_frozen(self) -> bool:
        return self.status != self.Status.OPEN


class StatementEvent(models.Model):
    """One line of a statement's history: who did what, when, from which status to which. Append-only, like the
    ledger (``save`` refuses an update, ``delete`` refuses); written by the statement transitions in the same
    transaction as the change. ``actor`` is empty when the month-end job issued the statement."""

    class Action(models.TextChoices):
        ISSUE = "issue", _("Issued")
        CONFIRM = "confirm", _("Confirmed")
        DISPUTE = "dispute", _("Disputed")
        APPROVE = "approve", _("Approved")
        PAY = "pay", _("Paid")

    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(_("when"), default=clock.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    from_status = models.CharField(_("from"), max_length=10, choices=Statement.Status.choices)
    to_status = models.CharField(_("to"), max_length=10, choices=Statement.Status.choices)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("statement event")
        verbose_name_plural = _("statement events")
        indexes = [models.Index(fields=["statement", "at"], name="statement_event_at")]

    def __str__(self) -> str:
        return f"{self.statement_id} {self.action} {self.from_status}→{self.to_status}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Statement events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Statement events are append-only and never deleted.")


class Accrual(models.Model):
    """A ledger line: the fee a community earned for one intake (``accrual``) or its correction (``reversal``).

    Append-only: lines are never edited or deleted (``save`` refuses an update, ``delete`` refuses). At most one
    ``accrual`` line per case and one reversal per accrual, by constraints. Every line is filed under the open
    statement of its month (``period`` equals ``statement.period``), or of the current month when its own
    month's statement is already issued.
    """

    class Kind(models.TextChoices):
        ACCRUAL = "accrual", _("Accrual")
        REVERSAL = "reversal", _("Reversal")

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="accruals")
    community = models.ForeignKey("cases.Community", on_delete=models.PROTECT, related_name="accruals")
    # Indexed with the line id below: a statement's lines in order, a page at a time, even with 20,000 of them.
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="lines", db_index=False)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ACCRUAL)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    period = models.DateField(help_text="First day of the month the line is filed under (its statement's month).")
    accepted_on = models.DateField(help_text="The day the package was accepted (the rate's day).")
    rate = models.ForeignKey(FeeRate, on_delete=models.PROTECT, null=True, blank=True, related_name="accruals")
    reason = models.TextField(blank=True)
    reverses = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversal")
    created_at = models.DateTimeField(default=clock.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["period", "pk"]
        verbose_name = _("accrual")
        verbose_name_plural = _("accruals")
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=Q(kind="accrual"), name="accrual_one_per_case"),
            models.CheckConstraint(
                name="accrual_line_shape",
                condition=Q(kind="accrual", amount__gt=0, reverses__isnull=True)
                | (Q(kind="reversal", amount__lt=0, reverses__isnull=False) & ~Q(reason="")),
            ),
        ]
        indexes = [
            models.Index(fields=["period", "community"], name="accrual_period_community"),
            models.Index(fields=["statement", "id"], name="accrual_statement_lines"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.period:%m.%Y} case {self.case_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Accrual lines are append-only: add a reversal instead of editing a line.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Accrual lines are append-only and never deleted.")


class UnbilledIntake(models.Model):
    """An accepted intake with no fee yet, because no rate was in force on its acceptance day. Not a ledger line:
    a work list. Creating a rate that covers the day accrues the intake and removes its row."""

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="+")
    service_type = models.ForeignKey("cases.ServiceType", on_delete=models.PROTECT, related_name="+")
    accepted_on = models.DateField()
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["accepted_on", "pk"]
        verbose_name = _("unbilled intake")
        verbose_name_plural = _("unbilled intakes")
        indexes = [models.Index(fields=["accepted_on", "service_type"], name="unbilled_day_service")]

    def __str__(self) -> str:
        return f"case {self.case_id} {self.accepted_on}"


class ContestedIntake(models.Model):
    """An intake a community says was not counted on a statement, with what the ledger says about it."""

    class Finding(models.TextChoices):
        COUNTED_HERE = "counted_here", _("Counted on this statement")
        COUNTED_ELSEWHERE = "counted_elsewhere", _("Counted on another month's statement")
        REVERSED = "reversed", _("Counted and then reversed")
        UNBILLED = "unbilled", _("Accepted, but no fee rate was in force: not yet accrued")
        NOT_ACCEPTED = "not_accepted", _("The package was never accepted: not billable")
        NOT_FOUND = "not_found", _("No such case in this community")

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="contested")
    case_number = models.CharField(_("case number"), max_length=40)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    finding = models.CharField(_("finding"), max_length=20, choices=Finding.choices)
    counted_on = models.ForeignKey(
        Statement, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("counted on")
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("contested intake")
        verbose_name_plural = _("contested intakes")

    def __str__(self) -> str:
        return self.case_number


class Budget(models.Model):
    """The year's allocation for community fees; approvals are warned before they would exceed it."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    updated_at = models.DateTimeField(default=clock.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-year"]
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        constraints = [models.CheckConstraint(name="budget_not_negative", condition=Q(amount__gte=0))]

    def __str__(self) -> str:
        return f"{self.year}: {self.amount}"
