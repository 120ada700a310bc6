"""The scan batch's state machine, on the one executor (``cases.statemachine``): the worker (``SYSTEM``) reads,
routes, finishes or fails a batch it holds; a clerk of the batch's community retries a failed one. Every change
leaves a ``ScanBatchEvent``.

Its pages have their own machine, ``PAGES``, taken set-based (``Machine.execute_many``: one UPDATE and one INSERT
of ``ScanBatchPageEvent`` rows for a batch's pages): the worker reads a pending page, drops a sheet, unroutes a page
it cannot place (the reason in the page and the history row's data) and routes a group into its case; a clerk of the
batch's community assigns unrouted pages into a case or discards them.

"Holds" is the compare-and-set the batches always had: the worker's token must still be the batch's ``worker``
when the change is made under the row lock, so a worker that lost the batch to another (its heartbeat went stale)
changes nothing and stops (``BatchNotHeld``, turned into ``claim.BatchTaken``)."""

from django.utils.translation import gettext_lazy as _

from cases.access import access_for
from cases.exceptions import TransitionNotAllowed
from cases.statemachine import SYSTEM, Attempt, Machine, guard, rule
from frontoffice.models import ScanBatch, ScanBatchEvent, ScanBatchPage, ScanBatchPageEvent

B = ScanBatch.Status
P = ScanBatchPage.Status
WORKING = (B.QUEUED, B.READING, B.ROUTING)


class BatchNotHeld(TransitionNotAllowed):
    code = "batch_not_held"
    default_message = _("Another worker holds this batch.")


@guard("held_by_this_worker", BatchNotHeld, needs_params=True)
def held_by_this_worker(a: Attempt) -> bool:
    return bool(a.obj.worker) and a.obj.worker == a.params.get("token")


def _roles_of(batch: ScanBatch, user) -> frozenset[str]:
    if batch.front_office.community_id in access_for(user).clerk_community_ids:
        return frozenset({"clerk"})
    return frozenset()


BATCH_RULES = [
    rule("read", {B.QUEUED, B.READING}, {SYSTEM}, B.READING, guards=(held_by_this_worker,)),
    rule("route", WORKING, {SYSTEM}, B.ROUTING, guards=(held_by_this_worker,)),
    rule("finish", WORKING, {SYSTEM}, B.DONE, guards=(held_by_this_worker,)),
    rule("fail", WORKING, {SYSTEM}, B.FAILED, guards=(held_by_this_worker,)),
    rule("retry", {B.FAILED}, {"clerk"}, B.QUEUED),
]
BATCHES = Machine(
    name="scan batch",
    model=ScanBatch,
    rules=BATCH_RULES,
    roles_of=_roles_of,
    history=ScanBatchEvent,
    owner_field="batch",
    select_related=("front_office",),
)


def _page_roles_of(page: ScanBatchPage, user) -> frozenset[str]:
    return _roles_of(page.batch, user)


def _placed_already() -> TransitionNotAllowed:
    return TransitionNotAllowed(_("Some of these pages have been placed already; reload the batch."))


PLACED = {s: _placed_already for s in P.values if s != P.UNROUTED}
PAGE_RULES = [
    rule("read", {P.PENDING}, {SYSTEM}, P.READ),
    rule("drop", {P.READ}, {SYSTEM}, P.DROPPED),
    rule("unroute", {P.READ}, {SYSTEM}, P.UNROUTED),
    rule("route", {P.READ}, {SYSTEM}, P.ROUTED),
    rule("assign", {P.UNROUTED}, {"clerk"}, P.ROUTED, state_errors=PLACED),
    rule("discard", {P.UNROUTED}, {"clerk"}, P.DISCARDED, state_errors=PLACED),
]
PAGES = Machine(
    name="scan batch page",
    model=ScanBatchPage,
    rules=PAGE_RULES,
    roles_of=_page_roles_of,
    history=ScanBatchPageEvent,
    owner_field="page",
    select_related=("batch__front_office",),
)
