"""The broker is down when the clerk uploads and submits: the clerk's request still succeeds, nothing is lost,
and the work is done once the broker is back (the database, not the broker, remembers what is pending)."""

import logging

import kombu.pools
import pytest

from cases.models import Case, Page
from config import celery_app
from frontoffice import services as front
from tests.factories import committed, make_case, upload

pytestmark = pytest.mark.django_db


def _fresh_pools():
    """Celery keeps producer and connection pools for the broker it first talked to; drop them so the next send
    connects to whatever ``broker_url`` says now (closing them in place would leave later tests a closed pool)."""
    kombu.pools.reset()
    celery_app._after_fork()


@pytest.fixture
def broker_down():
    """A broker address nothing listens on, and tasks really sent (not run in-process)."""
    # broker_write_url is what sending connects to; under Django settings, broker_url set here would not reach it.
    saved = celery_app.conf.task_always_eager, celery_app.conf.broker_write_url
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_write_url = "redis://127.0.0.1:9/0"
    _fresh_pools()
    yield
    celery_app.conf.task_always_eager, celery_app.conf.broker_write_url = saved
    _fresh_pools()


def test_upload_and_submit_survive_a_broker_outage(world, broker_down, caplog):
    case = make_case(world, Case.Status.DRAFT)
    items = list(case.service_type.checklist.all())
    with caplog.at_level(logging.WARNING, logger="cases.queue"), committed():
        for item in items:
            front.document_add(case=case, document_type=item.document_types.first(), files=[upload()], by=world.clerk_a)
    pages = Page.objects.filter(document__case=case)
    assert pages.count() == len(items) and set(pages.values_list("status", flat=True)) == {"pending"}
    assert "left for the sweeper" in caplog.text  # told operators, did not fail the clerk

    # The sweeper runs while the broker is still down: it tries, fails quietly, and keeps the work pending.
    assert front.requeue_stale_work(older_than_seconds=0) == {"pages": 0, "packages": 0}
    assert set(pages.values_list("status", flat=True)) == {"pending"}

    # The broker is back: the next sweep sends the pages; the worker (here in-process) makes them ready.
    celery_app.conf.task_always_eager = True
    assert front.requeue_stale_work(older_than_seconds=0)["pages"] == len(items)
    assert set(pages.values_list("status", flat=True)) == {"ready"}

    # Submitting while the broker is down again: the case is submitted; its package PDF follows later.
    celery_app.conf.task_always_eager = False
    with committed():
        case = front.case_submit(case=case, by=world.clerk_a)
    assert case.status == Case.Status.SUBMITTED and not Case.objects.get(pk=case.pk).package_pdf
    celery_app.conf.task_always_eager = True
    assert front.requeue_stale_work(older_than_seconds=0)["packages"] == 1
    assert Case.objects.get(pk=case.pk).package_pdf


def test_the_sweeper_leaves_fresh_work_to_the_queue(world):
    case = make_case(world, Case.Status.DRAFT)
    front.document_add(case=case, document_type=None, files=[upload()], by=world.clerk_a)  # not committed: pending
    assert front.requeue_stale_work() == {"pages": 0, "packages": 0}  # queued just now: not stale yet
