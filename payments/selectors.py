"""Payments reads, scoped to the user: ministry staff see every community's fees, a community supervisor their own
community's, anyone else nothing. Figures and case numbers only — never an applicant's personal data."""

import statistics
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import Aggregate, Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from cases import clock
from cases.access import access_for
from cases.models import Community
from payments.models import ZERO, Accrual, Budget, FeeRate, Statement, StatementEvent, UnbilledIntake
from payments.services.budget import approval_exceeds_budget
from payments.services.periods import cents, current_period

St = Statement.Status


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _scope(queryset: QuerySet, *, user, field: str = "community_id") -> QuerySet:
    access = access_for(user)
    if access.is_ministry:
        return queryset
    if access.supervisor_community_ids:
        return queryset.filter(**{f"{field}__in": access.supervisor_community_ids})
    return queryset.none()


def can_see_payments(user) -> bool:
    access = access_for(user)
    return access.is_ministry or bool(access.supervisor_community_ids)


# --- statements -----------------------------------------------------------------------------------------------------


def statement_list(
    *, user, period: date | None = None, community: Community | int | None = None, status: str | None = None
) -> QuerySet[Statement]:
    statements = _scope(Statement.objects.select_related("community", "community__back_office"), user=user)
    if period is not None:
        statements = statements.filter(period=period)
    if community is not None:
        statements = statements.filter(community=community)
    if status:
        statements = statements.filter(status=status)
    return statements.order_by("-period", "community__name", "pk")


def statement_get(*, user, pk) -> Statement:
    statement = (
        _scope(Statement.objects.select_related("community", "community__back_office"), user=user)
        .select_related("issued_by", "confirmed_by", "disputed_by", "approved_by", "paid_by")
        .filter(pk=pk)
        .first()
    )
    if statement is None:
        raise Http404
    return statement


def statement_events(*, statement: Statement) -> QuerySet[StatementEvent]:
    """The statement's history, oldest first, with who acted."""
    return statement.events.select_related("actor").order_by("at", "pk")


def statement_lines(*, statement: Statement) -> QuerySet[Accrual]:
    """A statement's ledger lines with the case's number, service and acceptance day — nothing about the person."""
    return (
        statement.lines.select_related("case__service_type", "reverses", "reversal")
        .only(
            "id",
            "kind",
            "amount",
            "period",
            "accepted_on",
            "reason",
            "created_at",
            "statement_id",
            "reverses__id",
            "reverses__period",
            "reversal__id",
            "reversal__period",
            "reversal__statement_id",
            "case__id",
            "case__number",
            "case__service_type__id",
            "case__service_type__name_uk",
            "case__service_type__name_ru",
            "case__service_type__name_en",
        )
        .order_by("pk")
    )


def periods(*, user) -> list[dict]:
    """Months that have statements, newest first, with totals and how many statements are in each status."""
    rows = (
        _scope(Statement.objects.all(), user=user)
        .order_by()
        .values("period")
        .annotate(
            statements=Count("id"),
            count=Coalesce(Sum("count"), 0),
            amount=Coalesce(Sum("amount"), ZERO),
            open=Count("id", filter=Q(status=St.OPEN)),
        )
        .order_by("-period")
    )
    return list(rows)


def month_summary(*, user, period: date, status: str | None = None) -> dict:
    """A month's totals, how many statements are in each status, and how many open ones ``user`` may issue now
    (``issuable``: ministry staff, once the month has ended)."""
    statements = _scope(Statement.objects.filter(period=period), user=user)
    by_status = dict(statements.order_by().values_list("status").annotate(n=Count("id")))
    if status:
        statements = statements.filter(status=status)
    ended = period < current_period()
    issuable = by_status.get(St.OPEN.value, 0) if ended and access_for(user).is_ministry else 0
    return {
        **_totals(statements),
        "by_status": [(s, label, by_status.get(s, 0)) for s, label in St.choices],
        "issuable": issuable,
    }


def month_totals(*, period: date) -> dict:
    """All communities' statements of a month (for operators: the close_month command)."""
    return _totals(Statement.objects.filter(period=period))


def _totals(statements: QuerySet[Statement]) -> dict:
    totals = statements.aggregate(
        statements=Count("id"), count=Coalesce(Sum("count"), 0), amount=Coalesce(Sum("amount"), ZERO)
    )
    return {**totals, "amount": cents(totals["amount"])}


# --- accruals -------------------------------------------------------------------------------------------------------


def accrual_list(
    *, user, case: str | None = None, community: str | None = None, period: date | None = None
) -> QuerySet[Accrual]:
    """Ledger lines; ``case`` and ``community`` take an id or a case number / KATOTTG code."""
    lines = _scope(Accrual.objects.select_related("case", "community"), user=user).only(
        "id", "kind", "amount", "period", "accepted_on", "reason", "created_at", "reverses_id",
        "case__id", "case__number", "community__id", "community__katottg", "community__name",
    )  # fmt: skip
    if case:
        lines = lines.filter(case_id=int(case)) if str(case).isdigit() else lines.filter(case__number=case)
    if community:
        lines = (
            lines.filter(community_id=int(community))
            if str(community).isdigit()
            else lines.filter(community__katottg=community)
        )
    if period is not None:
        lines = lines.filter(period=period)
    return lines.order_by("pk")  # ledger order; the primary key keeps the first page cheap on a large ledger


def accrual_get(*, user, pk) -> Accrual:
    accrual = _scope(Accrual.objects.select_related("statement", "case"), user=user).filter(pk=pk).first()
    if accrual is None:
        raise Http404
    return accrual


# --- rates and budgets ----------------------------------------------------------------------------------------------


def fee_rate_in_force(*, service_type_id: int, on: date) -> FeeRate | None:
    """The rate for ``on`` (both ends of a period inclusive): a service-specific rate beats the general one."""
    # One query: the service's own rates sort before the general ones (NULLS LAST), the latest start first.
    return (
        FeeRate.objects.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on), valid_from__lte=on)
        .filter(Q(service_type_id=service_type_id) | Q(service_type__isnull=True))
        .order_by(F("service_type_id").asc(nulls_last=True), "-valid_from")
        .first()
    )


def fee_rates_in_force(*, pairs) -> dict[tuple[int, date], FeeRate | None]:
    """``fee_rate_in_force`` for many (service type id, day) pairs in one query: the rates that may cover any of
    them, then for each pair the same choice (a service-specific rate beats the general one, the latest start
    first)."""
    pairs = set(pairs)
    if not pairs:
        return {}
    first, last = min(d for _s, d in pairs), max(d for _s, d in pairs)
    candidates = list(
        FeeRate.objects.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=first), valid_from__lte=last)
        .filter(Q(service_type_id__in={s for s, _d in pairs}) | Q(service_type__isnull=True))
        .order_by(F("service_type_id").asc(nulls_last=True), "-valid_from")
    )
    out = {}
    for service_type_id, day in pairs:
        out[(service_type_id, day)] = next(
            (
                r
                for r in candidates
                if r.service_type_id in (service_type_id, None)
                and r.valid_from <= day
                and (r.valid_to is None or r.valid_to >= day)
            ),
            None,
        )
    return out


def fee_rate_list() -> QuerySet[FeeRate]:
    return FeeRate.objects.select_related("service_type").order_by("service_type__position", "-valid_from", "pk")


def unbilled_count() -> int:
    return UnbilledIntake.objects.count()


def budget_figures(*, year: int) -> dict:
    """The year's budget and what was accrued, approved and paid against it (by statement month); ``over`` when the
    approvals already exceed it."""
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
        "over": amount is not None and sums["approved"] > amount,
    }


def approval_would_exceed(*, figures: dict, statement: Statement) -> bool:
    """Whether approving ``statement`` would overrun the budget in ``figures`` (its year's ``budget_figures``)."""
    return approval_exceeds_budget(budget=figures["budget"], approved=figures["approved"], amount=statement.amount)


def budget_list() -> list[dict]:
    years = set(Budget.objects.values_list("year", flat=True))
    years |= {d.year for d in Statement.objects.dates("period", "year")}
    return [budget_figures(year=year) for year in sorted(years, reverse=True)]


# --- dashboard ------------------------------------------------------------------------------------------------------


class Median(Aggregate):
    """PostgreSQL's ``percentile_cont(0.5)``: the median of a numeric or interval expression."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"


def _median_decision_days(community_ids: list[int], period: date) -> dict[int, float]:
    """Median days from first submission to decision, per community, of the intakes counted in ``period`` (its
    statement lines) that have been decided — the same intakes as the month's count. Read through the month's
    ledger lines (the (period, community) index), so it does not scan every case ever decided."""
    decided = Accrual.objects.filter(
        period=period,
        community_id__in=community_ids,
        kind=Accrual.Kind.ACCRUAL,
        case__decided_at__isnull=False,
        case__first_submitted_at__isnull=False,
    ).order_by()
    waited = ExpressionWrapper(F("case__decided_at") - F("case__first_submitted_at"), output_field=DurationField())
    if connection.vendor == "postgresql":
        rows = decided.values("community_id").annotate(m=Median(waited, output_field=DurationField()))
        return {r["community_id"]: r["m"].total_seconds() / 86400 for r in rows if r["m"] is not None}
    per: dict[int, list[float]] = {}
    rows = decided.values_list("community_id", "case__first_submitted_at", "case__decided_at")
    for community_id, submitted, decided_at in rows:
        per.setdefault(community_id, []).append((decided_at - submitted).total_seconds() / 86400)
    return {k: statistics.median(v) for k, v in per.items()}


def dashboard(*, year: int, period: date, top: int = 20) -> dict:
    """The ministry's figures: fees per month of ``year``, per back office, the budget burn-down (per month: paid so
    far, the budget left after accruals, and what would be left at an even pace), and intakes with
    the median decision time for the ``top`` communities of ``period``. Grouped queries over statements (one row
    per community and month), so the cost does not grow with the ledger."""
    months = [date(year, m, 1) for m in range(1, 13)]
    in_year = Statement.objects.filter(period__year=year).order_by()
    per_month = {
        r["period"]: r
        for r in in_year.values("period").annotate(
            amount=Coalesce(Sum("amount"), ZERO),
            count=Coalesce(Sum("count"), 0),
            paid=Coalesce(Sum("paid_amount", filter=Q(status=St.PAID)), ZERO),
        )
    }
    fees = [(m, per_month.get(m, {}).get("amount", ZERO), per_month.get(m, {}).get("count", 0)) for m in months]
    back_offices = list(
        in_year.values(name=F("community__back_office__name"))
        .annotate(amount=Coalesce(Sum("amount"), ZERO), count=Coalesce(Sum("count"), 0))
        .order_by("-amount", "name")
    )
    figures = budget_figures(year=year)
    budget, today = figures["budget"], clock.today()
    accrued = paid = ZERO
    burn = []
    for i, m in enumerate(months, start=1):
        accrued += per_month.get(m, {}).get("amount", ZERO)
        paid += per_month.get(m, {}).get("paid", ZERO)
        past = (m.year, m.month) <= (today.year, today.month)  # months to come have no figures yet
        burn.append(
            {
                "month": m,
                "paid": paid if past else None,
                "left": budget - accrued if past and budget is not None else None,
                "plan": budget * (12 - i) / 12 if budget is not None else None,  # even spending over the year
            }
        )
    communities = list(
        Statement.objects.filter(period=period)
        .order_by("-count", "community__name")
        .values("community_id", "count", "amount", name=F("community__name"))[:top]
    )
    medians = _median_decision_days([c["community_id"] for c in communities], period)
    for c in communities:
        c["median_days"] = medians.get(c["community_id"])
    return {
        "year": year,
        "period": period,
        "fees": fees,
        "back_offices": back_offices,
        "budget": figures,
        "burn": burn,
        "communities": communities,
    }


def default_month() -> date:
    """Last month: the one the accountant works on."""
    return (current_period() - timedelta(days=1)).replace(day=1)
