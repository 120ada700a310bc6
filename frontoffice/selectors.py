"""Front-office reads, built on the kernel's scoped selectors."""

from dataclasses import dataclass

from django.db.models import QuerySet

from cases import clock, deadlines
from cases.models import Case
from cases.selectors import case_list

S = Case.Status
LIST_LIMIT = 50


@dataclass
class ClerkBoard:
    drafts: QuerySet
    late_drafts: QuerySet
    needs_info: QuerySet
    to_hand_over: QuerySet
    submitted_today: QuerySet


def clerk_board(*, user) -> ClerkBoard:
    cases = case_list(user=user)
    today = clock.today()
    # A draft opened on or before this day is past the 3-working-day limit today.
    late_if_opened_before = _latest_on_time_opening(today)
    return ClerkBoard(
        drafts=cases.filter(status=S.DRAFT).order_by("created_at"),
        late_drafts=cases.filter(status=S.DRAFT, created_at__date__lt=late_if_opened_before).order_by("created_at"),
        needs_info=cases.filter(status=S.NEEDS_INFO).order_by("updated_at"),
        to_hand_over=cases.filter(status=S.DECIDED).order_by("decided_at"),
        submitted_today=cases.filter(submitted_at__date=today).order_by("-submitted_at"),
    )


def _latest_on_time_opening(today):
    """The earliest opening date whose submission limit has not passed yet."""
    day = today
    while deadlines.front_office_submit_limit(day) >= today:
        day = day.fromordinal(day.toordinal() - 1)
    return day.fromordinal(day.toordinal() + 1)
