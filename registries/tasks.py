"""Thin, idempotent tasks: they take ids, load the row and call one service. A re-run is a no-op."""

from celery import shared_task

from registries import services


@shared_task(name="registries.run_query", bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def run_query(self, query_id: int) -> None:
    # Eager (the embedded default): one attempt in the request, no sleeping retries; the clerk may ask again.
    retry_in = services.registry_query_run(query_id=query_id, may_retry=not self.request.is_eager)
    if retry_in is not None:
        # The row already says when (next_attempt_at); if this retry message is lost the sweeper sends it.
        raise self.retry(countdown=retry_in)


@shared_task(name="registries.sweep", ignore_result=True)
def sweep() -> None:
    services.registry_sweep()
