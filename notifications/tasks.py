"""Thin tasks: ids in, one service call. Sending retries with backoff while the provider is down; the beat
sweeper catches whatever a lost nudge or an exhausted retry left queued."""

from celery import shared_task
from django.conf import settings

from notifications import services


@shared_task(name="notifications.send_message", bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=6)
def send_message(self, message_id: int) -> None:
    outcome = services.message_send(message_id=message_id)
    # In-process (the embedded default) a retry would run at once, in the request; the sweeper retries instead.
    if outcome == "retry" and not self.request.is_eager and self.request.retries < self.max_retries:
        raise self.retry(countdown=min(settings.NOTIFY_RETRY_SECONDS * 2**self.request.retries, 1800))


@shared_task(name="notifications.requeue_stale_messages", ignore_result=True)
def requeue_stale_messages() -> None:
    services.message_requeue_stale()


@shared_task(name="notifications.poll_delivery", ignore_result=True)
def poll_delivery() -> None:
    services.message_poll_delivery()
