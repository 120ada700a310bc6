"""Reconciliation by file round trip: the accountant marks exported statements paid and uploads the file back."""

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from cases.exceptions import InvalidInput, NotPermitted, TransitionNotAllowed
from cases.statemachine import Attempt
from payments import exports
from payments.exceptions import (
    ReconcileRejected,
)
from payments.models import Statement
from payments.services.periods import money
from payments.services.roles import require_ministry
from payments.services.statements import not_the_issuer, payment_values, statement_pay

logger = logging.getLogger(__name__)

St = Statement.Status


@dataclass
class ReconcileResult:
    applied: list[int]  # statement ids paid by this file
    already_paid: int  # rows whose payment was recorded before (a file uploaded twice)
    skipped: int  # rows without a reference: not paid yet


@transaction.atomic
def statements_reconcile(*, by, upload) -> ReconcileResult:
    """Apply a statements file the accountant marked with treasury references (see ``payments.exports``).

    Every row is checked first and every error is reported with its row and column; if there is any, nothing is
    applied (``ReconcileRejected``). Otherwise each marked statement is paid through ``statement_pay`` in this one
    transaction, so a failure at the last row still leaves nothing half-applied. Uploading the same file twice
    pays nothing twice."""
    require_ministry(by)
    rows = exports.read_rows(upload)
    ids = {int(r.text("statement_id")) for r in rows if r.text("statement_id").isdigit()}
    statements = {s.pk: s for s in Statement.objects.filter(pk__in=ids).select_related("community")}
    errors: list[dict] = []
    plan: list[tuple] = []
    seen: set[int] = set()
    already = skipped = 0

    def error(row, column: str, message) -> None:
        errors.append({"row": row.number, "column": column, "message": str(message)})

    for row in rows:
        reference = row.text("reference")
        if not reference:
            skipped += 1
            continue
        raw_id = row.text("statement_id")
        statement = statements.get(int(raw_id)) if raw_id.isdigit() else None
        if statement is None:
            error(row, "statement_id", _("No such statement."))
            continue
        if statement.pk in seen:
            error(row, "statement_id", _("This statement appears twice in the file."))
            continue
        seen.add(statement.pk)
        if (
            row.text("community_code") != statement.community.katottg
            or row.text("month") != f"{statement.period:%Y-%m}"
        ):
            error(row, "community_code", _("The row does not match the statement (community or month changed)."))
            continue
        try:
            listed = money(row.text("amount"))
        except InvalidInput:
            listed = None
        if listed != statement.amount:
            error(row, "amount", _("The amount column was changed; it must stay as exported."))
            continue
        paid_on = exports.parse_day(row.values.get("paid_on"))
        if paid_on is None:
            error(row, "paid_on", _("Write the date of payment as YYYY-MM-DD or DD.MM.YYYY."))
            continue
        if statement.status == St.PAID:
            if statement.payment_reference == reference:
                already += 1
            else:
                error(
                    row, "reference", _t("Already paid with reference %(ref)s.") % {"ref": statement.payment_reference}
                )
            continue
        if statement.status != St.APPROVED:
            error(row, "status", _t("The statement is %(status)s, not approved: it cannot be paid.")
                  % {"status": statement.get_status_display().lower()})  # fmt: skip
            continue
        if not not_the_issuer.holds(Attempt(obj=statement, action="pay", by=by)):
            error(row, "reference", _("You issued this statement; someone else must record its payment."))
            continue
        try:
            values = payment_values(
                statement, reference=reference, paid_on=paid_on, amount=row.text("paid_amount") or statement.amount
            )
        except InvalidInput as failure:
            error(row, failure.extra.get("field", "paid_amount"), failure.message)
            continue
        plan.append((statement.pk, row, *values))
    if errors:
        raise ReconcileRejected(errors=errors)
    for pk, row, reference, paid_on, amount in plan:
        try:
            statement_pay(statement=pk, by=by, reference=reference, paid_on=paid_on, amount=amount)
        except (InvalidInput, TransitionNotAllowed, NotPermitted) as failure:  # changed since the check above
            raise ReconcileRejected(
                errors=[{"row": row.number, "column": "reference", "message": str(failure.message)}]
            ) from failure
    return ReconcileResult(applied=[p[0] for p in plan], already_paid=already, skipped=skipped)
