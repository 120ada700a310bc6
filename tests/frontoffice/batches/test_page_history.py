"""A batch page's status changes only through the page machine (``PAGES``), set-based: every change leaves a
``ScanBatchPageEvent``; a page in another state is refused; N pages cost one UPDATE and one INSERT; the table's
rules x states x roles agree with ``available_actions``."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.exceptions import NotPermitted, TransitionNotAllowed
from cases.statemachine import SYSTEM
from frontoffice.batches.services.assignment import batch_pages_assign, batch_pages_discard
from frontoffice.batches.services.create import batch_create
from frontoffice.batches.services.machine import PAGE_RULES, PAGES
from frontoffice.models import ScanBatchPage, ScanBatchPageEvent
from tests.factories import make_case
from tests.frontoffice.batches.stacks import content, cover, pdf_upload, run_batch

pytestmark = pytest.mark.django_db
P = ScanBatchPage.Status


def history(page) -> list[tuple]:
    return list(
        ScanBatchPageEvent.objects.filter(page=page)
        .order_by("at", "pk")
        .values_list("action", "from_status", "to_status", "actor")
    )


def test_every_change_of_a_page_leaves_its_history_row(world, media_root):
    case = make_case(world)
    other = make_case(world)
    batch = run_batch(
        world.fo_a, world.clerk_a, [pdf_upload([content("stray"), content("blank"), cover(case), content("p")])]
    )
    stray, blank, sheet, page = (batch.pages.get(number=n) for n in (1, 2, 3, 4))
    assert history(sheet) == [("read", "pending", "read", None), ("drop", "read", "dropped", None)]
    assert history(page) == [("read", "pending", "read", None), ("route", "read", "routed", None)]
    assert history(stray) == [("read", "pending", "read", None), ("unroute", "read", "unrouted", None)]
    assert stray.events.get(action="unroute").data == {"reason": "no_cover"}
    assert page.events.get(action="route").data == {"case": case.number}

    batch_pages_assign(batch=batch, numbers=[1], case=other, document_type=None, by=world.clerk_a)
    batch_pages_discard(batch=batch, numbers=[2], by=world.clerk_a)
    assert history(stray)[-1] == ("assign", "unrouted", "routed", world.clerk_a.pk)
    assert history(blank)[-1] == ("discard", "unrouted", "discarded", world.clerk_a.pk)
    stray.refresh_from_db()
    assert stray.case == other and stray.resolved_by == world.clerk_a and stray.document is not None


def test_a_page_in_another_state_is_refused_and_nothing_changes(world, media_root):
    case = make_case(world)
    batch = run_batch(world.fo_a, world.clerk_a, [pdf_upload([content("stray"), content("two")])])
    batch_pages_assign(batch=batch, numbers=[1], case=case, document_type=None, by=world.clerk_a)
    routed, unrouted = batch.pages.get(number=1), batch.pages.get(number=2)
    events = ScanBatchPageEvent.objects.count()

    with pytest.raises(TransitionNotAllowed):  # strict: one page placed already refuses the whole set
        PAGES.execute_many([unrouted, routed], "assign", by=world.clerk_a, values={"resolved_by": world.clerk_a})
    with pytest.raises(NotPermitted):  # a clerk of another community
        PAGES.execute_many([unrouted], "discard", by=world.clerk_b)
    with pytest.raises(NotPermitted):  # a clerk's action is not the worker's
        PAGES.execute_many([unrouted], "discard", by=None)
    with pytest.raises(TransitionNotAllowed):
        PAGES.execute_many([routed], "read", by=None)
    unrouted.refresh_from_db()
    assert unrouted.status == P.UNROUTED and ScanBatchPageEvent.objects.count() == events

    # The compare-and-set form leaves out the page that is no longer in a source state.
    changed = PAGES.execute_many([routed, unrouted], "discard", by=world.clerk_a, skip=True)
    assert [p.pk for p in changed] == [unrouted.pk] and changed[0].status == P.DISCARDED
    assert ScanBatchPageEvent.objects.count() == events + 1


def _pending_pages(world, n: int) -> list[ScanBatchPage]:
    batch = batch_create(front_office=world.fo_a, files=[pdf_upload([content()])], by=world.clerk_a)
    first = batch.pages.get()
    ScanBatchPage.objects.bulk_create(
        ScanBatchPage(batch=batch, number=k, file_id=first.file_id, source_index=0) for k in range(2, n + 1)
    )
    return list(batch.pages.order_by("number"))


@pytest.mark.parametrize("n", [3, 40])
def test_the_set_based_change_is_one_update_and_one_insert_whatever_the_number_of_pages(world, n):
    pages = _pending_pages(world, n)
    with CaptureQueriesContext(connection) as queries:
        changed = PAGES.execute_many(pages, "read", by=None, values={"kind": ScanBatchPage.Kind.CONTENT})
    sql = [q["sql"].lstrip().upper() for q in queries.captured_queries]
    assert len(changed) == n
    assert sum(s.startswith("UPDATE") for s in sql) == 1
    assert sum(s.startswith("INSERT") for s in sql) == 1
    assert sum(s.startswith("SELECT") for s in sql) == 1  # the rows, locked, with their batch and front office
    assert ScanBatchPage.objects.filter(pk__in=[p.pk for p in pages], status=P.READ, kind="content").count() == n
    assert ScanBatchPageEvent.objects.filter(page__in=pages, action="read", from_status="pending").count() == n


# The generated walk: every rule x every state x every actor, through the executor and available_actions.
ACTORS = {"system": None, "clerk_a": "clerk_a", "clerk_b": "clerk_b", "specialist": "specialist"}
ALLOWED = {SYSTEM: {"system"}, "clerk": {"clerk_a"}}


@pytest.mark.parametrize("rule", PAGE_RULES, ids=lambda r: r.action)
@pytest.mark.parametrize("status", P.values)
@pytest.mark.parametrize("actor", list(ACTORS))
def test_the_page_table_rule_by_rule(world, rule, status, actor):
    page = _pending_pages(world, 1)[0]
    ScanBatchPage.objects.filter(pk=page.pk).update(status=status)
    page.refresh_from_db()
    user = getattr(world, ACTORS[actor]) if ACTORS[actor] else None
    may = status in rule.sources and any(actor in ALLOWED[role] for role in rule.roles)
    assert (rule.action in PAGES.available_actions(page, user)) == may
    if may:
        changed = PAGES.execute_many([page], rule.action, by=user)
        assert [p.status for p in changed] == [rule.target]
        assert history(page) == [(rule.action, status, rule.target, getattr(user, "pk", None))]
    else:
        expected = TransitionNotAllowed if status not in rule.sources else NotPermitted
        with pytest.raises(expected):
            PAGES.execute_many([page], rule.action, by=user)
        page.refresh_from_db()
        assert page.status == status and history(page) == []
