"""Every transition, allowed and refused, for every role; separation of duties; idempotency."""

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
from cases.lifecycle import ALLOWED_TRANSITIONS, Action
from cases.models import Case, CaseEvent, Membership
from frontoffice import services as front
from tests.factories import make_case

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
}


def case_in(world, status):
    if status == "accepted":
        case = make_case(world, S.IN_REVIEW)
        return back.case_accept(case=case, by=world.specialist)
    if status == S.DRAFT:
        case = make_case(world, S.DRAFT)
        from tests.factories import fill_checklist

        fill_checklist(case, world.clerk_a)
        return case
    return make_case(world, status)


def test_every_action_is_covered():
    assert set(ACTIONS) == set(ALLOWED_TRANSITIONS)


@pytest.mark.parametrize("action", list(ACTIONS))
def test_refused_for_other_roles(world, action):
    start, call, allowed = ACTIONS[action]
    case = case_in(world, start)
    before = (case.status, case.assignee_id, CaseEvent.objects.filter(case=case).count())
    for role in ROLES:
        if role in allowed:
            continue
        with pytest.raises((NotPermitted, CaseHeldByAnother)):
            call(case, getattr(world, role), world)
        case.refresh_from_db()
        assert (case.status, case.assignee_id, CaseEvent.objects.filter(case=case).count()) == before, role


@pytest.mark.parametrize(
    ("action", "role"), [(action, role) for action, (_, _, allowed) in ACTIONS.items() for role in sorted(allowed)]
)
def test_allowed_for_its_roles(world, action, role):
    start, call, _ = ACTIONS[action]
    case = case_in(world, start)
    events = CaseEvent.objects.filter(case=case).count()
    result = call(case, getattr(world, role), world)
    transition = ALLOWED_TRANSITIONS[action]
    assert result.status == transition.target
    event = CaseEvent.objects.filter(case=case).latest("at", "pk")
    assert CaseEvent.objects.filter(case=case).count() == events + 1
    assert (event.action, event.actor, event.to_status) == (action, getattr(world, role), transition.target)


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
}


@pytest.mark.parametrize("action", list(ACTIONS))
def test_refused_from_the_wrong_state(world, action):
    _, call, allowed = ACTIONS[action]
    case = make_case(world, WRONG_STATE[action])
    assert WRONG_STATE[action] not in ALLOWED_TRANSITIONS[action].sources
    with pytest.raises(TransitionNotAllowed):
        call(case, getattr(world, sorted(allowed)[0]), world)


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
def test_a_repeat_is_a_no_op_only_for_those_allowed(world, status, call):
    """Repeating a done transition answers quietly for its roles, and is refused for everyone else."""
    case = make_case(world, status)
    assert call(case, world.clerk_a).status == status
    for user in (world.supervisor_a, world.specialist, world.head, world.clerk_b):
        with pytest.raises(NotPermitted):
            call(case, user)
