"""Thin, idempotent tasks for batch scanning: they take ids (or nothing) and call one service."""

from celery import shared_task
from django.conf import settings

from frontoffice.batches import inbox
from frontoffice.batches.services.run import batch_process, batch_resume_stalled


@shared_task(
    name="frontoffice.process_scan_batch",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    # A stack of hundreds of pages takes minutes; the batch is resumable, so a hard stop loses nothing.
    time_limit=settings.SCAN_BATCH_TASK_TIME_LIMIT,
    soft_time_limit=settings.SCAN_BATCH_TASK_TIME_LIMIT - 30,
)
def process_scan_batch(self, batch_id: int) -> None:
    batch_process(batch_id=batch_id)


@shared_task(name="frontoffice.poll_scan_inboxes", bind=True, ignore_result=True)
def poll_scan_inboxes(self) -> None:
    inbox.poll_all()


@shared_task(name="frontoffice.resume_scan_batches", bind=True, ignore_result=True)
def resume_scan_batches(self) -> None:
    batch_resume_stalled()
