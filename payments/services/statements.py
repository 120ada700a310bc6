"""Statements: community × month, issued after month end, confirmed or disputed by the community, approved and
paid by the ministry. Each transition locks the statement row; approval also locks the year's budget row."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Case as SqlCase
from django.db.models import IntegerField, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from cases import clock
from cases.access import Access, access_for
from cases.exceptions import DomainError, InvalidInput, NotPermitted, SeparationOfDuties, TransitionNotAllowed
from cases.models import Case
from payments.exceptions import (
    BudgetExceeded,
    MonthNotEnded,
    PaymentMismatch,
)
from payments.models import ZERO, Accrual, Budget, ContestedIntake, Statement, StatementEvent
from payments.services.budget import approval_exceeds_budget
from payments.services.periods import cents, current_period, money
from payments.services.roles import require_ministry

logger = logging.getLogger(__name__)

logger = logging.getLogger(__name__)

K = Accrual.Kind
St = Statement.Status
MAX_CONTESTED = 100


@dataclass(frozen=True)
class Rule:
    """A named precondition: ``passes(statement, access, user)``, and the error that refuses when it does not."""

    name: str
    passes: Callable[[Statement, Access, object], bool]
    refusal: Callable[[], DomainError]


ROLES: dict[str, Rule] = {
    "ministry": Rule(
        "ministry",
        lambda statement, access, user: access.is_ministry,
        lambda: NotPermitted(_("Only ministry staff may do this.")),
    ),
    "supervisor": Rule(
        "supervisor of the community",
        lambda statement, access, user: statement.community_id in access.supervisor_community_ids,
        lambda: NotPermitted(_("Only the community's supervisor may confirm or dispute its statement.")),
    ),
}
GUARDS: dict[str, Rule] = {
    "month_ended": Rule("the month has ended", lambda statement, access, user: _ended(statement.period), MonthNotEnded),
    # Separation of duties; a statement the month-end job issued (``issued_by`` empty) has no issuer to exclude.
    "not_the_issuer": Rule(
        "not the issuer",
        lambda statement, access, user: statement.issued_by_id is None or statement.issued_by_id != user.pk,
        lambda: SeparationOfDuties(
            _("Someone other than the person who issued this statement must approve and pay it.")
        ),
    ),
}


@dataclass(frozen=True)
class Transition:
    """One row of the table: from which statuses, to which, who (a key of ``ROLES``), and the named guards (keys of
    ``GUARDS``) that must all pass. The table is the whole rule: the services and ``available_actions`` ask it."""

    sources: frozenset[str]
    target: str
    role: str
    guards: tuple[str, ...] = ()


TRANSITIONS: dict[str, Transition] = {
    "issue": Transition(frozenset({St.OPEN}), St.ISSUED, "ministry", ("month_ended",)),
    "confirm": Transition(frozenset({St.ISSUED, St.DISPUTED}), St.CONFIRMED, "supervisor"),
    "dispute": Transition(frozenset({St.ISSUED}), St.DISPUTED, "supervisor"),
    "approve": Transition(frozenset({St.CONFIRMED, St.DISPUTED}), St.APPROVED, "ministry", ("not_the_issuer",)),
    "pay": Transition(frozenset({St.APPROVED}), St.PAID, "ministry", ("not_the_issuer",)),
}
ACTION_LABELS = {
    "issue": _("issued"),
    "confirm": _("confirmed"),
    "dispute": _("disputed"),
    "approve": _("approved"),
    "pay": _("paid"),
}


def _ended(period: date) -> bool:
    return period < current_period()


def _require_role(statement: Statement, action: str, by) -> None:
    role = ROLES[TRANSITIONS[action].role]
    if not role.passes(statement, access_for(by), by):
        raise role.refusal()


def _check(statement: Statement, action: str, by) -> None:
    """The state, then every guard of ``action`` (the role is checked first, by ``_require_role``)."""
    transition = TRANSITIONS[action]
    if statement.status not in transition.sources:
        raise TransitionNotAllowed(
            _t("This statement is %(status)s; it cannot be %(action)s now.")
            % {"status": statement.get_status_display().lower(), "action": ACTION_LABELS[action]}
        )
    access = access_for(by)
    for name in transition.guards:
        guard = GUARDS[name]
        if not guard.passes(statement, access, by):
            raise guard.refusal()


def _allowed(statement: Statement, action: str, user) -> bool:
    transition, access = TRANSITIONS[action], access_for(user)
    return (
        ROLES[transition.role].passes(statement, access, user)
        and statement.status in transition.sources
        and all(GUARDS[name].passes(statement, access, user) for name in transition.guards)
    )


def _record(statement: Statement, action: str, *, by, before: str, note: str = "", data: dict | None = None) -> None:
    """The history line of a transition, in its transaction (``StatementEvent`` is append-only)."""
    StatementEvent.objects.create(
        statement=statement,
        at=clock.now(),
        actor=by,
        action=action,
        from_status=before,
        to_status=statement.status,
        note=note,
        data=data or {},
    )


def _lock(statement: Statement | int) -> Statement:
    pk = statement.pk if isinstance(statement, Statement) else statement
    return Statement.objects.select_for_update().get(pk=pk)


def available_actions(statement: Statement, user) -> list[str]:
    """The actions ``user`` may take on ``statement`` now: role, state and every guard of the table, the same checks
    the services make (the budget acknowledgement is input to approval, not a guard)."""
    return [action for action in TRANSITIONS if _allowed(statement, action, user)]


def no_actions_reason(statement: Statement, user) -> str:
    """Why ``user`` has nothing to do on ``statement`` now (shown when ``available_actions`` is empty)."""
    if not any(statement.status in t.sources for t in TRANSITIONS.values()):
        return _t("Nothing: the statement is paid.")
    if statement.status in TRANSITIONS["issue"].sources and access_for(user).is_ministry:
        return _t("Nothing yet: it can be issued once the month has ended.")
    return _t("Nothing at this stage.")


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
    actor_id = by.pk if by else None
    events = [
        StatementEvent(statement_id=s.pk, at=now, actor_id=actor_id, action="issue", from_status=St.OPEN,
                       to_status=St.ISSUED, data={"count": s.count, "amount": str(s.amount)})
        for s in statements
    ]  # fmt: skip
    table = Statement._meta.db_table
    for start in range(0, len(rows), 1000):
        chunk = rows[start : start + 1000]
        values = ", ".join(["(CAST(%s AS bigint), CAST(%s AS integer), CAST(%s AS numeric))"] * len(chunk))
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET status = %s, issued_at = %s, issued_by_id = %s, "  # noqa: S608 - our table name
                f"count = v.column2, amount = v.column3 FROM (VALUES {values}) AS v WHERE {table}.id = v.column1",
                [St.ISSUED, now, actor_id, *(value for row in chunk for value in row)],
            )
    StatementEvent.objects.bulk_create(events, batch_size=1000)
    return len(statements)


@transaction.atomic
def statement_issue(*, statement: Statement, by) -> Statement:
    """Issue one community's statement for an ended month: frozen, control totals equal to its lines."""
    statement = _lock(statement)
    _require_role(statement, "issue", by)
    if statement.status != St.OPEN:
        return statement
    _check(statement, "issue", by)
    _issue([statement], by=by)
    return statement


@transaction.atomic
def statement_issue_month(*, period: date, by=None) -> int:
    """Issue every open statement of an ended month; ``by=None`` is the month-end job. Returns how many."""
    if by is not None:
        require_ministry(by)
    if not _ended(period):
        raise MonthNotEnded()
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
    _require_role(statement, "confirm", by)
    if statement.status == St.CONFIRMED:
        return statement
    _check(statement, "confirm", by)
    before = statement.status
    statement.status, statement.confirmed_at, statement.confirmed_by = St.CONFIRMED, clock.now(), by
    statement.save(update_fields=["status", "confirmed_at", "confirmed_by"])
    _record(statement, "confirm", by=by, before=before)
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
    _require_role(statement, "dispute", by)
    if statement.status == St.DISPUTED:
        return statement
    _check(statement, "dispute", by)
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
    before = statement.status
    statement.status, statement.disputed_at, statement.disputed_by = St.DISPUTED, clock.now(), by
    statement.claimed_count, statement.dispute_comment = claimed, comment
    statement.save(update_fields=["status", "disputed_at", "disputed_by", "claimed_count", "dispute_comment"])
    ContestedIntake.objects.bulk_create([_contested_finding(statement, n[:40]) for n in numbers])
    _record(statement, "dispute", by=by, before=before, note=comment,
            data={"claimed_count": claimed, "contested": len(numbers)})  # fmt: skip
    return statement


@transaction.atomic
def statement_approve(*, statement: Statement, by, note: str = "", acknowledge_over_budget: bool = False) -> Statement:
    """The ministry approves a confirmed (or disputed, with a note on how it was settled) statement. If the
    year's approvals would exceed its budget — or no budget is set — it refuses unless told to go ahead."""
    statement = _lock(statement)
    _require_role(statement, "approve", by)
    if statement.status in (St.APPROVED, St.PAID):
        return statement
    _check(statement, "approve", by)
    year = statement.period.year
    budget = Budget.objects.select_for_update().filter(year=year).first()  # approvals of one year queue here
    approved = cents(
        Statement.objects.filter(period__year=year, status__in=[St.APPROVED, St.PAID]).aggregate(
            total=Coalesce(Sum("amount"), ZERO)
        )["total"]
    )
    over = approval_exceeds_budget(budget=budget.amount if budget else None, approved=approved, amount=statement.amount)
    if over and not acknowledge_over_budget:
        if budget is None:
            message = _t("No budget is set for %(year)s. Set it first, or approve anyway.") % {"year": year}
        else:
            message = _t(
                "Approving this statement would bring %(year)s approvals to %(total)s UAH, over the budget of "
                "%(budget)s UAH. Approve anyway only if the overrun is agreed."
            ) % {"year": year, "total": approved + statement.amount, "budget": budget.amount}
        raise BudgetExceeded(message)
    before = statement.status
    statement.status, statement.approved_at, statement.approved_by = St.APPROVED, clock.now(), by
    statement.approval_note, statement.approved_over_budget = (note or "").strip(), over
    statement.save(update_fields=["status", "approved_at", "approved_by", "approval_note", "approved_over_budget"])
    _record(statement, "approve", by=by, before=before, note=statement.approval_note, data={"over_budget": over})
    return statement


def payment_values(statement: Statement, *, reference, paid_on, amount) -> tuple[str, date, Decimal]:
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
    statement = _lock(statement)
    _require_role(statement, "pay", by)
    if statement.status == St.PAID and statement.payment_reference == (reference or "").strip():
        return statement
    _check(statement, "pay", by)
    reference, paid_on, amount = payment_values(statement, reference=reference, paid_on=paid_on, amount=amount)
    before = statement.status
    statement.status, statement.paid_at, statement.paid_by = St.PAID, clock.now(), by
    statement.payment_reference, statement.paid_on, statement.paid_amount = reference, paid_on, amount
    statement.save(update_fields=["status", "paid_at", "paid_by", "payment_reference", "paid_on", "paid_amount"])
    _record(statement, "pay", by=by, before=before,
            data={"reference": reference, "paid_on": paid_on.isoformat(), "amount": str(amount)})  # fmt: skip
    return statement
