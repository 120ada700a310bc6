"""Holding a batch: one worker at a time, by a token and a heartbeat; a stale heartbeat lets another take over."""

import time
from datetime import timedelta

from django.conf import settings
from django.db.models import Q

from cases import clock
from cases.statemachine import Attempt, Change
from frontoffice.models import ScanBatch

B = ScanBatch.Status


HEARTBEAT_EVERY = 5  # seconds between heartbeats while a worker holds a batch


class BatchTaken(Exception):
    """Another worker holds the batch (or took it over): this one stops quietly."""


def claim(batch_id: int, token: str) -> ScanBatch | None:
    """Hold the batch for this worker, unless another worker holds it with a fresh heartbeat."""
    now = clock.now()
    stale = now - timedelta(seconds=settings.SCAN_BATCH_STALE_SECONDS)
    free = Q(worker="") | Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=stale)
    claimed = (
        ScanBatch.objects.filter(pk=batch_id, status__in=[B.QUEUED, B.READING, B.ROUTING])
        .filter(free)
        .update(worker=token, heartbeat_at=now)
    )
    if not claimed:
        return None
    batch = ScanBatch.objects.select_related("front_office__community", "created_by").get(pk=batch_id)
    if batch.started_at is None:
        batch.started_at = now
        batch.save(update_fields=["started_at"])
    return batch


class Holder:
    """Keeps the heartbeat of a held batch and notices when another worker has taken it over."""

    def __init__(self, batch: ScanBatch, token: str):
        self.batch, self.token, self.last = batch, token, time.monotonic()

    def beat(self, **fields) -> None:
        """Renew the heartbeat (every ``HEARTBEAT_EVERY`` seconds; ``fields`` are saved with it, never a status)."""
        if not fields and time.monotonic() - self.last < HEARTBEAT_EVERY:
            return
        held = ScanBatch.objects.filter(pk=self.batch.pk, worker=self.token)
        updated = held.update(heartbeat_at=clock.now(), **fields)
        if not updated:
            raise BatchTaken
        self.last = time.monotonic()

    def transition(self, action: str, **fields) -> None:
        """Change the batch's status through the batch machine (history row included), setting ``fields`` with
        it — only while this worker still holds the batch (the machine's guard, under the row lock)."""
        from frontoffice.batches.services.machine import BATCHES, BatchNotHeld

        def change(a: Attempt) -> Change:
            a.obj.heartbeat_at = clock.now()
            for name, value in fields.items():
                setattr(a.obj, name, value)
            return Change(fields=("heartbeat_at", *fields))

        try:
            BATCHES.execute(self.batch.pk, action, by=None, params={"token": self.token}, change=change)
        except BatchNotHeld:
            raise BatchTaken from None
        self.last = time.monotonic()
