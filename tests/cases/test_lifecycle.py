"""Every rule of the case table (transitions and acts) x every role x every guard, through the executor and through
``available_actions`` — the two must agree; separation of duties; idempotency."""

import pytest

from backoffice import services as back
from cases.exceptions import (
    CaseHeldByAnother,
    ChecklistIncomplete,
    NotPermitted,
    PackageNotAccepted,
    SeparationOfDuties,
    TransitionNotAllowed,
)
from cases.lifecycle import CASES, Action, available_actions
from cases.models import Case, CaseEvent, Membership, Page
from cases.statemachine import Attempt
from frontoffice import services as front
from tests.factories import add_document, fill_checklist, make_case, upload

pytestmark = pytest.mark.django_db
S = Case.Status
ROLES = [
    "clerk_a", "clerk_a2", "clerk_b", "clerk_c", "supervisor_a", "specialist", "specialist2", "head",
    "specialist_other", "head_other", "accountant", "admin",
]  # fmt: skip


def _ground(case):
    return case.service_type.refusal_grounds.first()


# action: (status the case starts in, how to call it, roles that may, what the others get)
ACTIONS = {
    Action.SUBMIT: (S.DRAFT, lambda c, u, w: front.case_submit(case=c, by=u), {"clerk_a", "clerk_a2"}),
    Action.WITHDRAW: (
        S.SUBMITTED,
        lambda c, u, w: front.case_withdraw(case=c, by=u, reason="r"),
        {"clerk_a", "clerk_a2"},
    ),
    Action.CLAIM: (S.SUBMITTED, lambda c, u, w: back.case_claim(case=c, by=u), {"specialist", "specialist2", "head"}),
    Action.RELEASE: (S.IN_REVIEW, lambda c, u, w: back.case_release(case=c, by=u, reason="r"), {"specialist", "head"}),
    Action.REASSIGN: (
        S.IN_REVIEW,
        lambda c, u, w: back.case_reassign(case=c, by=u, to=w.specialist2, reason="leave"),
        {"head"},
    ),
    Action.ACCEPT: (S.IN_REVIEW, lambda c, u, w: back.case_accept(case=c, by=u), {"specialist"}),
    Action.REQUEST_INFO: (
        S.IN_REVIEW,
        lambda c, u, w: back.case_request_info(case=c, by=u, message="more, please"),
        {"specialist"},
    ),
    Action.RESUBMIT: (S.NEEDS_INFO, lambda c, u, w: front.case_resubmit(case=c, by=u), {"clerk_a", "clerk_a2"}),
    Action.DECIDE: (
        "accepted",
        lambda c, u, w: back.case_decide(case=c, by=u, decision="granted", reason="eligible"),
        {"specialist"},
    ),
    Action.APPROVE_REFUSAL: (
        S.REFUSAL_PENDING,
        lambda c, u, w: back.case_approve_refusal(case=c, by=u),
        {"head"},
    ),
    Action.RETURN_REFUSAL: (
        S.REFUSAL_PENDING,
        lambda c, u, w: back.case_return_refusal(case=c, by=u, note="check the income again"),
        {"head"},
    ),
    Action.REJECT_INTAKE: (
        S.IN_REVIEW,
        lambda c, u, w: back.case_reject_intake(case=c, by=u, reason="wrong office"),
        {"specialist"},
    ),
    Action.HAND_OVER: (S.DECIDED, lambda c, u, w: front.case_hand_over(case=c, by=u), {"clerk_a", "clerk_a2"}),
    # The system only (by=None): no user may send a case to be checked without its package (tests/renewals).
    Action.RENEWAL_SUBMIT: (S.DRAFT, lambda c, u, w: CASES.execute(c, Action.RENEWAL_SUBMIT, by=u), set()),
    Action.EDIT_DOCUMENTS: (
        S.DRAFT,
        lambda c, u, w: front.document_add(case=c, document_type=None, files=[upload()], by=u),
        {"clerk_a", "clerk_a2"},
    ),
    Action.PRINT_RECEIPT: (
        S.SUBMITTED,
        lambda c, u, w: CASES.require(c, Action.PRINT_RECEIPT, by=u),
        {"clerk_a", "clerk_a2", "supervisor_a", "specialist", "specialist2", "head"},
    ),
    Action.PRINT_NOTICE: (
        S.DECIDED,
        lambda c, u, w: CASES.require(c, Action.PRINT_NOTICE, by=u),
        {"clerk_a", "clerk_a2", "supervisor_a", "specialist", "specialist2", "head"},
    ),
}


def case_in(world, status):
    if status == "accepted":
        case = make_case(world, S.IN_REVIEW)
        return back.case_accept(case=case, by=world.specialist)
    if status == S.DRAFT:
        case = make_case(world, S.DRAFT)
        fill_checklist(case, world.clerk_a)
        return case
    return make_case(world, status)


def test_every_rule_is_covered():
    assert set(ACTIONS) == set(CASES.rules)


@pytest.mark.parametrize("action", list(ACTIONS))
def test_refused_for_other_roles(world, action):
    """The executor refuses, nothing changes, and ``available_actions`` never offers it — for every other role."""
    start, call, allowed = ACTIONS[action]
    case = case_in(world, start)
    before = (case.status, case.assignee_id, CaseEvent.objects.filter(case=case).count(), case.documents.count())
    for role in ROLES:
        if role in allowed:
            continue
        user = getattr(world, role)
        assert action not in available_actions(case, user), role
        with pytest.raises((NotPermitted, CaseHeldByAnother)):
            call(case, user, world)
        case.refresh_from_db()
        after = (case.status, case.assignee_id, CaseEvent.objects.filter(case=case).count(), case.documents.count())
        assert after == before, role


@pytest.mark.parametrize(
    ("action", "role"), [(action, role) for action, (_, _, allowed) in ACTIONS.items() for role in sorted(allowed)]
)
def test_allowed_for_its_roles(world, action, role):
    """Offered by ``available_actions`` and done by the executor, with one timeline row where the rule records."""
    start, call, _ = ACTIONS[action]
    case = case_in(world, start)
    user = getattr(world, role)
    assert action in available_actions(case, user)
    events = CaseEvent.objects.filter(case=case).count()
    status = case.status
    call(case, user, world)
    case.refresh_from_db()
    r = CASES.rules[action]
    assert case.status in (r.reachable or {status})
    if not r.records:
        assert CaseEvent.objects.filter(case=case).count() == events
        return
    event = CaseEvent.objects.filter(case=case).latest("at", "pk")
    assert CaseEvent.objects.filter(case=case).count() == events + 1
    assert (event.action, event.actor, event.to_status) == (action, user, case.status)


# For every action, a state it may not start from (not its own target, where a repeat is a quiet no-op).
WRONG_STATE = {
    Action.SUBMIT: S.IN_REVIEW,
    Action.WITHDRAW: S.IN_REVIEW,
    Action.CLAIM: S.DRAFT,
    Action.RELEASE: S.NEEDS_INFO,
    Action.REASSIGN: S.DECIDED,
    Action.ACCEPT: S.SUBMITTED,
    Action.REQUEST_INFO: S.SUBMITTED,
    Action.RESUBMIT: S.IN_REVIEW,
    Action.DECIDE: S.SUBMITTED,
    Action.APPROVE_REFUSAL: S.IN_REVIEW,
    Action.RETURN_REFUSAL: S.DECIDED,
    Action.REJECT_INTAKE: S.DECIDED,
    Action.HAND_OVER: S.IN_REVIEW,
    Action.RENEWAL_SUBMIT: S.IN_REVIEW,
    Action.EDIT_DOCUMENTS: S.SUBMITTED,
    Action.PRINT_RECEIPT: S.DRAFT,
    Action.PRINT_NOTICE: S.IN_REVIEW,
}


@pytest.mark.parametrize("action", list(ACTIONS))
def test_refused_from_the_wrong_state(world, action):
    _, call, allowed = ACTIONS[action]
    case = make_case(world, WRONG_STATE[action])
    assert WRONG_STATE[action] not in CASES.rules[action].sources
    user = getattr(world, sorted(allowed)[0]) if allowed else None  # None: the system
    assert action not in available_actions(case, user)
    with pytest.raises(TransitionNotAllowed):
        call(case, user, world)


# For every guard of every rule: a case and a user for whom everything holds but that guard. The executor must raise
# the guard's error and ``available_actions`` must not offer the action; a guard added to the table without a line
# here fails ``test_every_guard_is_walked``.
def _pending_page_draft(w):
    case = case_in(w, S.DRAFT)
    add_document(case, w.clerk_a, files=[upload()])
    Page.objects.filter(document__case=case).update(status=Page.Status.PENDING)  # as if its task had not yet run
    return case, w.clerk_a


def _own_intake(status):
    def setup(w):
        Membership.objects.create(user=w.clerk_a, role=Membership.Role.HEAD, back_office=w.bo1)
        case = make_case(w, status)
        if status == S.IN_REVIEW:
            case = back.case_reassign(case=case, by=w.head, to=w.specialist, reason="x")
            Case.objects.filter(pk=case.pk).update(assignee=w.clerk_a, accepted_at=case.created_at)
            case.refresh_from_db()
        return case, w.clerk_a

    return setup


def _own_refusal(w):
    case = back.case_claim(case=make_case(w, S.SUBMITTED), by=w.head)
    case = back.case_accept(case=case, by=w.head)
    case = back.case_decide(case=case, by=w.head, decision="refused", grounds=[_ground(case)], reason="x")
    return case, w.head


def _withdrawn_draft(w):
    return make_case(w, S.WITHDRAWN), w.clerk_a


GUARD_CASES = {
    (Action.SUBMIT, "checklist_complete"): lambda w: (make_case(w, S.DRAFT), w.clerk_a),
    (Action.SUBMIT, "pages_ready"): _pending_page_draft,
    # The system (by=None) passes on only proactive and renewal packages: a complete in-person draft stays.
    (Action.SUBMIT, "system_submits_product_channels"): lambda w: (case_in(w, S.DRAFT), None),
    (Action.RESUBMIT, "checklist_complete"): lambda w: _emptied(make_case(w, S.NEEDS_INFO), w.clerk_a),
    (Action.RESUBMIT, "pages_ready"): lambda w: _pending(make_case(w, S.NEEDS_INFO), w.clerk_a),
    (Action.RESUBMIT, "answered"): lambda w: _asked_for_items(w),
    (Action.CLAIM, "not_own_intake"): _own_intake(S.SUBMITTED),
    (Action.RELEASE, "holder_or_head"): lambda w: (make_case(w, S.IN_REVIEW), w.specialist2),
    (Action.ACCEPT, "holder"): lambda w: (make_case(w, S.IN_REVIEW), w.specialist2),
    (Action.REQUEST_INFO, "holder"): lambda w: (make_case(w, S.IN_REVIEW), w.head),
    (Action.DECIDE, "holder"): lambda w: (case_in(w, "accepted"), w.specialist2),
    (Action.DECIDE, "not_own_intake"): _own_intake(S.IN_REVIEW),
    (Action.DECIDE, "accepted"): lambda w: (make_case(w, S.IN_REVIEW), w.specialist),
    (Action.APPROVE_REFUSAL, "not_proposer"): _own_refusal,
    (Action.APPROVE_REFUSAL, "not_own_intake"): lambda w: _own_pending(w),
    (Action.REJECT_INTAKE, "holder"): lambda w: (make_case(w, S.IN_REVIEW), w.specialist2),
    (Action.REJECT_INTAKE, "not_accepted"): lambda w: (case_in(w, "accepted"), w.specialist),
    (Action.PRINT_RECEIPT, "submitted_once"): _withdrawn_draft,
    (Action.RENEWAL_SUBMIT, "renewal_channel"): lambda w: (case_in(w, S.DRAFT), None),
}
GUARD_CALLS = {
    Action.SUBMIT: lambda c, u: front.case_submit(case=c, by=u),
    Action.RESUBMIT: lambda c, u: front.case_resubmit(case=c, by=u),
    Action.CLAIM: lambda c, u: back.case_claim(case=c, by=u),
    Action.RELEASE: lambda c, u: back.case_release(case=c, by=u, reason="r"),
    Action.ACCEPT: lambda c, u: back.case_accept(case=c, by=u),
    Action.REQUEST_INFO: lambda c, u: back.case_request_info(case=c, by=u, message="more"),
    Action.DECIDE: lambda c, u: back.case_decide(case=c, by=u, decision="granted", reason="ok"),
    Action.APPROVE_REFUSAL: lambda c, u: back.case_approve_refusal(case=c, by=u),
    Action.REJECT_INTAKE: lambda c, u: back.case_reject_intake(case=c, by=u, reason="dup"),
    Action.PRINT_RECEIPT: lambda c, u: CASES.require(c, Action.PRINT_RECEIPT, by=u),
    Action.RENEWAL_SUBMIT: lambda c, u: CASES.execute(c, Action.RENEWAL_SUBMIT, by=u),
}


def _emptied(case, clerk):
    for document in case.documents.all():
        for page in document.pages.all():
            front.page_delete(page=page, by=clerk)
    return case, clerk


def _pending(case, clerk):
    Page.objects.filter(document__case=case).update(status=Page.Status.PENDING)
    return case, clerk


def _asked_for_items(w):
    """The back office named what is missing, and nothing has been added since."""
    case = make_case(w, S.IN_REVIEW)
    case = back.case_request_info(
        case=case, by=w.specialist, message="the certificate", items=list(case.service_type.checklist.all()[:1])
    )
    return case, w.clerk_a


def test_a_request_naming_items_is_answered_by_adding_something(world):
    case, clerk = _asked_for_items(world)
    assert "resubmit" not in available_actions(case, clerk)
    add_document(case, clerk, case.service_type.checklist.first().document_types.first())
    case.refresh_from_db()
    assert "resubmit" in available_actions(case, clerk)
    assert front.case_resubmit(case=case, by=clerk).status == S.SUBMITTED


def _own_pending(w):
    """A refusal proposed by one head on a case another head opened at a front office (one person, two roles)."""
    Membership.objects.create(user=w.clerk_a, role=Membership.Role.HEAD, back_office=w.bo1)
    case = make_case(w, S.REFUSAL_PENDING)
    return case, w.clerk_a


def test_every_guard_is_walked():
    guards = {(action, g.name) for action, r in CASES.rules.items() for g in r.guards if not g.needs_params}
    assert guards == set(GUARD_CASES)


@pytest.mark.parametrize(("action", "guard"), sorted(GUARD_CASES))
def test_each_guard_refuses_alone(world, action, guard):
    case, user = GUARD_CASES[(action, guard)](world)
    (rule_guard,) = [g for g in CASES.rules[action].guards if g.name == guard]
    offered = CASES.offered(case, user)
    assert action in offered, "the state and the role allow it: only the guard may stop it"
    assert offered[action] is not None and action not in available_actions(case, user)
    before = (case.status, CaseEvent.objects.filter(case=case).count())
    with pytest.raises(type(offered[action])):
        GUARD_CALLS[action](case, user)
    case.refresh_from_db()
    assert (case.status, CaseEvent.objects.filter(case=case).count()) == before
    assert not rule_guard.holds(Attempt(obj=case, action=action, by=user))


def test_submit_requires_a_complete_checklist(world):
    case = make_case(world, S.DRAFT)
    with pytest.raises(ChecklistIncomplete):
        front.case_submit(case=case, by=world.clerk_a)
    case.refresh_from_db()
    assert case.status == S.DRAFT


def test_submit_twice_is_one_submission(world):
    case = case_in(world, S.DRAFT)
    front.case_submit(case=case, by=world.clerk_a, idempotency_key="k1")
    again = front.case_submit(case=case, by=world.clerk_a, idempotency_key="k1")
    assert again.pk == case.pk
    front.case_submit(case=case, by=world.clerk_a)  # a double click without a key
    assert CaseEvent.objects.filter(case=case, action=Action.SUBMIT).count() == 1


def test_submit_sets_routing_and_due_date(world):
    case = front.case_submit(case=case_in(world, S.DRAFT), by=world.clerk_a)
    assert case.back_office == world.bo1
    assert case.due_date is not None and case.submitted_at is not None


def test_claim_is_exclusive(world):
    case = make_case(world, S.SUBMITTED)
    back.case_claim(case=case, by=world.specialist)
    with pytest.raises(CaseHeldByAnother):
        back.case_claim(case=case, by=world.specialist2)
    assert back.case_claim(case=case, by=world.specialist).assignee == world.specialist  # repeat: no-op


def test_decide_needs_an_accepted_package(world):
    case = make_case(world, S.IN_REVIEW)
    with pytest.raises(PackageNotAccepted):
        back.case_decide(case=case, by=world.specialist, decision="granted")


def test_refusal_needs_a_ground_and_a_reason(world):
    from django.core.exceptions import ValidationError

    case = case_in(world, "accepted")
    with pytest.raises(ValidationError):
        back.case_decide(case=case, by=world.specialist, decision="refused", grounds=[], reason="no")
    with pytest.raises(ValidationError):
        back.case_decide(case=case, by=world.specialist, decision="refused", grounds=[_ground(case)], reason=" ")
    other_service_ground = world.quick_service.refusal_grounds.first()
    with pytest.raises(ValidationError):
        back.case_decide(case=case, by=world.specialist, decision="refused", grounds=[other_service_ground], reason="x")
    case.refresh_from_db()
    assert case.status == S.IN_REVIEW and case.decision == ""


def test_refusal_waits_for_the_head_where_the_service_says_so(world):
    slow = case_in(world, "accepted")
    slow = back.case_decide(case=slow, by=world.specialist, decision="refused", grounds=[_ground(slow)], reason="x")
    assert slow.status == S.REFUSAL_PENDING
    quick = back.case_accept(case=make_case(world, S.IN_REVIEW, service=world.quick_service), by=world.specialist)
    quick = back.case_decide(case=quick, by=world.specialist, decision="refused", grounds=[_ground(quick)], reason="x")
    assert quick.status == S.DECIDED


def test_nobody_approves_their_own_refusal(world):
    case = make_case(world, S.SUBMITTED)
    case = back.case_claim(case=case, by=world.head)
    case = back.case_accept(case=case, by=world.head)
    case = back.case_decide(case=case, by=world.head, decision="refused", grounds=[_ground(case)], reason="x")
    with pytest.raises(SeparationOfDuties):
        back.case_approve_refusal(case=case, by=world.head)
    assert back.case_approve_refusal(case=case, by=world.head_b).status == S.DECIDED


def test_a_clerk_never_reviews_a_case_they_opened(world):
    # One person may hold several roles; still, the one who took the intake does not decide it.
    Membership.objects.create(user=world.clerk_a, role=Membership.Role.SPECIALIST, back_office=world.bo1)
    case = make_case(world, S.SUBMITTED)
    with pytest.raises(SeparationOfDuties):
        back.case_claim(case=case, by=world.clerk_a)
    assert back.case_claim_next(by=world.clerk_a) is None
    with pytest.raises(SeparationOfDuties):
        back.case_reassign(case=case, by=world.head, to=world.clerk_a, reason="help")


def test_reject_intake_is_impossible_after_acceptance(world):
    case = case_in(world, "accepted")
    with pytest.raises(TransitionNotAllowed):
        back.case_reject_intake(case=case, by=world.specialist, reason="dup")


def test_timeline_records_the_whole_story(world):
    case = make_case(world, S.CLOSED)
    actions = list(case.events.values_list("action", flat=True))
    assert actions == ["open", "submit", "claim", "accept", "decide", "hand_over"]
    statuses = list(case.events.values_list("from_status", "to_status"))
    assert statuses[1] == (S.DRAFT, S.SUBMITTED) and statuses[-1] == (S.DECIDED, S.CLOSED)


@pytest.mark.parametrize(
    ("status", "call"),
    [
        (S.SUBMITTED, lambda c, u: front.case_submit(case=c, by=u)),
        (S.WITHDRAWN, lambda c, u: front.case_withdraw(case=c, by=u, reason="r")),
        (S.CLOSED, lambda c, u: front.case_hand_over(case=c, by=u)),
    ],
)
def test_a_repeat_is_a_no_op_only_for_the_same_actor(world, status, call):
    """Repeating a done transition answers quietly for the one who did it, and is refused for everyone else."""
    case = make_case(world, status)
    events = CaseEvent.objects.filter(case=case).count()
    assert call(case, world.clerk_a).status == status
    for user in (world.clerk_a2, world.supervisor_a, world.specialist, world.head, world.clerk_b):
        with pytest.raises((NotPermitted, TransitionNotAllowed)):
            call(case, user)
    assert CaseEvent.objects.filter(case=case).count() == events


@pytest.mark.parametrize(
    "call",
    [
        lambda c, w: back.case_request_info(case=c, by=w.specialist, message="more"),
        lambda c, w: back.case_reject_intake(case=c, by=w.specialist, reason="dup"),
    ],
)
def test_every_repeat_answers_the_same_way(world, call):
    """request_info, decide, return_refusal and reject_intake used to answer a repeat with 409; now every repeat by
    the same actor is a no-op that returns the current state."""
    case = make_case(world, S.IN_REVIEW)
    first = call(case, world)
    events = CaseEvent.objects.filter(case=case).count()
    again = call(case, world)
    assert again.status == first.status and CaseEvent.objects.filter(case=case).count() == events


def test_a_repeated_decision_changes_nothing(world):
    case = case_in(world, "accepted")
    back.case_decide(case=case, by=world.specialist, decision="granted", reason="eligible")
    events = CaseEvent.objects.filter(case=case).count()
    again = back.case_decide(case=case, by=world.specialist, decision="granted", reason="eligible")
    assert again.status == S.DECIDED and CaseEvent.objects.filter(case=case).count() == events
