"""The robot's two triggers, without touching the offices' services: a submission (a timeline row ``submit`` or
``resubmit``) and a registry answer (one task for all the cases of the application it serves). Both only enqueue the
task after the commit; the task decides. What a lost nudge leaves waiting, ``robot_catch_up`` (beat) decides."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from cases.lifecycle import Action
from cases.models import CaseEvent
from cases.queue import enqueue_on_commit
from registries.services import query_answered

TRIGGERS = (Action.SUBMIT, Action.RESUBMIT)


@receiver(post_save, sender=CaseEvent, dispatch_uid="eligibility.on_submit")
def on_submit(sender, instance: CaseEvent, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw and instance.action in TRIGGERS:
        from eligibility.tasks import evaluate_case

        enqueue_on_commit(evaluate_case, case_id=instance.case_id, trigger=instance.action)


@receiver(query_answered, dispatch_uid="eligibility.on_registry_answer")
def on_registry_answer(sender, query_id: int, case_ids: list[int], **kwargs) -> None:
    from eligibility.tasks import evaluate_case, evaluate_cases

    if len(case_ids) == 1:
        enqueue_on_commit(evaluate_case, case_id=case_ids[0], trigger="registry")
    elif case_ids:
        enqueue_on_commit(evaluate_cases, case_ids=list(case_ids), trigger="registry")
