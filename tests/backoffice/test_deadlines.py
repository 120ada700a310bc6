"""Deadline arithmetic: working days skip weekends and the holiday list; the clock pauses while a case waits on the
front office (where the service says so); due-soon and overdue marks."""

from datetime import date, datetime

import pytest

from backoffice import services as back
from cases import clock, deadlines
from cases.models import Case, Holiday
from frontoffice import services as front
from tests.factories import add_document, fill_checklist, make_case, upload

pytestmark = pytest.mark.django_db
S = Case.Status
FRI = date(2025, 3, 7)


def at(day: date, hour: int = 10):
    return clock.travel_to(datetime(day.year, day.month, day.day, hour))


def test_working_days_skip_the_weekend():
    assert deadlines.add_days(FRI, 1, working=True) == date(2025, 3, 10)  # Monday
    assert deadlines.add_days(FRI, 5, working=True) == date(2025, 3, 14)
    assert deadlines.add_days(date(2025, 3, 8), 1, working=True) == date(2025, 3, 10)  # from a Saturday
    assert deadlines.add_days(FRI, 1, working=False) == date(2025, 3, 8)
    assert deadlines.days_between(FRI, date(2025, 3, 14), working=True) == 5
    assert deadlines.days_between(FRI, date(2025, 3, 14), working=False) == 7
    assert deadlines.days_between(FRI, FRI, working=True) == 0


def test_holidays_on_the_list_are_not_working_days():
    christmas_eve = date(2025, 12, 24)  # a Wednesday
    # Under martial law public holidays are working days: with an empty list, 25 December counts.
    assert deadlines.add_days(christmas_eve, 1, working=True) == date(2025, 12, 25)
    Holiday.objects.create(date=date(2025, 12, 25), name="Різдво Христове")
    assert deadlines.add_days(christmas_eve, 1, working=True) == date(2025, 12, 26)
    assert deadlines.add_days(christmas_eve, 2, working=True) == date(2025, 12, 29)
    assert deadlines.days_between(christmas_eve, date(2025, 12, 29), working=True) == 2


def test_many_holidays_in_a_row_are_all_skipped():
    for n in range(1, 32):
        Holiday.objects.create(date=date(2026, 1, n))
    assert deadlines.add_days(date(2025, 12, 31), 1, working=True) == date(2026, 2, 2)


def test_the_due_date_counts_from_submission(world):
    case = make_case(world, S.DRAFT)
    fill_checklist(case, world.clerk_a)
    with at(FRI):
        case = front.case_submit(case=case, by=world.clerk_a)
    assert world.service.decision_days == 10 and world.service.decision_in_working_days
    assert case.due_date == date(2025, 3, 21)


def _submitted_on(world, day, service=None):
    case = make_case(world, S.DRAFT, service=service)
    fill_checklist(case, world.clerk_a)
    with at(day):
        return back.case_claim(case=front.case_submit(case=case, by=world.clerk_a), by=world.specialist)


def test_the_clock_pauses_while_the_front_office_works(world):
    case = _submitted_on(world, date(2025, 3, 3))  # Monday; due in 10 working days
    assert case.due_date == date(2025, 3, 17)
    with at(date(2025, 3, 5)):
        case = back.case_request_info(case=case, by=world.specialist, message="rescan the income certificate")
    assert case.clock_paused_at is not None
    add_document(case, world.clerk_a, files=[upload()])
    with at(date(2025, 3, 10)):  # back on Monday: Thursday, Friday and Monday did not count
        case = front.case_resubmit(case=case, by=world.clerk_a)
    case.refresh_from_db()
    assert case.due_date == date(2025, 3, 20)
    assert case.clock_paused_at is None


def test_the_clock_runs_on_for_a_service_that_does_not_pause(world):
    world.quick_service.pause_clock_on_info_request = False
    world.quick_service.save()
    case = _submitted_on(world, date(2025, 3, 3), service=world.quick_service)
    due = case.due_date
    with at(date(2025, 3, 4)):
        case = back.case_request_info(case=case, by=world.specialist, message="more")
    assert case.clock_paused_at is None
    add_document(case, world.clerk_a, files=[upload()])
    with at(date(2025, 3, 10)):
        case = front.case_resubmit(case=case, by=world.clerk_a)
    case.refresh_from_db()
    assert case.due_date == due


def test_due_soon_and_overdue_marks(settings):
    settings.DUE_SOON_DAYS = 2
    soon = deadlines.due_soon_until(FRI)
    assert soon == date(2025, 3, 11)  # two working days after Friday: Tuesday

    def mark(due, paused=False):
        return deadlines.due_mark(due, today=FRI, soon_until=soon, paused=paused)

    assert mark(date(2025, 3, 6)) == "overdue"
    assert mark(FRI) == "due_soon"
    assert mark(date(2025, 3, 11)) == "due_soon"
    assert mark(date(2025, 3, 12)) == ""
    assert mark(None) == ""
    assert mark(date(2025, 3, 6), paused=True) == ""  # waiting on the front office: its due date will move
