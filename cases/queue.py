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


class _Batch:
    def __init__(self, fn):
        self.fn, self.items, self.done = fn, [], False

    def __call__(self) -> None:
        self.done = True
        self.fn(self.items)


def on_commit_batch(key: str, item, fn, *, using=None) -> None:
    """Collect ``item`` under ``key`` for the running transaction; once it commits, ``fn(items)`` runs once with all
    of them (in the order they came), instead of one after-commit call per item — the robot's batch writes hundreds
    of timeline rows in one transaction. Outside a transaction ``fn([item])`` runs at once, as ``on_commit`` would.

    A batch belongs to the transaction (and savepoint) it was opened in, its hook registered there: a rollback of
    either drops the hook with its items, as it drops any ``on_commit`` work, and the next item opens a new batch."""
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        fn([item])
        return
    batches = connection.__dict__.setdefault("_on_commit_batches", {})
    where = (key, tuple(connection.savepoint_ids))
    batch = batches.get(where)
    if batch is None or batch.done or not any(entry[1] is batch for entry in connection.run_on_commit):
        for stale in [w for w, b in batches.items() if b.done]:
            del batches[stale]
        batch = batches[where] = _Batch(fn)
        transaction.on_commit(batch, using=using)
    batch.items.append(item)
