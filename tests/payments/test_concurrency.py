"""On PostgreSQL, with real transactions in threads (each with its own connection): one accrual per case however many
accept at once, and a line is either counted by the month's issue or filed under the next month — never lost."""

import threading
import time
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction

from backoffice import services as back
from cases import clock
from cases.models import Case
from payments.models import Accrual, Statement
from payments.services.ledger import accrual_reverse
from payments.services.statements import statement_issue_month
from tests.payments.conftest import accepted, in_review, kyiv

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def together(*jobs):
    """Run the jobs in threads released at the same moment; return their exceptions (None for success)."""
    barrier = threading.Barrier(len(jobs))
    outcome = [None] * len(jobs)

    def run(index, job):
        try:
            barrier.wait()
            job()
        except Exception as error:
            outcome[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcome


def test_concurrent_accepts_of_one_case_make_one_accrual(world, rate):
    case = in_review(world)

    def accept():
        back.case_accept(case=Case.objects.get(pk=case.pk), by=world.specialist)

    assert together(*[accept] * 6) == [None] * 6
    assert Accrual.objects.filter(case=case).count() == 1
    statement = Statement.objects.get()
    assert (statement.count, statement.amount) == (1, Decimal("20.00"))


def test_concurrent_accepts_in_a_new_month_open_one_statement(world, rate):
    cases = [in_review(world) for _ in range(5)]

    def accept(case):
        return lambda: back.case_accept(case=Case.objects.get(pk=case.pk), by=world.specialist)

    assert together(*[accept(c) for c in cases]) == [None] * 5
    statement = Statement.objects.get()
    assert (statement.count, statement.amount, statement.lines.count()) == (5, Decimal("100.00"), 5)


def test_a_line_written_while_the_month_is_issued_is_counted_by_the_issue(world, rate):
    accepted(world, kyiv(2026, 5, 10, 12))
    late = in_review(world)
    holding = threading.Event()

    def accept_at_midnight():
        with clock.travel_to(kyiv(2026, 5, 31, 23, 59, 59)), transaction.atomic():
            back.case_accept(case=Case.objects.get(pk=late.pk), by=world.specialist)
            holding.set()
            time.sleep(0.7)  # the statement row stays locked until this commits

    def close_month():
        holding.wait(10)
        with clock.travel_to(kyiv(2026, 6, 1, 0, 30)):
            statement_issue_month(period=date(2026, 5, 1))

    assert together(accept_at_midnight, close_month) == [None, None]
    may = Statement.objects.get(period=date(2026, 5, 1))
    assert (may.status, may.count, may.amount) == ("issued", 2, Decimal("40.00"))
    assert Accrual.objects.get(case=late).statement == may


def test_a_reversal_arriving_while_its_month_is_issued_lands_in_the_next_month(world, rate):
    line = accepted(world, kyiv(2026, 5, 10, 12)).accruals.get()
    issuing = threading.Event()

    def close_month():
        with clock.travel_to(kyiv(2026, 6, 1, 0, 30)), transaction.atomic():
            statement_issue_month(period=date(2026, 5, 1))
            issuing.set()
            time.sleep(0.7)

    def reverse():
        issuing.wait(10)
        with clock.travel_to(kyiv(2026, 6, 1, 0, 31)):  # waits for May's statement row, then finds it issued
            accrual_reverse(accrual=line, by=world.accountant, reason="duplicate")

    assert together(close_month, reverse) == [None, None]
    may = Statement.objects.get(period=date(2026, 5, 1))
    assert (may.status, may.count, may.amount) == ("issued", 1, Decimal("20.00"))
    reversal = Accrual.objects.get(kind="reversal")
    assert (reversal.period, reversal.statement.status) == (date(2026, 6, 1), "open")
