"""Statements: community × month, issued after month end, confirmed or disputed by the community, approved and
paid by the ministry. Each transition locks the statement row; approval also locks the year's budget row."""

import logging
from collections.abc import Callable
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
from cases.access import access_for
from cases.exceptions import InvalidInput, NotPermitted, SeparationOfDuties
from cases.models import Case
from cases.statemachine import SYSTEM, Attempt, Change, Machine, guard, rule
from payments.exceptions import (
    BudgetExceeded,
    MonthNotEnded,
    PaymentMismatch,
)
from payments.models import ZERO, Accrual, Budget, ContestedIntake, Statement, StatementEvent
from payments.services.budget import approval_exceeds_budget
from payments.services.periods import cents, current_period, money

logger = logging.getLogger(__name__)

logger = logging.getLogger(__name__)

K = Accrual.Kind
St = Statement.Status
MAX_CONTESTED = 100


def _roles_of(statement: Statement, user) -> frozenset[str]:
    access = access_for(user)
    roles = set()
    if access.is_ministry:
        roles.add("ministry")
    if statement.community_id in access.supervisor_community_ids:
        roles.add("supervisor")
    return frozenset(roles)


def _ended(period: date) -> bool:
    return period < current_period()


@guard("month_ended", MonthNotEnded)
def month_ended(a: Attempt) -> bool:
    return _ended(a.obj.period)


# Separation of duties; a statement the month-end job issued (``issued_by`` empty) has no issuer to exclude.
@guard(
    "not_the_issuer",
    SeparationOfDuties,
    _("Someone other than the person who issued this statement must approve and pay it."),
)
def not_the_issuer(a: Attempt) -> bool:
    return a.obj.issued_by_id is None or a.obj.issued_by_id != a.by_id


def _repeat_of(*states: str) -> Callable[[Attempt], bool]:
    """A repeat is a no-op once the statement is in one of ``states`` (a confirm of a confirmed statement)."""
    return lambda a: a.obj.status in states


def _same_payment(a: Attempt) -> bool:
    return a.obj.status == St.PAID and a.obj.payment_reference == (a.params.get("reference") or "").strip()


# The table is the whole rule: the services and ``available_actions`` ask it. The budget acknowledgement is input
# to approval (``BudgetExceeded`` until given), not a guard.
STATEMENT_RULES = [
    rule("issue", {St.OPEN}, {"ministry", SYSTEM}, St.ISSUED, guards=(month_ended,),
         done=lambda a: a.obj.status != St.OPEN),
    rule("confirm", {St.ISSUED, St.DISPUTED}, {"supervisor"}, St.CONFIRMED, done=_repeat_of(St.CONFIRMED)),
    rule("dispute", {St.ISSUED}, {"supervisor"}, St.DISPUTED, done=_repeat_of(St.DISPUTED)),
    rule("approve", {St.CONFIRMED, St.DISPUTED}, {"ministry"}, St.APPROVED, guards=(not_the_issuer,),
         done=_repeat_of(St.APPROVED, St.PAID)),
    rule("pay", {St.APPROVED}, {"ministry"}, St.PAID, guards=(not_the_issuer,), done=_same_payment),
]  # fmt: skip
ACTION_LABELS = {
    "issue": _("Issue"),
    "confirm": _("Confirm"),
    "dispute": _("Dispute"),
    "approve": _("Approve"),
    "pay": _("Record the payment"),
}
STATEMENTS = Machine(
    name="statement",
    model=Statement,
    rules=STATEMENT_RULES,
    roles_of=_roles_of,
    history=StatementEvent,
    owner_field="statement",
    select_related=("community",),
    action_label=lambda action: str(ACTION_LABELS[action]),
)


def available_actions(statement: Statement, user) -> list[str]:
    """The actions ``user`` may take on ``statement`` now, in the table's order: the executor's own checks (role,
    state, every guard), so the page's buttons and the API's ``actions`` are exact."""
    allowed = STATEMENTS.available_actions(statement, user)
    return [action for action in STATEMENTS.rules if action in allowed]


def no_actions_reason(statement: Statement, user) -> str:
    """Why ``user`` has nothing to do on ``statement`` now (shown when ``available_actions`` is empty)."""
    if not any(statement.status in r.sources for r in STATEMENTS.rules.values()):
        return _t("Nothing: the statement is paid.")
    blocked = STATEMENTS.offered(statement, user)
    if "issue" in blocked and isinstance(blocked["issue"], MonthNotEnded):
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


def statement_issue(*, statement: Statement, by) -> Statement:
    """Issue one community's statement for an ended month: frozen, control totals equal to its lines."""

    def freeze(a: Attempt) -> Change:
        count, amount = _line_totals([a.obj.pk]).get(a.obj.pk, (0, ZERO))
        if (count, amount) != (a.obj.count, a.obj.amount):
            logger.error("statement %s: running totals %s/%s differ from its lines %s/%s; the lines win",
                         a.obj.pk, a.obj.count, a.obj.amount, count, amount)  # fmt: skip
        a.obj.count, a.obj.amount, a.obj.issued_at, a.obj.issued_by = count, amount, clock.now(), by
        return Change(
            fields=("count", "amount", "issued_at", "issued_by"), data={"count": count, "amount": str(amount)}
        )

    return STATEMENTS.execute(statement, "issue", by=by, change=freeze).obj


@transaction.atomic
def statement_issue_month(*, period: date, by=None) -> int:
    """Issue every open statement of an ended month; ``by=None`` is the month-end job. Returns how many."""
    # Set-based (one UPDATE per thousand statements, one INSERT of their history rows): the table's rule for
    # "issue" is checked once for the month — the role (ministry, or the month-end job as SYSTEM) and its guard.
    rule_ = STATEMENTS.rules["issue"]
    if by is not None and not (_roles_of(Statement(period=period), by) & rule_.roles):
        raise NotPermitted(_("Only ministry staff may do this."))
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


def statement_confirm(*, statement: Statement, by) -> Statement:
    """The community's supervisor agrees with the issued statement (also after disputing it, once settled)."""

    def confirmed(a: Attempt) -> Change:
        a.obj.confirmed_at, a.obj.confirmed_by = clock.now(), by
        return Change(fields=("confirmed_at", "confirmed_by"))

    return STATEMENTS.execute(statement, "confirm", by=by, change=confirmed).obj


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


def statement_dispute(
    *, statement: Statement, by, claimed_count, comment: str, contested: list[str] | tuple = ()
) -> Statement:
    """The community disagrees: its own count, a comment, and optionally the numbers of intakes it says were
    not counted (each looked up in the ledger, so the ministry sees at once where it went)."""

    def disputed(a: Attempt) -> Change:
        try:
            claimed = int(claimed_count)
        except (TypeError, ValueError):
            raise InvalidInput(_("Give the number of intakes you counted."), field="claimed_count") from None
        if claimed < 0:
            raise InvalidInput(_("Give the number of intakes you counted."), field="claimed_count")
        note = (comment or "").strip()
        if not note:
            raise InvalidInput(_("Say what is wrong with the statement."), field="comment")
        numbers = list(dict.fromkeys(n.strip() for n in contested if n and n.strip()))
        if len(numbers) > MAX_CONTESTED:
            raise InvalidInput(
                _("Contest at most 100 intakes at once; say the rest in the comment."), field="contested"
            )
        a.obj.disputed_at, a.obj.disputed_by = clock.now(), by
        a.obj.claimed_count, a.obj.dispute_comment = claimed, note
        ContestedIntake.objects.bulk_create([_contested_finding(a.obj, n[:40]) for n in numbers])
        return Change(
            fields=("disputed_at", "disputed_by", "claimed_count", "dispute_comment"),
            note=note,
            data={"claimed_count": claimed, "contested": len(numbers)},
        )

    return STATEMENTS.execute(statement, "dispute", by=by, change=disputed).obj


def statement_approve(*, statement: Statement, by, note: str = "", acknowledge_over_budget: bool = False) -> Statement:
    """The ministry approves a confirmed (or disputed, with a note on how it was settled) statement. If the
    year's approvals would exceed its budget — or no budget is set — it refuses unless told to go ahead."""

    def approved(a: Attempt) -> Change:
        year = a.obj.period.year
        budget = Budget.objects.select_for_update().filter(year=year).first()  # approvals of one year queue here
        so_far = cents(
            Statement.objects.filter(period__year=year, status__in=[St.APPROVED, St.PAID]).aggregate(
                total=Coalesce(Sum("amount"), ZERO)
            )["total"]
        )
        over = approval_exceeds_budget(budget=budget.amount if budget else None, approved=so_far, amount=a.obj.amount)
        if over and not acknowledge_over_budget:
            if budget is None:
                message = _t("No budget is set for %(year)s. Set it first, or approve anyway.") % {"year": year}
            else:
                message = _t(
                    "Approving this statement would bring %(year)s approvals to %(total)s UAH, over the budget of "
                    "%(budget)s UAH. Approve anyway only if the overrun is agreed."
                ) % {"year": year, "total": so_far + a.obj.amount, "budget": budget.amount}
            raise BudgetExceeded(message)
        a.obj.approved_at, a.obj.approved_by = clock.now(), by
        a.obj.approval_note, a.obj.approved_over_budget = (note or "").strip(), over
        return Change(
            fields=("approved_at", "approved_by", "approval_note", "approved_over_budget"),
            note=a.obj.approval_note,
            data={"over_budget": over},
        )

    return STATEMENTS.execute(statement, "approve", by=by, change=approved).obj


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


def statement_pay(*, statement: Statement | int, by, reference: str, paid_on: date, amount) -> Statement:
    """Record the treasury's payment of an approved statement: reference, date and amount (equal to the
    statement's). Repeating the same payment is a no-op."""

    def paid(a: Attempt) -> Change:
        ref, day, total = payment_values(a.obj, reference=reference, paid_on=paid_on, amount=amount)
        a.obj.paid_at, a.obj.paid_by = clock.now(), by
        a.obj.payment_reference, a.obj.paid_on, a.obj.paid_amount = ref, day, total
        return Change(
            fields=("paid_at", "paid_by", "payment_reference", "paid_on", "paid_amount"),
            data={"reference": ref, "paid_on": day.isoformat(), "amount": str(total)},
        )

    return STATEMENTS.execute(statement, "pay", by=by, params={"reference": reference}, change=paid).obj
