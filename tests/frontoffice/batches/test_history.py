"""A batch's status changes only through the batch machine, each leaving a history row; a worker that lost the
batch to another changes nothing."""

import pytest
from django.core.files.storage import default_storage

from cases.exceptions import NotPermitted
from frontoffice.batches.services.claim import BatchTaken, Holder, claim
from frontoffice.batches.services.create import batch_create, batch_retry
from frontoffice.batches.services.machine import BATCHES
from frontoffice.batches.services.run import batch_process
from frontoffice.models import ScanBatch
from tests.factories import committed, make_case
from tests.frontoffice.batches.stacks import content, cover, pdf_upload

pytestmark = pytest.mark.django_db


def history(batch) -> list[tuple]:
    return list(batch.events.order_by("at", "pk").values_list("action", "from_status", "to_status", "actor"))


def test_a_batch_read_and_routed_leaves_its_history(world):
    case = make_case(world)
    batch = batch_create(front_office=world.fo_a, files=[pdf_upload([cover(case), content()])], by=world.clerk_a)
    with committed():
        batch_process(batch_id=batch.pk)
    assert history(batch) == [
        ("receive", "queued", "queued", world.clerk_a.pk),
        ("read", "queued", "reading", None),
        ("route", "reading", "routing", None),
        ("finish", "routing", "done", None),
    ]


def test_a_failed_batch_is_retried_by_a_clerk_of_its_community_only(world):
    case = make_case(world)
    batch = batch_create(front_office=world.fo_a, files=[pdf_upload([cover(case), content()])], by=world.clerk_a)
    stored = batch.files.get().file.name
    kept = default_storage.open(stored).read()
    default_storage.delete(stored)
    with committed():
        batch_process(batch_id=batch.pk)
    assert history(batch)[-1] == ("fail", "reading", "failed", None)
    assert BATCHES.available_actions(ScanBatch.objects.get(pk=batch.pk), world.clerk_a) == {"retry"}
    assert BATCHES.available_actions(ScanBatch.objects.get(pk=batch.pk), world.clerk_b) == frozenset()
    with pytest.raises(NotPermitted):
        batch_retry(batch=batch, by=world.clerk_b)
    from django.core.files.base import ContentFile

    default_storage.save(stored, ContentFile(kept))
    with committed():
        batch_retry(batch=batch, by=world.clerk_a)
        batch_retry(batch=batch, by=world.clerk_a)  # a double click: one retry
    assert [row for row in history(batch) if row[0] == "retry"] == [("retry", "failed", "queued", world.clerk_a.pk)]
    assert ScanBatch.objects.get(pk=batch.pk).status == "done"


def test_a_worker_that_lost_the_batch_changes_nothing(world):
    batch = batch_create(front_office=world.fo_a, files=[pdf_upload([content()])], by=world.clerk_a)
    first = claim(batch.pk, "worker-1")
    ScanBatch.objects.filter(pk=batch.pk).update(worker="worker-2")  # taken over after a stale heartbeat
    with pytest.raises(BatchTaken):
        Holder(first, "worker-1").transition("read")
    assert ScanBatch.objects.get(pk=batch.pk).status == "queued"
    assert [row[0] for row in history(batch)] == ["receive"]
