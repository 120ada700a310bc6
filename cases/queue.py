"""Sending background work so that a broker outage loses nothing.

The database is the record of what must be done (a page ``pending``, a batch ``queued``, a submitted case without
its package PDF); the broker only carries the nudge. ``enqueue_on_commit`` sends the nudge after the transaction
commits and, if the broker is unreachable, logs it and lets the request finish: the periodic sweepers
(``frontoffice.requeue_stale_work``, ``frontoffice.resume_scan_batches``) find the rows still waiting and send
them again once the broker is back. Tasks are idempotent, so a nudge sent twice does the work once.
"""

import logging
from functools import partial

from django.db import transaction

logger = logging.getLogger(__name__)


def send(task, **kwargs) -> bool:
    """Send now; False (and a warning) when the broker cannot take it."""
    try:
        task.apply_async(kwargs=kwargs)
    except Exception as e:  # kombu's OperationalError, connection refused, timeouts: all mean "not sent"
        logger.warning("broker unavailable (%s): %s %s left for the sweeper", type(e).__name__, task.name, kwargs)
        return False
    return True


def enqueue_on_commit(task, **kwargs) -> None:
    transaction.on_commit(partial(send, task, **kwargs))
