from celery import shared_task
from django.conf import settings

from eligibility import services


@shared_task(name="eligibility.evaluate_case", bind=True, acks_late=True, ignore_result=True)
def evaluate_case(self, *, case_id: int, trigger: str = "") -> None:
    """The robot over one case: idempotent (a case no longer waiting is left alone), so a redelivery is harmless."""
    services.case_evaluate(case_id=case_id, trigger=trigger)


@shared_task(name="eligibility.evaluate_cases", bind=True, acks_late=True, ignore_result=True)
def evaluate_cases(self, *, case_ids: list[int], trigger: str = "") -> None:
    """The robot over several cases in one transaction (the cases one registry answer serves); idempotent."""
    services.cases_evaluate(case_ids=case_ids, trigger=trigger)


@shared_task(name="eligibility.robot_catch_up", ignore_result=True)
def robot_catch_up() -> None:
    """Beat: decide the waiting automatic cases whose nudge was lost (a worker or broker outage), in batches."""
    services.robot_catch_up(batch=settings.ROBOT_BATCH)
