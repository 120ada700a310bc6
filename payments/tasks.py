"""Thin, idempotent tasks: they call one service. A re-run is a no-op."""

from celery import shared_task

from payments.services.statements import statement_issue_ended_months


@shared_task(name="payments.close_ended_months", bind=True, acks_late=True, reject_on_worker_lost=True)
def close_ended_months(self) -> dict[str, int]:
    """Month end (beat, daily): issue the open statements of every month that has ended."""
    return {f"{period:%Y-%m}": n for period, n in statement_issue_ended_months().items()}
