"""Thin, idempotent tasks: ids in, one service call; a redelivery is a no-op."""

from celery import shared_task

from renewals import services


@shared_task(name="renewals.run", ignore_result=True)
def run() -> None:
    """The daily job (beat): open the renewals now due and move on the stuck ones."""
    services.renewals_run()


@shared_task(name="renewals.record_term", bind=True, acks_late=True, ignore_result=True)
def record_term(self, *, case_id: int) -> None:
    services.grant_term_record(case_id=case_id)


@shared_task(name="renewals.record_terms", bind=True, acks_late=True, ignore_result=True)
def record_terms(self, *, case_ids: list[int]) -> None:
    services.grant_terms_record(case_ids=case_ids)


@shared_task(name="renewals.submit", bind=True, acks_late=True, ignore_result=True)
def submit_renewal(self, *, case_id: int) -> None:
    services.renewal_submit(case_id=case_id)


@shared_task(name="renewals.pass_to_people", bind=True, acks_late=True, ignore_result=True)
def pass_to_people(self, *, case_id: int) -> None:
    services.renewal_pass_to_people(case_id=case_id)
