"""Thin, idempotent tasks: they take ids, load the row and call one service. A re-run is a no-op. (Deriving page
images is the kernel's: ``cases.tasks.process_page``.)"""

from celery import shared_task

from frontoffice import services


@shared_task(name="frontoffice.assemble_case_pdf", bind=True, acks_late=True, reject_on_worker_lost=True)
def assemble_case_pdf(self, case_id: int) -> None:
    services.case_package_pdf(case_id=case_id)


@shared_task(name="frontoffice.requeue_stale_work", ignore_result=True)
def requeue_stale_work() -> None:
    services.requeue_stale_work()
