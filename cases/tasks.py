"""The kernel's background work: deriving page images. Thin and idempotent: the task takes an id and calls one
service; a re-run is a no-op (the page is claimed by the delivery's id)."""

from celery import shared_task

from cases import documents


@shared_task(name="cases.process_page", bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=3)
def process_page(self, page_id: int) -> None:
    # The delivery's id is the claim token: this message redelivered after its worker died may take the page back.
    documents.page_process(page_id=page_id, token=self.request.id or "")
