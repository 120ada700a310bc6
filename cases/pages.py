"""A page's processing as a state machine on the one executor (``cases.statemachine``).

    pending ──claim──▶ processing ──finish──▶ ready
       ▲                  │  └──────fail────▶ failed ──retry──▶ pending
       └────requeue───────┘ (the claim outlived its lease: the worker died)
    adopt: pending ──▶ ready (the upload already is a normalised page; nothing to process)
    rotate: any ──▶ pending (the clerk turned the page; it is derived again)

The worker acts as the system (``by=None``). Its claim is a compare-and-set under the row lock: a page is claimed
only while it is pending, or by the same delivery again (a worker killed mid-task and its message redelivered), or
once the claim is older than the lease. A second delivery of the task finds the page claimed, or ready, and does
nothing; a worker whose page was turned or taken back meanwhile finds its claim gone and drops its result.
"""

from datetime import timedelta

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from cases import clock
from cases.access import access_for
from cases.exceptions import TransitionNotAllowed
from cases.models import Case, Membership, Page, PageEvent
from cases.statemachine import SYSTEM, Attempt, Change, Machine, guard, rule

P = Page.Status
R = Membership.Role


class PageAction:
    CLAIM = "claim"
    FINISH = "finish"
    FAIL = "fail"
    ADOPT = "adopt"
    REQUEUE = "requeue"
    RETRY = "retry"
    ROTATE = "rotate"


def lease() -> timedelta:
    """How long a claim is honoured: past the task's hard time limit its worker is certainly gone."""
    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 30)


@guard("claimable", TransitionNotAllowed, _("Another worker is processing this page."), needs_params=True)
def claimable(a: Attempt) -> bool:
    page = a.obj
    if page.status == P.PENDING:
        return True
    token = a.params.get("token") or ""
    return bool(token and page.claim_token == token) or (
        page.claimed_at is not None and page.claimed_at < clock.now() - lease()
    )


@guard("holds_claim", TransitionNotAllowed, _("The page was changed while it was processed."), needs_params=True)
def holds_claim(a: Attempt) -> bool:
    return a.obj.claim_token == (a.params.get("token") or "")


@guard("lease_expired", TransitionNotAllowed, _("The page is still being processed."))
def lease_expired(a: Attempt) -> bool:
    return a.obj.claimed_at is None or a.obj.claimed_at < clock.now() - lease()


@guard("case_editable", TransitionNotAllowed, _("Pages can be changed only while the case is with the front office."))
def case_editable(a: Attempt) -> bool:
    return a.obj.document.case.status in (Case.Status.DRAFT, Case.Status.NEEDS_INFO)


PAGE_RULES = (
    rule(
        PageAction.CLAIM, {P.PENDING, P.PROCESSING}, {SYSTEM}, P.PROCESSING, guards=(claimable,), done=lambda a: False
    ),
    rule(PageAction.FINISH, {P.PROCESSING}, {SYSTEM}, P.READY, guards=(holds_claim,)),
    rule(PageAction.FAIL, {P.PROCESSING}, {SYSTEM}, P.FAILED, guards=(holds_claim,)),
    rule(PageAction.ADOPT, {P.PENDING}, {SYSTEM}, P.READY),
    rule(PageAction.REQUEUE, {P.PROCESSING}, {SYSTEM}, P.PENDING, guards=(lease_expired,), done=lambda a: False),
    rule(PageAction.RETRY, {P.FAILED}, {R.CLERK}, P.PENDING, guards=(case_editable,)),
    rule(
        PageAction.ROTATE,
        {P.PENDING, P.PROCESSING, P.READY, P.FAILED},
        {R.CLERK},
        P.PENDING,
        guards=(case_editable,),
        done=lambda a: False,
    ),
)


def _roles_for_page(page: Page, user) -> frozenset[str]:
    return access_for(user).roles_for_case(page.document.case)


PAGES = Machine(
    name="page",
    model=Page,
    rules=PAGE_RULES,
    roles_of=_roles_for_page,
    history=PageEvent,
    owner_field="page",
    select_related=("document__case", "source"),
)


def page_claim(page: Page | int, *, token: str) -> Page:
    """Take a page for processing (the compare-and-set of the module docstring); ``DomainError`` if it is not to be
    taken now, ``Page.DoesNotExist`` if it is gone. ``attempts`` counts each claim: each is a real attempt."""

    def change(a: Attempt) -> Change:
        a.obj.claim_token, a.obj.claimed_at, a.obj.attempts = token, clock.now(), a.obj.attempts + 1
        return Change(fields=("claim_token", "claimed_at", "attempts"), data={"attempt": a.obj.attempts})

    return PAGES.execute(page, PageAction.CLAIM, by=None, params={"token": token}, change=change).obj
