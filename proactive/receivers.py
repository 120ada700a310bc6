"""A registry answer for a proactive case may complete its package: ask the product to pass it on (after commit)."""

from django.dispatch import receiver

from cases.queue import enqueue_on_commit
from registries.services import query_finished


@receiver(query_finished, dispatch_uid="proactive.on_registry_answer")
def on_registry_answer(sender, query_id: int, case_id: int, **kwargs) -> None:
    from proactive.tasks import submit_case

    enqueue_on_commit(submit_case, case_id=case_id)
