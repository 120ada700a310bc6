"""The case lifecycle as data (DESIGN.md §5) and the primitive every transition service is built from.

Each office implements its transitions as one service function (frontoffice.services, backoffice.services):
lock the row, return early if already done, check state and role here, change fields, save with
``update_fields``, write the timeline event — inside one transaction. Nothing else may change ``Case.status``.

    draft ──submit──▶ submitted ──claim──▶ in_review ──decide──▶ decided ──hand over──▶ closed
                        ▲    ▲               │  │  └──decide (refusal needing approval)──▶ refusal_pending
                        │    └──release──────┘  │                     approve ──▶ decided / return ──▶ in_review
                        └──resubmit── needs_info ◀──request info──┘
    withdraw: draft | submitted | needs_info ──▶ withdrawn
    reject intake: in_review (package not yet accepted) ──▶ intake_rejected (not an intake: never billable)
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from cases import clock
from cases.access import access_for
from cases.exceptions import NotPermitted, TransitionNotAllowed
from cases.models import Case, CaseEvent, Membership

S = Case.Status
R = Membership.Role


class Action(models.TextChoices):
    OPEN = "open", _("Opened")
    SUBMIT = "submit", _("Submitted to the back office")
    WITHDRAW = "withdraw", _("Withdrawn")
    CLAIM = "claim", _("Taken for review")
    RELEASE = "release", _("Released to the queue")
    REASSIGN = "reassign", _("Reassigned")
    ACCEPT = "accept", _("Package accepted as complete")
    REQUEST_INFO = "request_info", _("Information requested")
    RESUBMIT = "resubmit", _("Resubmitted with more documents")
    DECIDE = "decide", _("Decided")
    APPROVE_REFUSAL = "approve_refusal", _("Refusal approved")
    RETURN_REFUSAL = "return_refusal", _("Refusal returned for review")
    REJECT_INTAKE = "reject_intake", _("Intake rejected")
    HAND_OVER = "hand_over", _("Decision handed to the applicant")


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    roles: frozenset[str]


def _t(sources, target, roles) -> Transition:
    return Transition(frozenset(sources), target, frozenset(roles))


BACK = (R.SPECIALIST, R.HEAD)

ALLOWED_TRANSITIONS: dict[str, Transition] = {
    Action.SUBMIT: _t({S.DRAFT}, S.SUBMITTED, {R.CLERK}),
    Action.WITHDRAW: _t({S.DRAFT, S.SUBMITTED, S.NEEDS_INFO}, S.WITHDRAWN, {R.CLERK}),
    Action.CLAIM: _t({S.SUBMITTED}, S.IN_REVIEW, BACK),
    Action.RELEASE: _t({S.IN_REVIEW}, S.SUBMITTED, BACK),
    # The head assigns waiting cases (bulk assignment) and moves cases between specialists.
    Action.REASSIGN: _t({S.SUBMITTED, S.IN_REVIEW}, S.IN_REVIEW, {R.HEAD}),
    Action.ACCEPT: _t({S.IN_REVIEW}, S.IN_REVIEW, BACK),
    Action.REQUEST_INFO: _t({S.IN_REVIEW}, S.NEEDS_INFO, BACK),
    Action.RESUBMIT: _t({S.NEEDS_INFO}, S.SUBMITTED, {R.CLERK}),
    # A refusal on a service that needs four eyes goes to REFUSAL_PENDING instead (see backoffice.services).
    Action.DECIDE: _t({S.IN_REVIEW}, S.DECIDED, BACK),
    Action.APPROVE_REFUSAL: _t({S.REFUSAL_PENDING}, S.DECIDED, {R.HEAD}),
    Action.RETURN_REFUSAL: _t({S.REFUSAL_PENDING}, S.IN_REVIEW, {R.HEAD}),
    Action.REJECT_INTAKE: _t({S.IN_REVIEW}, S.INTAKE_REJECTED, BACK),
    Action.HAND_OVER: _t({S.DECIDED}, S.CLOSED, {R.CLERK}),
}


def lock_case(case: Case | int) -> Case:
    """Re-read the case under ``SELECT … FOR UPDATE``. Call inside ``transaction.atomic``."""
    pk = case.pk if isinstance(case, Case) else case
    return Case.objects.select_for_update().select_related("service_type").get(pk=pk)


def authorize(case: Case, action: str, by) -> frozenset[str]:
    """The roles ``by`` holds for this case that allow ``action``; ``NotPermitted`` if none."""
    held = access_for(by).roles_for_case(case) & ALLOWED_TRANSITIONS[action].roles
    if not held:
        raise NotPermitted(action=action)
    return held


def ensure_state(case: Case, action: str) -> Transition:
    transition = ALLOWED_TRANSITIONS[action]
    if case.status not in transition.sources:
        raise TransitionNotAllowed(
            _("Not possible while the case is “%(status)s”: %(action)s.")
            % {"status": case.get_status_display(), "action": Action(action).label},
            action=action,
            status=case.status,
        )
    return transition


def check(case: Case, action: str, by) -> frozenset[str]:
    """State, then role: the two questions every transition asks first."""
    ensure_state(case, action)
    return authorize(case, action, by)


def apply(
    case: Case,
    action: str,
    *,
    by,
    to: str | None = None,
    note: str = "",
    data: dict | None = None,
    fields: tuple[str, ...] = (),
) -> CaseEvent:
    """Move ``case`` to ``to`` (default: the table's target), save the changed ``fields`` and write the event.

    Precondition: the caller holds the row lock and has called ``check``.
    """
    from_status = case.status
    case.status = to or ALLOWED_TRANSITIONS[action].target
    case.updated_at = clock.now()
    case.save(update_fields=["status", "updated_at", *fields])
    return CaseEvent.objects.create(
        case=case,
        at=case.updated_at,
        actor=by,
        action=action,
        from_status=from_status,
        to_status=case.status,
        note=note,
        data=data or {},
    )


def record(case: Case, action: str, *, by, note: str = "", data: dict | None = None) -> CaseEvent:
    """A timeline entry that does not change the status (opening, accepting the package)."""
    return CaseEvent.objects.create(
        case=case,
        at=clock.now(),
        actor=by,
        action=action,
        from_status=case.status,
        to_status=case.status,
        note=note,
        data=data or {},
    )


def available_actions(case: Case, user) -> frozenset[str]:
    """Actions the state and the user's roles allow now (for showing buttons; services check again)."""
    roles = access_for(user).roles_for_case(case)
    return frozenset(
        action for action, t in ALLOWED_TRANSITIONS.items() if case.status in t.sources and roles & t.roles
    )
