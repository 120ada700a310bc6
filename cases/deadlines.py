"""Deadline arithmetic: calendar or working days, weekends and the holiday list (``Holiday``) honoured."""

from datetime import date, timedelta

from django.conf import settings

from cases.models import Holiday, ServiceType


def holidays_between(start: date, end: date) -> frozenset[date]:
    return frozenset(Holiday.objects.filter(date__range=(start, end)).values_list("date", flat=True))


def is_working_day(day: date, holidays: frozenset[date] = frozenset()) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_days(start: date, days: int, *, working: bool) -> date:
    """The date ``days`` (working) days after ``start``; ``start`` itself does not count."""
    if not working:
        return start + timedelta(days=days)
    # A generous window for the holiday lookup: n working days never span more than 2n + 14 calendar days
    # unless holidays are absurdly dense, in which case the loop just reads the next window.
    day, left = start, days
    while left > 0:
        window_end = day + timedelta(days=2 * left + 14)
        holidays = holidays_between(day, window_end)
        while left > 0 and day < window_end:
            day += timedelta(days=1)
            if is_working_day(day, holidays):
                left -= 1
    return day


def days_between(start: date, end: date, *, working: bool) -> int:
    """How many (working) days lie after ``start`` up to and including ``end`` (0 if end <= start)."""
    if end <= start:
        return 0
    if not working:
        return (end - start).days
    holidays = holidays_between(start, end)
    return sum(1 for n in range(1, (end - start).days + 1) if is_working_day(start + timedelta(days=n), holidays))


def decision_due(service: ServiceType, start: date) -> date:
    return add_days(start, service.decision_days, working=service.decision_in_working_days)


def extend_for_pause(service: ServiceType, due: date, paused_on: date, resumed_on: date) -> date:
    """Move ``due`` on by the days the case waited on the front office (when the service pauses its clock)."""
    if not service.pause_clock_on_info_request:
        return due
    working = service.decision_in_working_days
    return add_days(due, days_between(paused_on, resumed_on, working=working), working=working)


def _working_days_after(start: date, days: int, holidays: frozenset[date]) -> date:
    day = start
    while days > 0:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            days -= 1
    return day


def front_office_submit_limit(opened_on: date, *, holidays: frozenset[date] | None = None) -> date:
    """The last day the front office may pass on a package opened on ``opened_on`` (3 working days by law). Give
    ``holidays`` when asking for many days at once (one query for them all)."""
    days = settings.FRONT_OFFICE_SUBMIT_WORKING_DAYS
    if holidays is None:
        return add_days(opened_on, days, working=True)
    return _working_days_after(opened_on, days, holidays)


def front_office_on_time_since(today: date) -> date:
    """The earliest opening day whose package is still within ``front_office_submit_limit`` on ``today``: a draft
    opened before it is late (the rule as a date, so a list can filter on it in SQL). One holiday query."""
    holidays = holidays_between(today - timedelta(days=4 * settings.FRONT_OFFICE_SUBMIT_WORKING_DAYS + 30), today)
    day = today
    while front_office_submit_limit(day - timedelta(days=1), holidays=holidays) >= today:
        day -= timedelta(days=1)
    return day


def due_soon_until(today: date) -> date:
    """The last due date that still counts as "due soon" on ``today`` (``DUE_SOON_DAYS`` working days ahead)."""
    return add_days(today, settings.DUE_SOON_DAYS, working=True)


def due_mark(due: date | None, *, today: date, soon_until: date, paused: bool = False) -> str:
    """``"overdue"`` (due before today), ``"due_soon"`` (due by ``soon_until``) or ``""``. A case whose clock is
    paused while it waits on the front office is neither: its due date moves on when it comes back."""
    if due is None or paused:
        return ""
    if due < today:
        return "overdue"
    if due <= soon_until:
        return "due_soon"
    return ""
