"""The accrual ledger: one line per billable intake, corrections as reversal lines; never edited or deleted.

A line is filed under its statement while that statement row is held ``FOR UPDATE``; issuing holds the same rows,
so a line is either counted by the issue or filed under the next open month — never lost between them. The accept
transition holds the case row first (``backoffice.services.case_accept``), then the statement row; nothing here
locks in the other order."""

import logging
from datetime import date, datetime
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.exceptions import InvalidInput, TransitionNotAllowed
from cases.models import Application, Document, Membership
from cases.models.channel import Channel
from payments.models import Accrual, FeeRate, Statement, UnbilledIntake
from payments.selectors import fee_rate_in_force
from payments.services.periods import current_period, month_of
from payments.services.roles import require_ministry

logger = logging.getLogger(__name__)

K = Accrual.Kind
St = Statement.Status


# Django's ORM has no UPDATE … RETURNING; the statement is fixed text, every value a parameter.
_ADD_TO_OPEN_STATEMENT = (
    'UPDATE "payments_statement" SET "count" = "count" + %s, "amount" = "amount" + %s '
    'WHERE "community_id" = %s AND "period" = %s AND "status" = %s RETURNING "id"'
)


def _add_to_open_statement(*, community_id: int, period: date, units: int, amount: Decimal) -> tuple[int, date] | None:
    """Add a line's totals to the open statement of ``community_id`` × ``period`` and hold its row: one
    ``UPDATE … WHERE status = 'open' RETURNING id`` takes the same row lock a ``SELECT … FOR UPDATE`` would, so
    issuing (which holds the same rows) sees either the whole line or none of it. None: no open statement there."""
    with connection.cursor() as cursor:
        cursor.execute(_ADD_TO_OPEN_STATEMENT, [units, amount, community_id, period, St.OPEN])
        row = cursor.fetchone()
    return (row[0], period) if row is not None else None


def _statement_for_line(*, community_id: int, period: date, units: int, amount: Decimal) -> tuple[int, date]:
    """The open statement a new line of ``period`` is filed under, its totals already counting the line and its row
    held until the transaction ends: that month's, if its statement is still open; otherwise (issued, or a past
    month without a statement) the current month's. Call inside a transaction. Returns (statement id, period)."""
    current = current_period()
    if period < current:
        taken = _add_to_open_statement(community_id=community_id, period=period, units=units, amount=amount)
        if taken is not None:
            return taken
    taken = _add_to_open_statement(community_id=community_id, period=current, units=units, amount=amount)
    if taken is not None:
        return taken
    # The month's first line: INSERT … ON CONFLICT DO NOTHING (two transactions opening it at once never fail).
    Statement.objects.bulk_create([Statement(community_id=community_id, period=current)], ignore_conflicts=True)
    taken = _add_to_open_statement(community_id=community_id, period=current, units=units, amount=amount)
    if taken is None:  # issuing needs the month to have ended, so the running month is always open
        raise TransitionNotAllowed(_("The current month's statement is already issued."))
    return taken


def _ledger_append(*, case_id: int, community_id: int, kind: str, amount: Decimal, period: date, **fields) -> Accrual:
    units = 1 if kind == K.ACCRUAL else -1
    statement_id, period = _statement_for_line(community_id=community_id, period=period, units=units, amount=amount)
    return Accrual.objects.create(
        case_id=case_id,
        community_id=community_id,
        statement_id=statement_id,
        kind=kind,
        amount=amount,
        period=period,
        **fields,
    )


# Channels where the product, not a front office, opens the case: a proactive offer accepted, a renewal. Such a case
# is an intake (and accrues) only if a front office worked on it.
PRODUCT_CHANNELS = (Channel.PROACTIVE, Channel.RENEWAL)
FRONT_ROLES = (Membership.Role.CLERK, Membership.Role.SUPERVISOR)


def front_office_worked(case) -> bool:
    """A front-office user opened the case or its application (a clerk took the person's consent), or added a
    document to it (a clerk took the papers). Documents the product filed itself (registry extracts, the form of an
    offer accepted online) are filed as the product's system user or the case's opener, so they never count alone."""
    users = {case.created_by_id}
    if case.application_id:
        users |= set(Application.objects.filter(pk=case.application_id).values_list("created_by_id", flat=True))
    users |= set(Document.objects.filter(case_id=case.pk).values_list("created_by_id", flat=True).distinct())
    return Membership.objects.filter(user_id__in=users, role__in=FRONT_ROLES).exists()


def accrues(case) -> bool:
    """The fee rule for who performed the intake (docs/api-payments.md): every case a front office opened accrues;
    a case the product opened (proactive, renewal) accrues only when a front office worked on it."""
    return case.channel not in PRODUCT_CHANNELS or front_office_worked(case)


def accrual_record_for_acceptance(*, case, accepted_at: datetime, by=None) -> Accrual | None:
    """The fee for an accepted intake, at the rate in force on the acceptance day, in the month of acceptance.

    Call inside the accepting transaction, with the case row locked: at most one accrual per case (the database
    constraint backs that up). A resubmission after needs-info is the same intake: it finds the line and stops.

    No rate in force: the acceptance goes ahead without a line (an applicant's case must not wait on ministry
    data, and a zero line would record a fee that was never decided). The intake shows as unbilled on the rates
    page, and creating a rate that covers its day accrues it (``fee_rate_create``)."""
    existing = Accrual.objects.filter(case=case, kind=K.ACCRUAL).first()
    if existing is not None:
        return existing
    if not accrues(case):
        return None  # no front office performed this intake: nothing is owed to a community for it
    day = timezone.localdate(accepted_at)
    rate = fee_rate_in_force(service_type_id=case.service_type_id, on=day)
    if rate is None:
        logger.warning(
            "no fee rate in force on %s for service %s: case %s left unbilled", day, case.service_type_id, case.pk
        )
        UnbilledIntake.objects.get_or_create(
            case_id=case.pk, defaults={"service_type_id": case.service_type_id, "accepted_on": day}
        )
        return None
    return _ledger_append(
        case_id=case.pk,
        community_id=case.community_id,
        kind=K.ACCRUAL,
        amount=rate.amount,
        period=month_of(day),
        accepted_on=day,
        rate=rate,
        created_at=accepted_at,
        created_by_id=by.pk if by is not None else case.accepted_by_id,
    )


def accrue_unbilled(*, rate: FeeRate, by) -> int:
    """Accrue the unbilled intakes a new rate covers, at the rate in force on each acceptance day, each in its own
    month if that statement is still open, else in the current month."""
    waiting = UnbilledIntake.objects.filter(accepted_on__gte=rate.valid_from)
    if rate.valid_to is not None:
        waiting = waiting.filter(accepted_on__lte=rate.valid_to)
    if rate.service_type_id is not None:
        waiting = waiting.filter(service_type_id=rate.service_type_id)
    done = 0
    for item in waiting.select_for_update().select_related("case").order_by("case_id"):
        case = item.case
        if accrual_record_for_acceptance(case=case, accepted_at=case.accepted_at, by=by) is not None:
            item.delete()
            done += 1
    if done:
        logger.info("rate %s: accrued %s intakes accepted while no rate was in force", rate.pk, done)
    return done


@transaction.atomic
def accrual_reverse(*, accrual: Accrual, by, reason: str) -> Accrual:
    """Correct an accrual by a reversal line (negative, with a reason). It lands in the accrual's month if that
    statement is still open, else in the current month. One reversal per accrual; a reversed intake stays reversed."""
    require_ministry(by)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Give the reason for the reversal."), field="reason")
    accrual = Accrual.objects.select_for_update().get(pk=accrual.pk)
    if accrual.kind != K.ACCRUAL:
        raise TransitionNotAllowed(_("Only an accrual can be reversed, not a reversal."))
    if Accrual.objects.filter(reverses=accrual).exists():
        raise TransitionNotAllowed(_("This accrual is already reversed."))
    return _ledger_append(
        case_id=accrual.case_id,
        community_id=accrual.community_id,
        kind=K.REVERSAL,
        amount=-accrual.amount,
        period=accrual.period,
        accepted_on=accrual.accepted_on,
        rate=accrual.rate,
        reverses=accrual,
        reason=reason,
        created_by=by,
    )
