"""Fee rates and the accrual ledger: which rate, which month, once per intake, corrections by reversal."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from backoffice import services as back
from cases import clock
from cases.exceptions import InvalidInput, NotPermitted, TransitionNotAllowed
from frontoffice import services as front
from payments import selectors
from payments.exceptions import FeeRateOverlap, FeeRateRewritesHistory
from payments.models import Accrual, FeeRate, Statement, UnbilledIntake
from payments.selectors import fee_rate_in_force
from payments.services.ledger import accrual_reverse
from payments.services.rates import fee_rate_create, fee_rate_end
from payments.services.statements import statement_issue_ended_months, statement_issue_month
from tests.payments.conftest import accept, accepted, in_review, kyiv

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]  # they read messages' words

D = Decimal


def rate_on(world, day, service=None):
    return fee_rate_in_force(service_type_id=(service or world.service).pk, on=day)


# --- rate selection -------------------------------------------------------------------------------------------------


def test_rate_periods_are_inclusive_and_the_next_rate_starts_the_next_day(world):
    old = fee_rate_create(by=world.accountant, amount="20", valid_from=date(2026, 1, 1), valid_to=date(2026, 3, 31))
    new = fee_rate_create(by=world.accountant, amount="25.50", valid_from=date(2026, 4, 1))
    assert rate_on(world, date(2025, 12, 31)) is None
    assert rate_on(world, date(2026, 1, 1)) == old
    assert rate_on(world, date(2026, 3, 31)) == old
    assert rate_on(world, date(2026, 4, 1)) == new
    assert rate_on(world, date(2030, 1, 1)) == new


def test_a_service_specific_rate_beats_the_general_one_only_within_its_period(world):
    general = fee_rate_create(by=world.accountant, amount="20", valid_from=date(2026, 1, 1))
    special = fee_rate_create(
        by=world.accountant,
        amount="35",
        valid_from=date(2026, 6, 1),
        valid_to=date(2026, 6, 30),
        service_type=world.service,
    )
    assert rate_on(world, date(2026, 5, 31)) == general
    assert rate_on(world, date(2026, 6, 1)) == special
    assert rate_on(world, date(2026, 6, 30)) == special
    assert rate_on(world, date(2026, 7, 1)) == general
    assert rate_on(world, date(2026, 6, 15), service=world.quick_service) == general


def test_the_acceptance_day_is_kyivs_day_at_midnight_both_for_rate_and_month(world):
    fee_rate_create(by=world.accountant, amount="20", valid_from=date(2026, 1, 1), valid_to=date(2026, 3, 31))
    fee_rate_create(by=world.accountant, amount="30", valid_from=date(2026, 4, 1))
    before = accepted(world, kyiv(2026, 3, 31, 23, 59, 59))
    after = accepted(world, kyiv(2026, 4, 1, 0, 0, 1))  # still 31 March in UTC
    line_before, line_after = before.accruals.get(), after.accruals.get()
    assert (line_before.amount, line_before.period, line_before.accepted_on) == (
        D("20.00"),
        date(2026, 3, 1),
        date(2026, 3, 31),
    )
    assert (line_after.amount, line_after.period, line_after.accepted_on) == (
        D("30.00"),
        date(2026, 4, 1),
        date(2026, 4, 1),
    )


# --- rate validation ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2026, 3, 31), None),  # open-ended, starting on the old rate's last day
        (date(2025, 1, 1), date(2026, 1, 1)),  # ending on the old rate's first day
        (date(2026, 2, 1), date(2026, 2, 2)),  # inside
        (date(2025, 1, 1), None),  # around
    ],
)
def test_periods_of_the_same_scope_never_overlap(world, start, end):
    fee_rate_create(by=world.accountant, amount="20", valid_from=date(2026, 1, 1), valid_to=date(2026, 3, 31))
    with pytest.raises(FeeRateOverlap):
        fee_rate_create(by=world.accountant, amount="25", valid_from=start, valid_to=end)
    assert FeeRate.objects.count() == 1


def test_different_scopes_may_overlap_and_an_open_rate_is_ended_to_make_room(world):
    general = fee_rate_create(by=world.accountant, amount="20", valid_from=date(2026, 1, 1))
    fee_rate_create(by=world.accountant, amount="35", valid_from=date(2026, 1, 1), service_type=world.service)
    with pytest.raises(FeeRateOverlap):
        fee_rate_create(by=world.accountant, amount="22", valid_from=date(2027, 1, 1))
    fee_rate_end(rate=general, valid_to=date(2026, 12, 31), by=world.accountant)
    fee_rate_create(by=world.accountant, amount="22", valid_from=date(2027, 1, 1))
    assert FeeRate.objects.count() == 3


def test_rate_input_is_checked_and_only_the_ministry_sets_rates(world):
    with pytest.raises(InvalidInput):
        fee_rate_create(by=world.accountant, amount="0", valid_from=date(2026, 1, 1))
    with pytest.raises(InvalidInput):
        fee_rate_create(by=world.accountant, amount="20.001", valid_from=date(2026, 1, 1))
    with pytest.raises(InvalidInput):
        fee_rate_create(by=world.accountant, amount="20", valid_from=date(2026, 2, 1), valid_to=date(2026, 1, 1))
    for user in (world.clerk_a, world.supervisor_a, world.head):
        with pytest.raises(NotPermitted):
            fee_rate_create(by=user, amount="20", valid_from=date(2026, 1, 1))
    assert not FeeRate.objects.exists()


def test_a_rate_cannot_change_fees_already_accrued(world):
    general = fee_rate_create(by=world.accountant, amount="20", valid_from=date(2026, 1, 1))
    accepted(world, kyiv(2026, 5, 10, 12))
    with pytest.raises(FeeRateRewritesHistory):
        fee_rate_create(by=world.accountant, amount="35", valid_from=date(2026, 5, 1), service_type=world.service)
    with pytest.raises(InvalidInput):
        fee_rate_end(rate=general, valid_to=date(2026, 5, 9), by=world.accountant)
    # From a day after the last accrued one, it is fine.
    fee_rate_create(by=world.accountant, amount="35", valid_from=date(2026, 5, 11), service_type=world.service)


# --- accruals -------------------------------------------------------------------------------------------------------


def test_accepting_accrues_once_for_the_community_of_the_front_office(world, rate):
    case = accepted(world, kyiv(2026, 5, 10, 12), community="b")
    accept(case, at=kyiv(2026, 5, 11, 12))  # again: already accepted, nothing more
    line = Accrual.objects.get()
    assert (line.case, line.community, line.kind, line.amount, line.rate) == (
        case,
        world.b,
        "accrual",
        D("20.00"),
        rate,
    )
    statement = line.statement
    assert (statement.community, statement.period, statement.status) == (world.b, date(2026, 5, 1), "open")
    assert (statement.count, statement.amount) == (1, D("20.00"))  # running totals


def test_a_resubmission_after_needs_info_is_the_same_intake(world, rate):
    case = accepted(world, kyiv(2026, 5, 10, 12))
    reviewer, clerk = case.assignee, world.clerk_a
    with clock.travel_to(kyiv(2026, 5, 10, 13)):
        back.case_request_info(case=case, by=reviewer, message="the income certificate is unreadable")
    with clock.travel_to(kyiv(2026, 6, 2, 9)):
        front.case_resubmit(case=case, by=clerk)
        back.case_claim(case=case, by=reviewer)
        back.case_accept(case=case, by=reviewer)
    assert Accrual.objects.filter(case=case).count() == 1
    assert Accrual.objects.get(case=case).period == date(2026, 5, 1)


def test_rejected_intakes_are_never_billable(world, rate):
    case = in_review(world)
    back.case_reject_intake(case=case, by=case.assignee, reason="wrong office")
    assert not Accrual.objects.exists()


def test_the_ledger_is_append_only_and_the_database_holds_one_accrual_per_case(world, rate):
    line = accepted(world, kyiv(2026, 5, 10, 12)).accruals.get()
    line.amount = D("1.00")
    with pytest.raises(ValueError, match="append-only"):
        line.save()
    with pytest.raises(ValueError, match="append-only"):
        line.delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        Accrual.objects.bulk_create(
            [
                Accrual(
                    case_id=line.case_id,
                    community_id=line.community_id,
                    statement_id=line.statement_id,
                    amount=D("20.00"),
                    period=line.period,
                    accepted_on=line.accepted_on,
                )
            ]
        )
    assert Accrual.objects.get().amount == D("20.00")


def test_with_no_rate_in_force_the_intake_is_accepted_unbilled_and_a_new_rate_accrues_it(world):
    quick = world.quick_service
    fee_rate_create(by=world.accountant, amount="15", valid_from=date(2026, 1, 1), service_type=quick)
    accepted(world, kyiv(2026, 5, 10, 12), service=quick)
    in_may = accepted(world, kyiv(2026, 5, 12, 12))
    accepted(world, kyiv(2026, 6, 9, 12), service=quick)
    in_june = accepted(world, kyiv(2026, 6, 10, 12))
    assert in_may.accepted_at and in_june.accepted_at  # the back office was not held up
    assert set(UnbilledIntake.objects.values_list("case_id", flat=True)) == {in_may.pk, in_june.pk}
    assert selectors.unbilled_count() == 2  # shown on the rates page
    with clock.travel_to(kyiv(2026, 7, 1, 0, 30)):
        statement_issue_month(period=date(2026, 5, 1))  # June is not issued yet
    with clock.travel_to(kyiv(2026, 7, 15, 10)):
        fee_rate_create(by=world.accountant, amount="20", valid_from=date(2026, 1, 1))
    may_line, june_line = in_may.accruals.get(), in_june.accruals.get()
    # At the rate of the acceptance day; May's statement was issued, so its line lands in the running month (July);
    # June's statement is still open, so June's line lands there.
    assert (may_line.amount, may_line.accepted_on, may_line.period) == (D("20.00"), date(2026, 5, 12), date(2026, 7, 1))
    assert (june_line.amount, june_line.accepted_on, june_line.period) == (
        D("20.00"),
        date(2026, 6, 10),
        date(2026, 6, 1),
    )
    assert Statement.objects.get(period=date(2026, 5, 1)).amount == D("15.00")
    assert Statement.objects.get(period=date(2026, 6, 1)).amount == D("35.00")
    assert not UnbilledIntake.objects.exists()


def test_a_reversal_lands_in_its_month_while_open_then_in_the_current_month(world, rate):
    first = accepted(world, kyiv(2026, 5, 10, 12)).accruals.get()
    second = accepted(world, kyiv(2026, 5, 11, 12)).accruals.get()
    with clock.travel_to(kyiv(2026, 5, 20, 12)):
        early = accrual_reverse(accrual=first, by=world.accountant, reason="duplicate application")
    assert (early.kind, early.amount, early.period, early.reverses) == (
        "reversal",
        D("-20.00"),
        date(2026, 5, 1),
        first,
    )
    with clock.travel_to(kyiv(2026, 6, 1, 0, 30)):
        assert statement_issue_ended_months() == {date(2026, 5, 1): 1}
    may = Statement.objects.get(period=date(2026, 5, 1))
    assert (may.status, may.count, may.amount) == ("issued", 1, D("20.00"))
    with clock.travel_to(kyiv(2026, 6, 3, 12)):
        late = accrual_reverse(accrual=second, by=world.accountant, reason="accepted by mistake")
    assert late.period == date(2026, 6, 1)
    june = Statement.objects.get(period=date(2026, 6, 1))
    assert (june.status, june.count, june.amount) == ("open", -1, D("-20.00"))
    may.refresh_from_db()
    assert (may.count, may.amount) == (1, D("20.00"))  # frozen


def test_reversal_rules(world, rate):
    line = accepted(world, kyiv(2026, 5, 10, 12)).accruals.get()
    with pytest.raises(InvalidInput):
        accrual_reverse(accrual=line, by=world.accountant, reason="  ")
    with pytest.raises(NotPermitted):
        accrual_reverse(accrual=line, by=world.supervisor_a, reason="mistake")
    reversal = accrual_reverse(accrual=line, by=world.accountant, reason="mistake")
    with pytest.raises(TransitionNotAllowed):
        accrual_reverse(accrual=line, by=world.admin, reason="mistake again")
    with pytest.raises(TransitionNotAllowed):
        accrual_reverse(accrual=reversal, by=world.admin, reason="undo")
    assert Accrual.objects.count() == 2


# --- month end ------------------------------------------------------------------------------------------------------


def test_close_month_command_and_the_beat_job_issue_ended_months_only(world, rate, capsys):
    accepted(world, kyiv(2026, 5, 10, 12))
    accepted(world, kyiv(2026, 5, 11, 12), community="c")
    accepted(world, kyiv(2026, 6, 11, 12))
    with clock.travel_to(kyiv(2026, 6, 15, 12)):
        with pytest.raises(Exception, match="after the month has ended"):
            call_command("close_month", "2026-06")
        with pytest.raises(Exception, match="YYYY-MM"):
            call_command("close_month", "June")
        call_command("close_month", "2026-05")
        call_command("close_month", "2026-05")  # idempotent
    assert "2 statements, 2 intakes, 40.00 UAH" in capsys.readouterr().out
    assert set(Statement.objects.values_list("period", "status")) == {
        (date(2026, 5, 1), "issued"),
        (date(2026, 6, 1), "open"),
    }
    assert not Statement.objects.filter(status="issued", issued_by__isnull=False).exists()  # the job issues

    from payments.tasks import close_ended_months

    with clock.travel_to(kyiv(2026, 7, 1, 0, 30)):
        assert close_ended_months.delay().get() == {"2026-06": 1}
        assert close_ended_months.delay().get() == {}


def test_the_beat_schedule_runs_the_month_end_job(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["payments-close-ended-months"]
    assert entry["task"] == "payments.close_ended_months"
