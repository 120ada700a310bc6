"""A page's processing on the one executor: claimed once however often its task is delivered, every change a
history row, a dead worker's claim taken back after the lease."""

from datetime import timedelta

import pytest

from cases import clock
from cases.exceptions import TransitionNotAllowed
from cases.models import Case, Page, PageEvent
from cases.pages import PAGES, PageAction, lease, page_claim
from frontoffice import services as front
from tests.factories import add_document, image_bytes, make_case, upload

pytestmark = pytest.mark.django_db
P = Page.Status


def _pending_page(world) -> Page:
    """A page whose task has not run yet (a PNG needs processing; the upload's on-commit work is not run)."""
    case = make_case(world, Case.Status.DRAFT)
    document = front.document_add(case=case, document_type=None, files=[upload(image_bytes("PNG"))], by=world.clerk_a)
    page = document.pages.get()
    assert page.status == P.PENDING
    return page


def _history(page: Page) -> list[tuple[str, str, str]]:
    return list(PageEvent.objects.filter(page=page).values_list("action", "from_status", "to_status"))


def test_a_page_is_processed_once_and_its_history_kept(world):
    page = _pending_page(world)
    front.page_process(page_id=page.pk, token="delivery-1")
    page.refresh_from_db()
    assert (page.status, page.attempts) == (P.READY, 1)
    assert _history(page) == [("claim", P.PENDING, P.PROCESSING), ("finish", P.PROCESSING, P.READY)]
    # The same task delivered again, and a spare nudge from the sweeper: nothing happens.
    front.page_process(page_id=page.pk, token="delivery-1")
    front.page_process(page_id=page.pk, token="delivery-2")
    page.refresh_from_db()
    assert (page.status, page.attempts, len(_history(page))) == (P.READY, 1, 2)


def test_a_second_delivery_while_the_first_runs_does_nothing(world):
    page = _pending_page(world)
    page_claim(page, token="first")
    front.page_process(page_id=page.pk, token="second")
    page.refresh_from_db()
    assert (page.status, page.claim_token, page.attempts) == (P.PROCESSING, "first", 1)
    # The first delivery's message, redelivered after its worker died, may take its own claim back.
    front.page_process(page_id=page.pk, token="first")
    page.refresh_from_db()
    assert (page.status, page.attempts) == (P.READY, 2)


def test_a_result_whose_claim_was_lost_is_dropped(world):
    page = _pending_page(world)
    page_claim(page, token="worker")
    front.page_rotate(page=page, by=world.clerk_a)  # the clerk turns the page while it is processed
    with pytest.raises(TransitionNotAllowed):
        PAGES.execute(page.pk, PageAction.FINISH, by=None, params={"token": "worker"})
    page.refresh_from_db()
    assert page.status in (P.PENDING, P.READY) and page.rotation == 90


def test_a_dead_workers_claim_is_taken_back_after_the_lease(world, django_capture_on_commit_callbacks):
    page = _pending_page(world)
    page_claim(page, token="dead")
    front.requeue_stale_work(older_than_seconds=0)
    page.refresh_from_db()
    assert page.status == P.PROCESSING, "within the lease the claim is honoured"
    Page.objects.filter(pk=page.pk).update(claimed_at=clock.now() - lease() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        front.requeue_stale_work(older_than_seconds=0)
    page.refresh_from_db()
    assert page.status == P.READY
    assert ("requeue", P.PROCESSING, P.PENDING) in _history(page)


def test_only_a_clerk_of_the_case_retries_or_rotates_and_only_while_editable(world):
    case = make_case(world, Case.Status.DRAFT)
    add_document(case, world.clerk_a, files=[upload()])
    page = Page.objects.get(document__case=case)
    assert "rotate" in PAGES.available_actions(page, world.clerk_a)
    assert "rotate" not in PAGES.available_actions(page, world.clerk_b)
    assert "retry" not in PAGES.available_actions(page, world.clerk_a), "a ready page has nothing to retry"
    assert PAGES.available_actions(page, world.specialist) == frozenset()
