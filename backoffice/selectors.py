"""Back-office reads, built on the kernel's scoped selectors."""

from dataclasses import dataclass

from django.db.models import QuerySet

from cases.models import Case
from cases.selectors import case_list

S = Case.Status


@dataclass
class ReviewerBoard:
    queue: QuerySet
    mine: QuerySet
    refusals_pending: QuerySet


def reviewer_board(*, user) -> ReviewerBoard:
    cases = case_list(user=user)
    return ReviewerBoard(
        queue=cases.filter(status=S.SUBMITTED, assignee__isnull=True).order_by("due_date", "submitted_at", "pk"),
        mine=cases.filter(assignee=user, status__in=[S.IN_REVIEW, S.NEEDS_INFO, S.REFUSAL_PENDING]).order_by(
            "due_date"
        ),
        refusals_pending=cases.filter(status=S.REFUSAL_PENDING).order_by("updated_at"),
    )
