"""Fees owed to communities (DESIGN.md §6): rates, the accrual ledger, statements, budgets. Every write is here.

Locking protocol (PostgreSQL row locks; SQLite serialises writers anyway):
- a ledger line is filed under its statement while that statement row is held ``FOR UPDATE``; issuing holds the same
  rows, so a line is either counted by the issue or filed under the next open month — never lost between them;
- the accept transition holds the case row first (``backoffice.services.case_accept``), then the statement row;
  nothing here locks in the other order;
- statement transitions lock the statement row; approval also locks the year's budget row.

Separation of duties: a statement is approved and paid by someone other than the person who issued it. A
statement issued by the month-end job (``issued_by`` empty) may be approved and paid by any ministry user.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from django.db import connection, transaction
from django.db.models import Case as SqlCase
from django.db.models import F, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from cases import clock
from cases.access import access_for
from cases.exceptions import InvalidInput, NotPermitted, SeparationOfDuties, TransitionNotAllowed
from cases.models import Case, ServiceType
from payments import exports
from payments.exceptions import (
    BudgetExceeded,
    FeeRateOverlap,
    FeeRateRewritesHistory,
    MonthNotEnded,
    PaymentMismatch,
    ReconcileRejected,
)
from payments.models import ZERO, Accrual, Budget, ContestedIntake, FeeRate, Statement, UnbilledIntake

logger = logging.getLogger(__name__)

K = Accrual.Kind
St = Statement.Status
CENT = Decimal("0.01")
MAX_CONTESTED = 100

# --- periods --------------------------------------------------------------------------------------------------------


def month_of(day: date) -> date:
    return day.replace(day=1)


def current_period() -> date:
    """The month that is running now: its statements are open."""
    return month_of(clock.today())


def next_month(period: date) -> date:
    return (period.replace(day=28) + timedelta(days=4)).replace(day=1)


def parse_period(value: str) -> date:
    """``YYYY-MM`` to the first day of that month; ``InvalidInput`` otherwise."""
    try:
        year, month = str(value).strip().split("-")
        return date(int(year), int(month), 1)
    except (ValueError, TypeError):
        raise InvalidInput(_("A month is written YYYY-MM, e.g. 2026-03."), field="period") from None


def money(value) -> Decimal:
    """A positive-or-zero amount in UAH with two decimals, from a string, int or Decimal (never a float's noise)."""
    try:
        amount = Decimal(str(value).strip().replace(" ", "").replace(",", "."))
    except (InvalidOperation, ValueError):
        raise InvalidInput(_("Write an amount like 1234.50.")) from None
    if not amount.is_finite() or amount != amount.quantize(CENT):
        raise InvalidInput(_("Write an amount like 1234.50 (at most two decimals)."))
    return amount.quantize(CENT)


def cents(value) -> Decimal:
    """A sum from the database as money (SQLite returns sums of decimals without their scale)."""
    return Decimal(value or 0).quantize(CENT)


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


# --- who may act ----------------------------------------------------------------------------------------------------


def _require_ministry(by) -> None:
    if not access_for(by).is_ministry:
        raise NotPermitted(_("Only ministry staff may do this."))


def _require_supervisor(statement: Statement, by) -> None:
    if statement.community_id not in access_for(by).supervisor_community_ids:
        raise NotPermitted(_("Only the community's supervisor may confirm or dispute its statement."))


def _require_not_issuer(statement: Statement, by) -> None:
    if statement.issued_by_id is not None and statement.issued_by_id == by.pk:
        raise SeparationOfDuties(_("Someone other than the person who issued this statement must approve and pay it."))


# --- fee rates ------------------------------------------------------------------------------------------------------


def fee_rate_in_force(*, service_type_id: int, on: date) -> FeeRate | None:
    """The rate for ``on`` (both ends of a period inclusive): a service-specific rate beats the general one."""
    in_force = FeeRate.objects.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on), valid_from__lte=on)
    return (
        in_force.filter(service_type_id=service_type_id).order_by("-valid_from").first()
        or in_force.filter(service_type__isnull=True).order_by("-valid_from").first()
    )


def _lock_rate_scope(service_type: ServiceType | None) -> None:
    """Serialise writes to one scope's rates, so two overlapping periods cannot both pass the check."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [7305, service_type.pk if service_type else 0])


def _check_no_overlap(*, service_type, valid_from: date, valid_to: date | None, exclude_pk=None) -> None:
    scope = (
        FeeRate.objects.filter(service_type=service_type)
        if service_type
        else FeeRate.objects.filter(service_type__isnull=True)
    )
    overlapping = scope.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from)).exclude(pk=exclude_pk)
    if valid_to is not None:
        overlapping = overlapping.filter(valid_from__lte=valid_to)
    other = overlapping.order_by("valid_from").first()
    if other is not None:
        until = other.valid_to.strftime("%d.%m.%Y") if other.valid_to else _t("open-ended")
        raise FeeRateOverlap(
            _t("This period overlaps the rate of %(amount)s UAH valid from %(start)s to %(end)s; end that rate first.")
            % {"amount": other.amount, "start": other.valid_from.strftime("%d.%m.%Y"), "end": until}
        )


@transaction.atomic
def fee_rate_create(
    *,
    by,
    amount,
    valid_from: date,
    valid_to: date | None = None,
    service_type: ServiceType | None = None,
    currency: str = "UAH",
) -> FeeRate:
    """A new rate for one service or for all. Its period may not overlap another of the same scope, and a
    service-specific rate may not cover days whose intakes of that service were already accrued at another rate.
    Intakes accepted while no rate was in force and covered by this one are accrued now (see ``_accrue_unbilled``)."""
    _require_ministry(by)
    amount = money(amount)
    if amount <= 0:
        raise InvalidInput(_("A fee rate must be more than zero."), field="amount")
    if valid_to is not None and valid_to < valid_from:
        raise InvalidInput(_("The rate cannot end before it starts."), field="valid_to")
    _lock_rate_scope(service_type)
    _check_no_overlap(service_type=service_type, valid_from=valid_from, valid_to=valid_to)
    if service_type is not None:
        accrued = Accrual.objects.filter(kind=K.ACCRUAL, case__service_type=service_type, accepted_on__gte=valid_from)
        if valid_to is not None:
            accrued = accrued.filter(accepted_on__lte=valid_to)
        if accrued.exists():
            raise FeeRateRewritesHistory()
    rate = FeeRate.objects.create(
        amount=amount,
        currency=currency or "UAH",
        service_type=service_type,
        valid_from=valid_from,
        valid_to=valid_to,
        created_by=by,
    )
    _accrue_unbilled(rate=rate, by=by)
    return rate


@transaction.atomic
def fee_rate_end(*, rate: FeeRate, valid_to: date, by) -> FeeRate:
    """Set the last day a rate is in force (to make room for the next one). It cannot end before a day it was
    already used on, nor run into another rate of its scope."""
    _require_ministry(by)
    _lock_rate_scope(rate.service_type)
    rate = FeeRate.objects.select_for_update().get(pk=rate.pk)
    if valid_to < rate.valid_from:
        raise InvalidInput(_("The rate cannot end before it starts."), field="valid_to")
    if rate.accruals.filter(accepted_on__gt=valid_to).exists():
        raise InvalidInput(_("Fees were already accrued at this rate after that day."), field="valid_to")
    _check_no_overlap(service_type=rate.service_type, valid_from=rate.valid_from, valid_to=valid_to, exclude_pk=rate.pk)
    rate.valid_to = valid_to
    rate.save(update_fields=["valid_to"])
    return rate


# --- the ledger -----------------------------------------------------------------------------------------------------


def _statement_for_line(*, community_id: int, period: date) -> Statement:
    """The open statement a new line of ``period`` is filed under, held ``FOR UPDATE``: that month's, if its
    statement is still open; otherwise (issued, or a past month without a statement) the current month's.
    Call inside a transaction."""
    current = current_period()
    if period < current:
        statement = Statement.objects.select_for_update().filter(community_id=community_id, period=period).first()
        if statement is not None and statement.status == St.OPEN:
            return statement
    period = current
    # INSERT … ON CONFLICT DO NOTHING: two transactions opening the month's statement at once never fail.
    Statement.objects.bulk_create([Statement(community_id=community_id, period=period)], ignore_conflicts=True)
    statement = Statement.objects.select_for_update().get(community_id=community_id, period=period)
    if statement.status != St.OPEN:  # issuing needs the month to have ended, so the running month is always open
        raise TransitionNotAllowed(_("The current month's statement is already issued."))
    return statement


def _ledger_append(*, case_id: int, community_id: int, kind: str, amount: Decimal, period: date, **fields) -> Accrual:
    statement = _statement_for_line(community_id=community_id, period=period)
    line = Accrual.objects.create(
        case_id=case_id,
        community_id=community_id,
        statement=statement,
        kind=kind,
        amount=amount,
        period=statement.period,
        **fields,
    )
    units = 1 if kind == K.ACCRUAL else -1
    Statement.objects.filter(pk=statement.pk).update(count=F("count") + units, amount=F("amount") + amount)
    return line


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


def unbilled_cases():
    """Accepted intakes without an accrual line: no rate was in force when they were accepted."""
    return Case.objects.filter(pk__in=UnbilledIntake.objects.values("case_id"))


def _accrue_unbilled(*, rate: FeeRate, by) -> int:
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
    _require_ministry(by)
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


# --- statements -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str


TRANSITIONS: dict[str, Transition] = {
    "issue": Transition(frozenset({St.OPEN}), St.ISSUED),
    "confirm": Transition(frozenset({St.ISSUED, St.DISPUTED}), St.CONFIRMED),
    "dispute": Transition(frozenset({St.ISSUED}), St.DISPUTED),
    "approve": Transition(frozenset({St.CONFIRMED, St.DISPUTED}), St.APPROVED),
    "pay": Transition(frozenset({St.APPROVED}), St.PAID),
}
ACTION_LABELS = {
    "issue": _("issued"),
    "confirm": _("confirmed"),
    "dispute": _("disputed"),
    "approve": _("approved"),
    "pay": _("paid"),
}


def _check(statement: Statement, action: str) -> None:
    if statement.status not in TRANSITIONS[action].sources:
        raise TransitionNotAllowed(
            _t("This statement is %(status)s; it cannot be %(action)s now.")
            % {"status": statement.get_status_display().lower(), "action": ACTION_LABELS[action]}
        )


def _lock(statement: Statement | int) -> Statement:
    pk = statement.pk if isinstance(statement, Statement) else statement
    return Statement.objects.select_for_update().get(pk=pk)


def available_actions(statement: Statement, user) -> list[str]:
    """The actions ``user`` may try on ``statement`` now (for buttons; the services decide for real)."""
    access = access_for(user)
    actions = []
    for action, transition in TRANSITIONS.items():
        if statement.status not in transition.sources:
            continue
        if action in ("confirm", "dispute"):
            if statement.community_id in access.supervisor_community_ids:
                actions.append(action)
        elif access.is_ministry:
            if action == "issue" and statement.period >= current_period():
                continue
            actions.append(action)
    return actions


def _line_totals(statement_ids: list[int], *, period: date | None = None) -> dict[int, tuple[int, Decimal]]:
    """Count (accruals minus reversals) and amount per statement, one grouped SQL query over the ledger. With
    ``period`` (issuing a whole month) it reads the month's lines by the (period, community) index — every line's
    period is its statement's — rather than matching a long list of statement ids."""
    lines = (
        Accrual.objects.filter(period=period)
        if period is not None
        else Accrual.objects.filter(statement_id__in=statement_ids)
    )
    rows = (
        lines.order_by()
        .values("statement_id")
        .annotate(
            n=Sum(SqlCase(When(kind=K.ACCRUAL, then=Value(1)), default=Value(-1), output_field=IntegerField())),
            total=Sum("amount"),
        )
        .values_list("statement_id", "n", "total")
    )
    wanted = set(statement_ids)
    return {pk: (n, cents(total)) for pk, n, total in rows if pk in wanted}


def _issue(statements: list[Statement], *, by, period: date | None = None) -> int:
    """Freeze locked open statements: control totals from their lines (one grouped SQL aggregate), then one
    ``UPDATE … FROM (VALUES …)`` per thousand statements (Django's ``bulk_update`` spends seconds in Python building
    CASE expressions for a month's 1,500 statements)."""
    if not statements:
        return 0
    totals = _line_totals([s.pk for s in statements], period=period)
    now = clock.now()
    rows = []
    for statement in statements:
        count, amount = totals.get(statement.pk, (0, ZERO))
        if (count, amount) != (statement.count, statement.amount):
            logger.error("statement %s: running totals %s/%s differ from its lines %s/%s; the lines win",
                         statement.pk, statement.count, statement.amount, count, amount)  # fmt: skip
        statement.count, statement.amount = count, amount
        statement.status, statement.issued_at, statement.issued_by = St.ISSUED, now, by
        rows.append((statement.pk, count, amount))
    table = Statement._meta.db_table
    for start in range(0, len(rows), 1000):
        chunk = rows[start : start + 1000]
        values = ", ".join(["(CAST(%s AS bigint), CAST(%s AS integer), CAST(%s AS numeric))"] * len(chunk))
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET status = %s, issued_at = %s, issued_by_id = %s, "  # noqa: S608 - our table name
                f"count = v.column2, amount = v.column3 FROM (VALUES {values}) AS v WHERE {table}.id = v.column1",
                [St.ISSUED, now, by.pk if by else None, *(value for row in chunk for value in row)],
            )
    return len(statements)


def _require_ended(period: date) -> None:
    if period >= current_period():
        raise MonthNotEnded()


@transaction.atomic
def statement_issue(*, statement: Statement, by) -> Statement:
    """Issue one community's statement for an ended month: frozen, control totals equal to its lines."""
    _require_ministry(by)
    statement = _lock(statement)
    if statement.status != St.OPEN:
        return statement
    _require_ended(statement.period)
    _issue([statement], by=by)
    return statement


@transaction.atomic
def statement_issue_month(*, period: date, by=None) -> int:
    """Issue every open statement of an ended month; ``by=None`` is the month-end job. Returns how many."""
    if by is not None:
        _require_ministry(by)
    _require_ended(period)
    statements = list(Statement.objects.select_for_update().filter(period=period, status=St.OPEN).order_by("pk"))
    return _issue(statements, by=by, period=period)


def statement_issue_ended_months() -> dict[date, int]:
    """The month-end job: issue the open statements of every month that has ended (normally just the last one;
    a missed run, or a line filed at the very turn of the month, is caught by the next). Idempotent."""
    periods = (
        Statement.objects.filter(status=St.OPEN, period__lt=current_period())
        .order_by("period")
        .values_list("period", flat=True)
        .distinct()
    )
    return {period: statement_issue_month(period=period) for period in list(periods)}


@transaction.atomic
def statement_confirm(*, statement: Statement, by) -> Statement:
    """The community's supervisor agrees with the issued statement (also after disputing it, once settled)."""
    statement = _lock(statement)
    _require_supervisor(statement, by)
    if statement.status == St.CONFIRMED:
        return statement
    _check(statement, "confirm")
    statement.status, statement.confirmed_at, statement.confirmed_by = St.CONFIRMED, clock.now(), by
    statement.save(update_fields=["status", "confirmed_at", "confirmed_by"])
    return statement


def _contested_finding(statement: Statement, number: str) -> ContestedIntake:
    case = Case.objects.filter(number=number, community_id=statement.community_id).only("pk", "accepted_at").first()
    found = ContestedIntake(statement=statement, case_number=number, case=case)
    F_ = ContestedIntake.Finding
    if case is None:
        found.finding = F_.NOT_FOUND
    elif case.accepted_at is None:
        found.finding = F_.NOT_ACCEPTED
    else:
        line = Accrual.objects.filter(case=case, kind=K.ACCRUAL).first()
        if line is None:
            found.finding = F_.UNBILLED
        else:
            found.counted_on_id = line.statement_id
            if Accrual.objects.filter(reverses=line).exists():
                found.finding = F_.REVERSED
            elif line.statement_id == statement.pk:
                found.finding = F_.COUNTED_HERE
            else:
                found.finding = F_.COUNTED_ELSEWHERE
    return found


@transaction.atomic
def statement_dispute(
    *, statement: Statement, by, claimed_count, comment: str, contested: list[str] | tuple = ()
) -> Statement:
    """The community disagrees: its own count, a comment, and optionally the numbers of intakes it says were
    not counted (each looked up in the ledger, so the ministry sees at once where it went)."""
    statement = _lock(statement)
    _require_supervisor(statement, by)
    if statement.status == St.DISPUTED:
        return statement
    _check(statement, "dispute")
    try:
        claimed = int(claimed_count)
    except (TypeError, ValueError):
        raise InvalidInput(_("Give the number of intakes you counted."), field="claimed_count") from None
    if claimed < 0:
        raise InvalidInput(_("Give the number of intakes you counted."), field="claimed_count")
    comment = (comment or "").strip()
    if not comment:
        raise InvalidInput(_("Say what is wrong with the statement."), field="comment")
    numbers = list(dict.fromkeys(n.strip() for n in contested if n and n.strip()))
    if len(numbers) > MAX_CONTESTED:
        raise InvalidInput(_("Contest at most 100 intakes at once; say the rest in the comment."), field="contested")
    statement.status, statement.disputed_at, statement.disputed_by = St.DISPUTED, clock.now(), by
    statement.claimed_count, statement.dispute_comment = claimed, comment
    statement.save(update_fields=["status", "disputed_at", "disputed_by", "claimed_count", "dispute_comment"])
    ContestedIntake.objects.bulk_create([_contested_finding(statement, n[:40]) for n in numbers])
    return statement


def budget_figures(*, year: int) -> dict:
    """The year's budget and what was accrued, approved and paid against it (by statement month)."""
    budget = Budget.objects.filter(year=year).first()
    in_year = Statement.objects.filter(period__year=year).order_by()
    sums = in_year.aggregate(
        accrued=Coalesce(Sum("amount"), ZERO),
        approved=Coalesce(Sum("amount", filter=Q(status__in=[St.APPROVED, St.PAID])), ZERO),
        paid=Coalesce(Sum("paid_amount", filter=Q(status=St.PAID)), ZERO),
    )
    sums = {k: cents(v) for k, v in sums.items()}
    amount = budget.amount if budget else None
    return {
        "year": year,
        "budget": amount,
        **sums,
        "remaining": (amount - sums["approved"]) if amount is not None else None,
    }


@transaction.atomic
def statement_approve(*, statement: Statement, by, note: str = "", acknowledge_over_budget: bool = False) -> Statement:
    """The ministry approves a confirmed (or disputed, with a note on how it was settled) statement. If the
    year's approvals would exceed its budget — or no budget is set — it refuses unless told to go ahead."""
    _require_ministry(by)
    statement = _lock(statement)
    if statement.status in (St.APPROVED, St.PAID):
        return statement
    _check(statement, "approve")
    _require_not_issuer(statement, by)
    year = statement.period.year
    budget = Budget.objects.select_for_update().filter(year=year).first()  # approvals of one year queue here
    approved = cents(
        Statement.objects.filter(period__year=year, status__in=[St.APPROVED, St.PAID]).aggregate(
            total=Coalesce(Sum("amount"), ZERO)
        )["total"]
    )
    over = budget is None or approved + statement.amount > budget.amount
    if over and not acknowledge_over_budget:
        if budget is None:
            message = _t("No budget is set for %(year)s. Set it first, or approve anyway.") % {"year": year}
        else:
            message = _t(
                "Approving this statement would bring %(year)s approvals to %(total)s UAH, over the budget of "
                "%(budget)s UAH. Approve anyway only if the overrun is agreed."
            ) % {"year": year, "total": approved + statement.amount, "budget": budget.amount}
        raise BudgetExceeded(message)
    statement.status, statement.approved_at, statement.approved_by = St.APPROVED, clock.now(), by
    statement.approval_note, statement.approved_over_budget = (note or "").strip(), over
    statement.save(update_fields=["status", "approved_at", "approved_by", "approval_note", "approved_over_budget"])
    return statement


def _payment_values(statement: Statement, *, reference, paid_on, amount) -> tuple[str, date, Decimal]:
    reference = (reference or "").strip()
    if not reference:
        raise InvalidInput(_("Give the treasury reference of the payment."), field="reference")
    if len(reference) > 100:
        raise InvalidInput(_("The treasury reference is too long (100 characters at most)."), field="reference")
    if not isinstance(paid_on, date):
        raise InvalidInput(_("Give the date of payment."), field="paid_on")
    if paid_on > clock.today():
        raise InvalidInput(_("The date of payment cannot be in the future."), field="paid_on")
    if statement.approved_at is not None and paid_on < timezone.localdate(statement.approved_at):
        raise InvalidInput(_("The date of payment cannot be before the approval."), field="paid_on")
    amount = money(amount)
    if amount != statement.amount:
        raise PaymentMismatch(
            _t("The amount paid (%(paid)s) must equal the statement's amount (%(amount)s).")
            % {"paid": amount, "amount": statement.amount}
        )
    return reference, paid_on, amount


@transaction.atomic
def statement_pay(*, statement: Statement | int, by, reference: str, paid_on: date, amount) -> Statement:
    """Record the treasury's payment of an approved statement: reference, date and amount (equal to the
    statement's). Repeating the same payment is a no-op."""
    _require_ministry(by)
    statement = _lock(statement)
    if statement.status == St.PAID and statement.payment_reference == (reference or "").strip():
        return statement
    _check(statement, "pay")
    _require_not_issuer(statement, by)
    reference, paid_on, amount = _payment_values(statement, reference=reference, paid_on=paid_on, amount=amount)
    statement.status, statement.paid_at, statement.paid_by = St.PAID, clock.now(), by
    statement.payment_reference, statement.paid_on, statement.paid_amount = reference, paid_on, amount
    statement.save(update_fields=["status", "paid_at", "paid_by", "payment_reference", "paid_on", "paid_amount"])
    return statement


# --- budget ---------------------------------------------------------------------------------------------------------


@transaction.atomic
def budget_set(*, year: int, amount, by) -> Budget:
    """Set (or change) the year's allocation for community fees."""
    _require_ministry(by)
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise InvalidInput(_("Give the year."), field="year") from None
    if not 2000 <= year <= 2100:
        raise InvalidInput(_("Give the year."), field="year")
    amount = money(amount)
    if amount < 0:
        raise InvalidInput(_("A budget cannot be negative."), field="amount")
    budget, _created = Budget.objects.select_for_update().update_or_create(
        year=year, defaults={"amount": amount, "updated_at": clock.now(), "updated_by": by}
    )
    return budget


# --- reconciliation -------------------------------------------------------------------------------------------------


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
    _require_ministry(by)
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
        if statement.issued_by_id is not None and statement.issued_by_id == by.pk:
            error(row, "reference", _("You issued this statement; someone else must record its payment."))
            continue
        try:
            values = _payment_values(
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
