"""Property: whatever sequence of accepts, reversals, month closings, answers, approvals and payments happens, the
ledger and the statements agree — the sum of all statements equals the sum of all accruals, every statement's
totals equal its lines (control totals once issued), and no case has two accruals."""

import contextlib
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backoffice import services as back
from cases import clock
from cases.exceptions import DomainError, SeparationOfDuties
from cases.models import Case
from payments.models import Accrual, Statement
from payments.services.budget import budget_set
from payments.services.ledger import accrual_reverse
from payments.services.periods import current_period
from payments.services.rates import fee_rate_create
from payments.services.statements import (
    statement_approve,
    statement_confirm,
    statement_dispute,
    statement_issue_ended_months,
    statement_issue_month,
    statement_pay,
)
from tests.payments.conftest import in_review, kyiv

pytestmark = pytest.mark.django_db

OPS = [
    "accept",
    "accept",
    "accept",
    "reverse",
    "close",
    "close",
    "confirm",
    "confirm",
    "dispute",
    "approve",
    "approve",
    "pay",
    "pay",
]
START = kyiv(2026, 1, 5, 9)


@pytest.fixture
def pool(world, supervisors):
    """Rates (a general one, and from March a higher one for one service), a small budget so approvals meet the
    warning, and six packages under review in three communities."""
    fee_rate_create(by=world.admin, amount="20", valid_from=date(2025, 1, 1))
    fee_rate_create(by=world.admin, amount="35.50", valid_from=date(2026, 3, 1), service_type=world.quick_service)
    budget_set(year=2026, amount="100", by=world.admin)
    return [
        in_review(world, community=c, service=service, at=START)
        for c in "abc"
        for service in (world.service, world.quick_service)
    ]


def step(op: str, pick: int, world, supervisors, pool) -> None:
    ministry = [world.accountant, world.admin]
    if op == "accept":
        case = pool[pick % len(pool)]
        back.case_accept(case=case, by=case.assignee)
        return
    if op == "reverse":
        lines = list(Accrual.objects.filter(kind="accrual", reversal__isnull=True).order_by("pk"))
        if lines:
            accrual_reverse(accrual=lines[pick % len(lines)], by=ministry[pick % 2], reason="correction")
        return
    if op == "close":
        ended = Statement.objects.filter(status="open", period__lt=current_period())
        months = sorted(set(ended.values_list("period", flat=True)))
        if months:
            by = [None, *ministry][pick % 3]  # the month-end job, or an accountant by hand
            statement_issue_month(period=months[pick % len(months)], by=by)
        return
    sources = {"confirm": ["issued", "disputed"], "dispute": ["issued"], "approve": ["confirmed", "disputed"]}
    statuses = sources.get(op, ["approved"])
    statements = list(Statement.objects.filter(status__in=statuses).select_related("community").order_by("pk"))
    if not statements:
        return
    statement = statements[pick % len(statements)]
    supervisor = supervisors[community_key(world, statement)]
    if op == "confirm":
        statement_confirm(statement=statement, by=supervisor)
    elif op == "dispute":
        statement_dispute(statement=statement, by=supervisor, claimed_count=pick % 7, comment="we count more")
    else:
        by = ministry[pick % 2]
        try:
            if op == "approve":
                statement_approve(statement=statement, by=by, acknowledge_over_budget=pick % 3 != 0)
            else:
                statement_pay(
                    statement=statement, by=by, reference=f"REF-{pick}", paid_on=clock.today(), amount=statement.amount
                )
        except SeparationOfDuties:
            assert statement.issued_by_id == by.pk
        else:
            statement.refresh_from_db()
            if statement.status in ("approved", "paid"):
                assert statement.issued_by_id != statement.approved_by_id
            if statement.status == "paid":
                assert statement.issued_by_id != statement.paid_by_id


def community_key(world, statement) -> str:
    return {world.a.pk: "a", world.b.pk: "b", world.c.pk: "c"}[statement.community_id]


def check_invariants() -> None:
    lines = list(Accrual.objects.values("case_id", "kind", "amount", "statement_id", "period", "created_at"))
    statements = list(Statement.objects.all())
    units = {"accrual": 1, "reversal": -1}
    assert sum((s.amount for s in statements), Decimal(0)) == sum((line["amount"] for line in lines), Decimal(0))
    assert sum(s.count for s in statements) == sum(units[line["kind"]] for line in lines)
    for statement in statements:
        own = [line for line in lines if line["statement_id"] == statement.pk]
        # Issued: the control totals. Open: the running totals. Either way, equal to the lines.
        assert statement.count == sum(units[line["kind"]] for line in own)
        assert statement.amount == sum((line["amount"] for line in own), Decimal(0))
        assert all(line["period"] == statement.period for line in own)
        if statement.status != "open":
            assert all(line["created_at"] <= statement.issued_at for line in own)  # nothing added after issue
        if statement.status == "paid":
            assert statement.paid_amount == statement.amount
    per_case = Counter(line["case_id"] for line in lines if line["kind"] == "accrual")
    assert all(n == 1 for n in per_case.values())
    assert set(per_case) == set(Case.objects.filter(accepted_at__isnull=False).values_list("pk", flat=True))
    reversed_ = Counter(line["case_id"] for line in lines if line["kind"] == "reversal")
    assert all(n == 1 and case_id in per_case for case_id, n in reversed_.items())


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(OPS), st.integers(0, 10_000), st.integers(0, 20), st.integers(0, 23)),
        min_size=5,
        max_size=40,
    )
)
def test_statements_always_agree_with_the_ledger(world, supervisors, pool, steps):
    with transaction.atomic():
        moment = START + timedelta(hours=1)
        for op, pick, days, hours in steps:
            moment += timedelta(days=days, hours=hours)
            # A refusal (a budget warning, a transition out of order) changes nothing; the ledger must still agree.
            with clock.travel_to(moment), contextlib.suppress(DomainError):
                step(op, pick, world, supervisors, pool)
            check_invariants()
        # Then settle everything: close the ended months, confirm, approve and pay every statement.
        with clock.travel_to(moment + timedelta(days=40)):
            statement_issue_ended_months()
            for statement in Statement.objects.exclude(status__in=["open", "paid"]).order_by("pk"):
                by = world.admin if statement.issued_by_id == world.accountant.pk else world.accountant
                if statement.status in ("issued", "disputed"):
                    statement_confirm(statement=statement, by=supervisors[community_key(world, statement)])
                statement = statement_approve(statement=statement, by=by, acknowledge_over_budget=True)
                statement_pay(
                    statement=statement, by=by, reference="SETTLED", paid_on=clock.today(), amount=statement.amount
                )
            check_invariants()
            assert not Statement.objects.exclude(status__in=["open", "paid"]).exists()
        transaction.set_rollback(True)
