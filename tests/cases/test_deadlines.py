"""The front office's 3-working-day limit, one rule read both ways: the limit of a package, and the day before which
a draft is late (what the clerk's board filters on)."""

from datetime import date, timedelta

import pytest

from cases import deadlines
from cases.models import Holiday

pytestmark = pytest.mark.django_db


def test_a_draft_is_late_exactly_when_its_submit_limit_has_passed(settings):
    settings.FRONT_OFFICE_SUBMIT_WORKING_DAYS = 3
    for day in (date(2026, 3, 9), date(2026, 5, 1), date(2026, 5, 8)):
        Holiday.objects.get_or_create(date=day)
    for today in (date(2026, 3, 2) + timedelta(days=n) for n in range(75)):
        since = deadlines.front_office_on_time_since(today)
        for opened in (today - timedelta(days=n) for n in range(15)):
            assert (opened < since) == (deadlines.front_office_submit_limit(opened) < today), (today, opened)


def test_the_limit_counts_working_days_only(settings):
    settings.FRONT_OFFICE_SUBMIT_WORKING_DAYS = 3
    Holiday.objects.get_or_create(date=date(2026, 3, 9))  # a Monday
    assert deadlines.front_office_submit_limit(date(2026, 3, 5)) == date(2026, 3, 11)  # Thu -> Fri, Tue, Wed
    assert deadlines.front_office_on_time_since(date(2026, 3, 12)) == date(2026, 3, 6)
