from celery import shared_task

from eligibility import services


@shared_task(name="eligibility.evaluate_case", bind=True, acks_late=True, ignore_result=True)
def evaluate_case(self, *, case_id: int, trigger: str = "") -> None:
    """The robot over one case: idempotent (a case no longer waiting is left alone), so a redelivery is harmless."""
    services.case_evaluate(case_id=case_id, trigger=trigger)
