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
from payments.selectors import fee_rates_in_force
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
    return case.pk in front_office_worked_for([case])


def accrues(case) -> bool:
    """The fee rule for who performed the intake (docs/api-payments.md): every case a front office opened accrues;
    a case the product opened (proactive, renewal) accrues only when a front office worked on it."""
    return bool(accruing([case]))


def accruing(cases) -> set[int]:
    """``accrues`` for many cases: the pks of those that accrue (three queries for all the product-opened ones)."""
    cases = list(cases)
    product = [c for c in cases if c.channel in PRODUCT_CHANNELS]
    worked = front_office_worked_for(product) if product else set()
    return {c.pk for c in cases if c.channel not in PRODUCT_CHANNELS or c.pk in worked}


def accrual_record_for_acceptance(*, case, accepted_at: datetime, by=None) -> Accrual | None:
    """The fee for an accepted intake, at the rate in force on the acceptance day, in the month of acceptance.

    Call inside the accepting transaction, with the case row locked: at most one accrual per case (the database
    constraint backs that up). A resubmission after needs-info is the same intake: it finds the line and stops.

    No rate in force: the acceptance goes ahead without a line (an applicant's case must not wait on ministry
    data, and a zero line would record a fee that was never decided). The intake shows as unbilled on the rates
    page, and creating a rate that covers its day accrues it (``fee_rate_create``)."""
    return accruals_record_for_acceptance(cases=[case], accepted_at=accepted_at, by=by)[case.pk]


def front_office_worked_for(cases) -> set[int]:
    """``front_office_worked`` for many cases in three queries whatever their number: the pks of those a front-office
    user opened (or opened the application of), or added a document to."""
    cases = list(cases)
    if not cases:
        return set()
    users: dict[int, set[int]] = {c.pk: {c.created_by_id} for c in cases}
    by_application: dict[int, list[int]] = {}
    for c in cases:
        if c.application_id:
            by_application.setdefault(c.application_id, []).append(c.pk)
    for application_id, user_id in Application.objects.filter(pk__in=list(by_application)).values_list(
        "pk", "created_by_id"
    ):
        for pk in by_application[application_id]:
            users[pk].add(user_id)
    for case_id, user_id in (
        Document.objects.filter(case_id__in=list(users)).values_list("case_id", "created_by_id").distinct()
    ):
        users[case_id].add(user_id)
    everyone = set().union(*users.values()) - {None}
    front = set(Membership.objects.filter(user_id__in=everyone, role__in=FRONT_ROLES).values_list("user_id", flat=True))
    return {pk for pk, ids in users.items() if ids & front}


def accruals_record_for_acceptance(*, cases, by=None, accepted_at: datetime | None = None) -> dict[int, Accrual | None]:
    """``accrual_record_for_acceptance`` for many accepted cases (each at its ``accepted_at``, unless one
    ``accepted_at`` is given for all), set-based, with the
    same rules: a case that has its line already keeps it (a repeat writes nothing), a case no front office performed
    accrues nothing (``accrues``), a day without a rate leaves the intake unbilled. A constant number of statements
    whatever the number of cases: the lines there already, the rates, one ``UPDATE … RETURNING`` of the totals per
    community × month (in that order, so two batches never wait on each other in a circle), one INSERT of the lines.
    Call inside the accepting transaction, with the case rows locked. Returns the line of each case (None: none)."""
    cases = list(cases)
    out: dict[int, Accrual | None] = {c.pk: None for c in cases}
    if not cases:
        return out
    existing = {a.case_id: a for a in Accrual.objects.filter(case__in=[c.pk for c in cases], kind=K.ACCRUAL)}
    out.update(existing)
    todo = [c for c in cases if c.pk not in existing]
    accrue = accruing(todo)  # no front office performed the others: nothing is owed to a community for them
    todo = [c for c in todo if c.pk in accrue]
    if not todo:
        return out
    at = {c.pk: accepted_at or c.accepted_at for c in todo}
    days = {pk: timezone.localdate(when) for pk, when in at.items()}
    rates = fee_rates_in_force(pairs={(c.service_type_id, days[c.pk]) for c in todo})
    billed, unbilled = [], []
    for c in todo:
        rate = rates.get((c.service_type_id, days[c.pk]))
        if rate is None:
            logger.warning(
                "no fee rate in force on %s for service %s: case %s left unbilled",
                days[c.pk],
                c.service_type_id,
                c.pk,
            )
            unbilled.append(UnbilledIntake(case_id=c.pk, service_type_id=c.service_type_id, accepted_on=days[c.pk]))
        else:
            billed.append((c, rate))
    if unbilled:
        UnbilledIntake.objects.bulk_create(unbilled, ignore_conflicts=True)
    totals: dict[tuple[int, date], list] = {}
    for c, rate in billed:
        totals.setdefault((c.community_id, month_of(days[c.pk])), []).append((c, rate))
    lines = []
    for (community_id, period), group in sorted(totals.items()):
        amount = sum((rate.amount for _c, rate in group), Decimal("0"))
        statement_id, period = _statement_for_line(
            community_id=community_id, period=period, units=len(group), amount=amount
        )
        for c, rate in group:
            lines.append(
                Accrual(
                    case_id=c.pk,
                    community_id=community_id,
                    statement_id=statement_id,
                    kind=K.ACCRUAL,
                    amount=rate.amount,
                    period=period,
                    accepted_on=days[c.pk],
                    rate=rate,
                    created_at=at[c.pk],
                    created_by_id=by.pk if by is not None else c.accepted_by_id,
                )
            )
    Accrual.objects.bulk_create(lines)
    out.update({line.case_id: line for line in lines})
    return out


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
