"""Three hooks, each only enqueueing work after the commit (the task decides, idempotently):

- a grant decided (a ``decide`` timeline row): record its term, if the service is fixed-term (one task for all the
  cases a transaction decided);
- a registry answer for a renewal's case (``registries.services.query_finished``): submit it once none is pending;
- the robot passed a renewal to people (a ``robot_review`` row): tell the person what to bring.
"""

from django.db.models.signals import post_save
from django.dispatch import receiver

from cases.lifecycle import Action
from cases.models import Case, CaseEvent
from cases.queue import enqueue_on_commit, on_commit_batch, send
from registries.services import query_finished


def _record_terms(case_ids: list[int]) -> None:
    from renewals.tasks import record_term, record_terms

    if len(case_ids) == 1:
        send(record_term, case_id=case_ids[0])
    else:
        send(record_terms, case_ids=list(dict.fromkeys(case_ids)))


@receiver(post_save, sender=CaseEvent, dispatch_uid="renewals.case_event")
def case_event_saved(sender, instance: CaseEvent, created: bool, raw: bool = False, **kwargs) -> None:
    if not created or raw:
        return
    if instance.action in (Action.DECIDE, Action.APPROVE_REFUSAL) and instance.to_status == Case.Status.DECIDED:
        # One task per transaction for all the cases it decided (the robot decides a batch at once).
        on_commit_batch("renewals.decided", instance.case_id, _record_terms)
    elif instance.action == Action.ROBOT_REVIEW:
        from renewals.models import Renewal
        from renewals.tasks import pass_to_people

        if Renewal.objects.filter(case_id=instance.case_id, needs_person_at__isnull=True).exists():
            enqueue_on_commit(pass_to_people, case_id=instance.case_id)


@receiver(query_finished, dispatch_uid="renewals.on_registry_answer")
def on_registry_answer(sender, query_id: int, case_id: int, **kwargs) -> None:
    from renewals.models import Renewal
    from renewals.tasks import submit_renewal

    if Renewal.objects.filter(case_id=case_id, case__status=Case.Status.DRAFT).exists():
        enqueue_on_commit(submit_renewal, case_id=case_id)
