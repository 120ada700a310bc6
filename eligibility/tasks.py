from celery import shared_task
from django.conf import settings

from eligibility import services


@shared_task(name="eligibility.evaluate_case", bind=True, acks_late=True, ignore_result=True)
def evaluate_case(self, *, case_id: int, trigger: str = "") -> None:
    """The robot over one case — and, in the same transaction, up to ``ROBOT_BATCH - 1`` other automatic cases that
    have waited unevaluated for ``ROBOT_BACKLOG_SECONDS``: when a burst of submissions puts the worker behind, it
    decides the backlog in batches (their own tasks then find them decided and change nothing); on a quiet day the
    batch is this case alone. Idempotent, so a redelivery is harmless."""
    others = []
    if settings.ROBOT_BATCH > 1:
        backlog = services.robot_waiting(older_than_seconds=settings.ROBOT_BACKLOG_SECONDS).exclude(pk=case_id)
        others = list(backlog[: settings.ROBOT_BATCH - 1])
    services.cases_evaluate(case_ids=[case_id, *others], trigger=trigger)


@shared_task(name="eligibility.evaluate_cases", bind=True, acks_late=True, ignore_result=True)
def evaluate_cases(self, *, case_ids: list[int], trigger: str = "") -> None:
    """The robot over several cases in one transaction (the cases one registry answer serves); idempotent."""
    services.cases_evaluate(case_ids=case_ids, trigger=trigger)


@shared_task(name="eligibility.robot_catch_up", ignore_result=True)
def robot_catch_up() -> None:
    """Beat: decide the waiting automatic cases whose nudge was lost (a worker or broker outage), in batches."""
    services.robot_catch_up(batch=settings.ROBOT_BATCH)
