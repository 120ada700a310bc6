"""The one hook into the offices' transitions: every committed timeline event may call for a message.

A receiver is the right place here because the CaseEvent row *is* the committed fact; the work runs only after
the transaction commits (never for a transition that rolled back) and the offices' services stay unaware of it.
"""

import logging

from django.db.models.signals import post_save
from django.dispatch import receiver

from cases.models import CaseEvent
from cases.queue import on_commit_batch

logger = logging.getLogger(__name__)


def _after_commit(events: list[CaseEvent]) -> None:
    from notifications.services import notify_for_events

    # The transition has committed: a failure here must not turn its answer into an error. It is logged; the
    # events stay, and notify_for_event(event=…) can be run for them again (it is idempotent per event). The saved
    # rows are used as they are: timeline rows are append-only, so a committed row is this very instance.
    try:
        notify_for_events(events=events)
    except Exception:
        logger.exception("messages for case events %s not queued", [e.pk for e in events])


@receiver(post_save, sender=CaseEvent, dispatch_uid="notifications.case_event")
def case_event_saved(sender, instance: CaseEvent, created: bool, raw: bool = False, **kwargs) -> None:
    # One after-commit call per transaction for all its events (the robot's batch writes hundreds at once).
    if created and not raw and instance.action in ("submit", "request_info", "decide", "approve_refusal"):
        on_commit_batch("notifications.case_events", instance, _after_commit)
