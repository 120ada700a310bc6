"""Payments' named errors, in the kernel's family (``cases.exceptions``): the UI shows ``message``, the API answers
``status`` with ``{"code", "detail"}`` (and ``errors`` for a rejected reconciliation file)."""

from django.utils.translation import gettext_lazy as _

from cases.exceptions import DomainError, InvalidInput, TransitionNotAllowed


class MonthNotEnded(TransitionNotAllowed):
    code = "month_not_ended"
    default_message = _("A month's statement can be issued only after the month has ended.")


class BudgetExceeded(DomainError):
    code = "budget_exceeded"
    default_message = _("Approving this statement would exceed the year's budget.")


class FeeRateOverlap(DomainError):
    """409: the period conflicts with a rate already in force, not with the request's own fields."""

    code = "fee_rate_overlap"
    default_message = _("This period overlaps another rate for the same service.")


class FeeRateRewritesHistory(DomainError):
    """409: fees already accrued in the period (the ledger's state) would change."""

    code = "fee_rate_rewrites_history"
    default_message = _("Fees were already accrued in this period at another rate; a rate cannot change them.")


class PaymentMismatch(InvalidInput):
    code = "payment_mismatch"
    default_message = _("The amount paid must equal the statement's amount.")


class ReconcileRejected(InvalidInput):
    code = "reconcile_rejected"
    default_message = _("The file was not applied: correct the rows listed and upload it again.")
