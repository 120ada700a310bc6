"""Statements: issue (frozen, control totals), confirm or dispute, approve (budget), pay; separation of duties."""

from datetime import date
from decimal import Decimal

import pytest

from cases import clock
from cases.exceptions import InvalidInput, NotPermitted, SeparationOfDuties, TransitionNotAllowed
from payments.exceptions import BudgetExceeded, MonthNotEnded, PaymentMismatch
from payments.models import ContestedIntake, Statement
from payments.selectors import budget_figures
from payments.services.budget import budget_set
from payments.services.ledger import accrual_reverse
from payments.services.statements import (
    statement_approve,
    statement_confirm,
    statement_dispute,
    statement_issue,
    statement_issue_ended_months,
    statement_issue_month,
    statement_pay,
)
from tests.payments.conftest import accepted, in_review, kyiv

pytestmark = pytest.mark.django_db

D = Decimal
MAY = date(2026, 5, 1)
IN_JUNE = kyiv(2026, 6, 5, 10)


@pytest.fixture
def may(world, rate, budget):
    """Community A's May statement with three intakes, one of them reversed while May was open: 2 x 20 UAH."""
    cases = [accepted(world, kyiv(2026, 5, day, 12)) for day in (4, 5, 6)]
    with clock.travel_to(kyiv(2026, 5, 20, 9)):
        accrual_reverse(accrual=cases[0].accruals.get(), by=world.accountant, reason="duplicate")
    return Statement.objects.get(community=world.a, period=MAY)


def issue(statement, by):
    with clock.travel_to(kyiv(2026, 6, 1, 9)):
        return statement_issue(statement=statement, by=by)


def confirm(statement, by):
    with clock.travel_to(kyiv(2026, 6, 3, 9)):
        return statement_confirm(statement=statement, by=by)


def approve(statement, by, **kwargs):
    with clock.travel_to(IN_JUNE):
        return statement_approve(statement=statement, by=by, **kwargs)


def pay(statement, by, **kwargs):
    values = {"reference": "ДКСУ-0001", "paid_on": date(2026, 6, 10), "amount": statement.amount, **kwargs}
    with clock.travel_to(kyiv(2026, 6, 10, 15)):
        return statement_pay(statement=statement, by=by, **values)


def test_the_full_path_open_issued_confirmed_approved_paid(world, may):
    assert (may.status, may.count, may.amount) == ("open", 2, D("40.00"))
    may = issue(may, world.accountant)
    assert (may.status, may.count, may.amount, may.issued_by) == ("issued", 2, D("40.00"), world.accountant)
    assert may.lines.count() == 4  # three accruals and a reversal
    may = confirm(may, world.supervisor_a)
    assert (may.status, may.confirmed_by) == ("confirmed", world.supervisor_a)
    may = approve(may, world.admin)
    assert (may.status, may.approved_by, may.approved_over_budget) == ("approved", world.admin, False)
    may = pay(may, world.admin)
    assert (may.status, may.payment_reference, may.paid_on, may.paid_amount) == (
        "paid",
        "ДКСУ-0001",
        date(2026, 6, 10),
        D("40.00"),
    )
    assert pay(may, world.admin).status == "paid"  # the same payment again: nothing changes


def test_a_statement_is_issued_only_after_its_month_and_then_it_is_frozen(world, may):
    with clock.travel_to(kyiv(2026, 5, 31, 23, 59)), pytest.raises(MonthNotEnded):
        statement_issue(statement=may, by=world.accountant)
    with clock.travel_to(kyiv(2026, 5, 31, 23, 59)), pytest.raises(MonthNotEnded):
        statement_issue_month(period=MAY, by=world.accountant)
    may = issue(may, world.accountant)
    late = accepted(world, kyiv(2026, 6, 1, 10))
    assert late.accruals.get().period == date(2026, 6, 1)
    may.refresh_from_db()
    assert (may.count, may.amount) == (2, D("40.00"))


def test_control_totals_come_from_the_lines(world, may):
    Statement.objects.filter(pk=may.pk).update(count=99, amount=D("1980.00"))  # running totals gone wrong
    may = issue(may, world.accountant)
    assert (may.count, may.amount) == (2, D("40.00"))


def test_only_the_ministry_issues_approves_and_pays(world, may, supervisors):
    for user in (world.clerk_a, world.supervisor_a, world.head, world.specialist):
        with pytest.raises(NotPermitted):
            issue(may, user)
    may = issue(may, world.accountant)
    may = confirm(may, world.supervisor_a)
    for user in (world.supervisor_a, world.head):
        with pytest.raises(NotPermitted):
            approve(may, user)
    may = approve(may, world.admin)
    with pytest.raises(NotPermitted):
        pay(may, world.supervisor_a)


def test_only_the_communitys_supervisor_confirms_or_disputes(world, may, supervisors):
    may = issue(may, world.accountant)
    for user in (supervisors["b"], world.accountant, world.clerk_a, world.admin):
        with pytest.raises(NotPermitted):
            confirm(may, user)
        with pytest.raises(NotPermitted), clock.travel_to(IN_JUNE):
            statement_dispute(statement=may, by=user, claimed_count=3, comment="missing one")
    assert Statement.objects.get(pk=may.pk).status == "issued"


def test_transitions_out_of_order_are_refused(world, may):
    with pytest.raises(TransitionNotAllowed):
        confirm(may, world.supervisor_a)  # still open
    may = issue(may, world.accountant)
    with pytest.raises(TransitionNotAllowed):
        approve(may, world.admin)  # the community has not answered yet
    with pytest.raises(TransitionNotAllowed):
        pay(may, world.admin)
    may = confirm(may, world.supervisor_a)
    with pytest.raises(TransitionNotAllowed), clock.travel_to(IN_JUNE):
        statement_dispute(statement=may, by=world.supervisor_a, claimed_count=3, comment="changed my mind")


# --- separation of duties -------------------------------------------------------------------------------------------


def test_the_issuer_may_neither_approve_nor_pay(world, may):
    may = issue(may, world.accountant)
    may = confirm(may, world.supervisor_a)
    with pytest.raises(SeparationOfDuties):
        approve(may, world.accountant)
    may = approve(may, world.admin)
    with pytest.raises(SeparationOfDuties):
        pay(may, world.accountant)
    assert Statement.objects.get(pk=may.pk).status == "approved"
    assert pay(may, world.admin).status == "paid"  # the approver may pay


def test_a_statement_issued_by_the_month_end_job_may_be_approved_and_paid_by_one_accountant(world, may):
    with clock.travel_to(kyiv(2026, 6, 1, 0, 30)):
        statement_issue_ended_months()
    may.refresh_from_db()
    assert may.issued_by is None
    may = confirm(may, world.supervisor_a)
    may = approve(may, world.accountant)
    assert pay(may, world.accountant).status == "paid"


# --- disputes -------------------------------------------------------------------------------------------------------


def test_a_dispute_records_the_claim_and_looks_up_each_contested_intake(world, may, supervisors):
    counted = may.lines.filter(kind="accrual", reversal__isnull=True).first().case
    reversed_case = may.lines.get(kind="reversal").case
    elsewhere = accepted(world, kyiv(2026, 6, 2, 10))
    never = in_review(world)
    other_community = accepted(world, kyiv(2026, 5, 7, 10), community="b")
    may = issue(may, world.accountant)
    with clock.travel_to(IN_JUNE):
        may = statement_dispute(
            statement=may,
            by=world.supervisor_a,
            claimed_count="5",
            comment="We took five intakes in May.",
            contested=[
                counted.number,
                reversed_case.number,
                elsewhere.number,
                never.number,
                other_community.number,
                " ",
            ],
        )
    assert (may.status, may.claimed_count, may.dispute_comment) == ("disputed", 5, "We took five intakes in May.")
    findings = dict(ContestedIntake.objects.filter(statement=may).values_list("case_number", "finding"))
    assert findings == {
        counted.number: "counted_here",
        reversed_case.number: "reversed",
        elsewhere.number: "counted_elsewhere",
        never.number: "not_accepted",
        other_community.number: "not_found",  # not this community's: nothing about it is revealed
    }
    # The ministry approves a disputed statement with a note on how it was settled.
    may = approve(may, world.admin, note="One intake was reversed as a duplicate; the rest were counted.")
    assert may.status == "approved"


def test_a_dispute_needs_a_count_and_a_comment_and_can_be_settled_by_confirming(world, may):
    may = issue(may, world.accountant)
    with clock.travel_to(IN_JUNE):
        with pytest.raises(InvalidInput):
            statement_dispute(statement=may, by=world.supervisor_a, claimed_count="many", comment="x")
        with pytest.raises(InvalidInput):
            statement_dispute(statement=may, by=world.supervisor_a, claimed_count=-1, comment="x")
        with pytest.raises(InvalidInput):
            statement_dispute(statement=may, by=world.supervisor_a, claimed_count=3, comment=" ")
        statement_dispute(statement=may, by=world.supervisor_a, claimed_count=3, comment="one missing")
    assert confirm(may, world.supervisor_a).status == "confirmed"


# --- budget ---------------------------------------------------------------------------------------------------------


def test_approval_is_warned_when_it_would_exceed_the_budget(world, may):
    budget_set(year=2026, amount="39.99", by=world.admin)
    may = confirm(issue(may, world.accountant), world.supervisor_a)
    with pytest.raises(BudgetExceeded, match="over the budget"):
        approve(may, world.admin)
    assert Statement.objects.get(pk=may.pk).status == "confirmed"
    may = approve(may, world.admin, acknowledge_over_budget=True)
    assert (may.status, may.approved_over_budget) == ("approved", True)


def test_approval_without_a_budget_for_the_year_is_warned(world, rate):
    accepted(world, kyiv(2026, 5, 4, 12))
    may = Statement.objects.get()
    may = confirm(issue(may, world.accountant), world.supervisor_a)
    with pytest.raises(BudgetExceeded, match="No budget"):
        approve(may, world.admin)


def test_budget_figures_accrued_approved_paid(world, may, supervisors):
    accepted(world, kyiv(2026, 5, 8, 12), community="b")
    with clock.travel_to(kyiv(2026, 6, 1, 0, 30)):
        statement_issue_ended_months()
    may.refresh_from_db()
    pay(approve(confirm(may, world.supervisor_a), world.admin), world.admin)
    figures = budget_figures(year=2026)
    assert figures == {
        "year": 2026,
        "budget": D("1000000.00"),
        "accrued": D("60.00"),
        "approved": D("40.00"),
        "paid": D("40.00"),
        "remaining": D("999960.00"),
        "over": False,
    }
    with pytest.raises(InvalidInput):
        budget_set(year=2026, amount="-1", by=world.admin)
    with pytest.raises(NotPermitted):
        budget_set(year=2026, amount="1", by=world.supervisor_a)


# --- payment --------------------------------------------------------------------------------------------------------


def test_payment_needs_reference_past_date_and_the_exact_amount(world, may):
    may = approve(confirm(issue(may, world.accountant), world.supervisor_a), world.admin)
    with pytest.raises(InvalidInput):
        pay(may, world.admin, reference=" ")
    with pytest.raises(InvalidInput):
        pay(may, world.admin, paid_on=date(2026, 6, 11))  # tomorrow
    with pytest.raises(InvalidInput):
        pay(may, world.admin, paid_on=date(2026, 6, 4))  # before the approval
    with pytest.raises(PaymentMismatch):
        pay(may, world.admin, amount="39.99")
    with pytest.raises(InvalidInput):
        pay(may, world.admin, amount="forty")
    assert Statement.objects.get(pk=may.pk).status == "approved"
    may = pay(may, world.admin)
    with pytest.raises(TransitionNotAllowed):
        pay(may, world.admin, reference="ДКСУ-0002")  # paid already, with another reference
