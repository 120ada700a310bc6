from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases import clock


class FeeRate(models.Model):
    """The fee per intake in force over a period, for one service or (service empty) for all."""

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
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("fee rate")
        verbose_name_plural = _("fee rates")
        constraints = [
            models.CheckConstraint(name="fee_rate_positive", condition=Q(amount__gt=Decimal("0"))),
            models.CheckConstraint(
                name="fee_rate_period_ordered",
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} ({self.service_type or _('all services')}) {self.valid_from}"


class Accrual(models.Model):
    """A ledger line: the fee a community earned for one intake (``accrual``) or its correction (``reversal``).

    Append-only: lines are never edited or deleted. At most one ``accrual`` line per case, by a constraint.
    """

    class Kind(models.TextChoices):
        ACCRUAL = "accrual", _("Accrual")
        REVERSAL = "reversal", _("Reversal")

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="accruals")
    community = models.ForeignKey("cases.Community", on_delete=models.PROTECT, related_name="accruals")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ACCRUAL)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    period = models.DateField(help_text="First day of the month the line belongs to.")
    rate = models.ForeignKey(FeeRate, on_delete=models.PROTECT, null=True, blank=True, related_name="accruals")
    reason = models.TextField(blank=True)
    reverses = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversals")
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
        ]
        indexes = [models.Index(fields=["period", "community"], name="accrual_period_community")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.period:%m.%Y} case {self.case_id}"
