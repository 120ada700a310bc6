"""The one hook into the offices' transitions: every committed timeline event may call for a message.

A receiver is the right place here because the CaseEvent row *is* the committed fact; the work runs only after
the transaction commits (never for a transition that rolled back) and the offices' services stay unaware of it.
"""

import logging
from functools import partial

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from cases.models import CaseEvent

logger = logging.getLogger(__name__)


def _after_commit(event: CaseEvent) -> None:
    from notifications.services import notify_for_event, template_for_event

    # The transition has committed: a failure here must not turn its answer into an error. It is logged; the
    # event stays, and notify_for_event(event=…) can be run for it again (it is idempotent per event). The saved
    # row is used as it is: timeline rows are append-only, so the committed row is this very instance.
    try:
        if template_for_event(event) is not None:
            notify_for_event(event=event)
    except Exception:
        logger.exception("message for case event %s not queued", event.pk)


@receiver(post_save, sender=CaseEvent, dispatch_uid="notifications.case_event")
def case_event_saved(sender, instance: CaseEvent, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw and instance.action in ("submit", "request_info", "decide", "approve_refusal"):
        transaction.on_commit(partial(_after_commit, instance))
