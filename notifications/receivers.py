"""The one hook into the offices' transitions: every committed timeline event may call for a message.

A receiver is the right place here because the CaseEvent row *is* the committed fact; the work runs only after
the transaction commits (never for a transition that rolled back) and the offices' services stay unaware of it.
"""

from functools import partial

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from cases.models import CaseEvent


def _after_commit(event_id: int) -> None:
    from notifications.services import notify_for_event, template_for_event

    event = CaseEvent.objects.filter(pk=event_id).first()
    if event is not None and template_for_event(event) is not None:
        notify_for_event(event=event)


@receiver(post_save, sender=CaseEvent, dispatch_uid="notifications.case_event")
def case_event_saved(sender, instance: CaseEvent, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw and instance.action in ("submit", "request_info", "decide", "approve_refusal"):
        transaction.on_commit(partial(_after_commit, instance.pk))
