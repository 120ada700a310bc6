"""Reads of the outbox, scoped: staff see the messages of the cases they may see, never a one-time code."""

from django.db.models import QuerySet

from cases.selectors import case_get
from notifications.models import Message


def message_list_for_case(*, user, case_id: int) -> QuerySet[Message]:
    case = case_get(user=user, pk=case_id)  # 404 for a case the user may not see
    return Message.objects.filter(case=case, secret=False).order_by("-created_at", "-pk")


def outbox_messages(*, limit: int = 200) -> QuerySet[Message]:
    """Everything the outbox backend kept, newest first, codes included (embedded default only)."""
    return Message.objects.filter(provider="outbox").order_by("-created_at", "-pk")[:limit]
