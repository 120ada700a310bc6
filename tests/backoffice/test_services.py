"""The back office's services beyond the lifecycle table (tests/cases/test_lifecycle.py covers every transition x
role): no silent success, one fee per intake, the front office's inbox, the queue's order, the head's bulk actions."""

import pytest
from django.core.exceptions import ValidationError

from backoffice import services as back
from cases import clock
from cases.exceptions import CaseHeldByAnother, NotPermitted, SeparationOfDuties, TransitionNotAllowed
from cases.models import Case, CaseEvent, InboxMessage, Membership
from frontoffice import services as front
from payments.models import Accrual
from tests.backoffice.conftest import queued
from tests.factories import add_document, make_case, upload

pytestmark = pytest.mark.django_db
S = Case.Status
K = InboxMessage.Kind


def _ground(case):
    return case.service_type.refusal_grounds.first()


def test_accepting_again_is_no_silent_success_for_others(world):
    case = back.case_accept(case=make_case(world, S.IN_REVIEW), by=world.specialist)
    with pytest.raises(CaseHeldByAnother):
        back.case_accept(case=case, by=world.specialist2)
    with pytest.raises(NotPermitted):
        back.case_accept(case=case, by=world.clerk_a)
    assert back.case_accept(case=case, by=world.specialist).accepted_at == case.accepted_at  # the holder: a no-op
    assert CaseEvent.objects.filter(case=case, action="accept").count() == 1


def test_releasing_a_waiting_case_is_no_silent_success_for_others(world):
    case = back.case_release(case=make_case(world, S.IN_REVIEW), by=world.specialist)
    with pytest.raises(TransitionNotAllowed):  # the state first: it is back in the queue already
        back.case_release(case=case, by=world.clerk_a)
    with pytest.raises(TransitionNotAllowed):
        back.case_release(case=case, by=world.head)
    assert back.case_release(case=case, by=world.specialist).status == S.SUBMITTED  # a repeated click


def test_one_intake_earns_one_fee_even_after_a_request_for_information(world):
    case = back.case_accept(case=make_case(world, S.IN_REVIEW), by=world.specialist)
    case = back.case_request_info(case=case, by=world.specialist, message="the income certificate is illegible")
    add_document(case, world.clerk_a, case.service_type.checklist.first().document_types.first())
    case = front.case_resubmit(case=case, by=world.clerk_a)
    case = back.case_claim(case=case, by=world.specialist2)
    case = back.case_accept(case=case, by=world.specialist2)  # accepted before: one intake, one fee
    assert Accrual.objects.filter(case=case).count() == 1
    assert CaseEvent.objects.filter(case=case, action="accept").count() == 1
    decided = back.case_decide(case=case, by=world.specialist2, decision="granted", reason="eligible")
    assert decided.status == S.DECIDED


def test_a_rejected_intake_is_never_billable(world):
    case = back.case_reject_intake(case=make_case(world, S.IN_REVIEW), by=world.specialist, reason="duplicate")
    assert case.status == S.INTAKE_REJECTED
    assert not Accrual.objects.filter(case=case).exists()


def test_the_front_office_hears_of_every_event_it_must_act_on(world):
    asked = make_case(world, S.IN_REVIEW)
    income = asked.service_type.checklist.get(document_types__code="income")
    back.case_request_info(case=asked, by=world.specialist, message="rescan the certificate", items=[income])
    granted = make_case(world, S.DECIDED)
    refused = make_case(world, S.REFUSAL_PENDING)
    assert not InboxMessage.objects.filter(case=refused).exists()  # not final until the head signs
    back.case_approve_refusal(case=refused, by=world.head)
    rejected = back.case_reject_intake(case=make_case(world, S.IN_REVIEW), by=world.specialist, reason="wrong office")

    def inbox(case):
        return list(InboxMessage.objects.filter(case=case).values_list("front_office_id", "kind", "text"))

    [(office, kind, text)] = inbox(asked)
    assert (office, kind) == (world.fo_a.pk, K.NEEDS_INFO)
    assert "rescan the certificate" in text and income.title in text
    [(office, kind, text)] = inbox(granted)
    assert kind == K.DECIDED and "eligible" in text
    [(office, kind, text)] = inbox(refused)
    assert kind == K.DECIDED and _ground(refused).text in text and "income too high" in text
    [(office, kind, text)] = inbox(rejected)
    assert kind == K.INTAKE_REJECTED and text == "wrong office"


def test_internal_steps_do_not_reach_the_front_office(world):
    case = make_case(world, S.IN_REVIEW)
    back.case_release(case=case, by=world.specialist)
    back.case_reassign(case=case, by=world.head, to=world.specialist2, reason="balance the load")
    back.case_accept(case=case, by=world.specialist2)
    ground = _ground(case)
    back.case_decide(case=case, by=world.specialist2, decision="refused", grounds=[ground], reason="income")
    back.case_return_refusal(case=case, by=world.head, note="check the income again")
    assert not InboxMessage.objects.filter(case=case).exists()


def test_a_returned_refusal_goes_back_to_its_specialist_clean(world):
    case = make_case(world, S.REFUSAL_PENDING)
    case = back.case_return_refusal(case=case, by=world.head, note="check the income again")
    case.refresh_from_db()
    assert (case.status, case.assignee, case.decision, case.decided_by) == (S.IN_REVIEW, world.specialist, "", None)
    assert not case.refusal_grounds.exists()
    assert back.case_decide(case=case, by=world.specialist, decision="granted").status == S.DECIDED


def test_a_head_who_opened_the_case_does_not_approve_its_refusal(world):
    Membership.objects.create(user=world.clerk_a, role=Membership.Role.HEAD, back_office=world.bo1)
    case = make_case(world, S.REFUSAL_PENDING)  # opened by clerk_a, refused by the specialist
    with pytest.raises(SeparationOfDuties):
        back.case_approve_refusal(case=case, by=world.clerk_a)
    assert back.case_approve_refusal(case=case, by=world.head).status == S.DECIDED


def test_claim_next_takes_the_earliest_due_then_the_earliest_submitted(world):
    later, first, second = queued(world, 3)
    Case.objects.filter(pk=later.pk).update(due_date=clock.today().replace(year=clock.today().year + 1))
    Case.objects.filter(pk=first.pk).update(due_date=clock.today())
    Case.objects.filter(pk=second.pk).update(due_date=clock.today())
    other_office = make_case(world, S.SUBMITTED, community="c")
    taken = [back.case_claim_next(by=world.specialist) for _ in range(4)]
    assert taken[:3] == [first, second, later] and taken[3] is None
    assert all(c.status == S.IN_REVIEW and c.assignee == world.specialist for c in taken[:3])
    other_office.refresh_from_db()
    assert other_office.status == S.SUBMITTED


def test_claim_next_is_for_back_office_people_only(world):
    queued(world, 1)
    with pytest.raises(NotPermitted):
        back.case_claim_next(by=world.clerk_a)
    with pytest.raises(NotPermitted):
        back.case_claim_next(by=world.accountant)


def test_reassign_only_within_the_case_back_office(world):
    case = make_case(world, S.SUBMITTED)
    with pytest.raises(ValidationError):
        back.case_reassign(case=case, by=world.head, to=world.specialist_other, reason="help")
    with pytest.raises(ValidationError):
        back.case_reassign(case=case, by=world.head, to=world.specialist2, reason=" ")
    case = back.case_reassign(case=case, by=world.head, to=world.specialist2, reason="balance the load")
    assert (case.status, case.assignee) == (S.IN_REVIEW, world.specialist2)
    event = case.events.latest("at", "pk")
    assert (event.action, event.note, event.data["to_user"]) == ("reassign", "balance the load", world.specialist2.pk)


def test_the_head_assigns_many_at_once_and_hears_which_could_not_move(world):
    waiting = queued(world, 3)
    decided = make_case(world, S.DECIDED)
    outcome = back.cases_bulk(
        cases=[*waiting, decided], by=world.head, action="assign", to=world.specialist2, reason="holiday cover"
    )
    assert outcome.done == sorted(waiting, key=lambda c: c.pk)
    [(failed, message)] = outcome.failed
    assert failed == decided and message  # the reason it could not move
    for case in waiting:
        case.refresh_from_db()
        assert (case.status, case.assignee) == (S.IN_REVIEW, world.specialist2)
        assert case.events.latest("at", "pk").note == "holiday cover"


def test_the_head_releases_many_with_a_reason(world):
    held = [make_case(world, S.IN_REVIEW) for _ in range(2)]
    outcome = back.cases_bulk(cases=held, by=world.head, action="release", reason="specialist on sick leave")
    assert len(outcome.done) == 2 and not outcome.failed
    assert {c.status for c in Case.objects.filter(pk__in=[c.pk for c in held])} == {S.SUBMITTED}


def test_bulk_needs_a_reason_and_a_person_and_the_head(world):
    waiting = queued(world, 2)
    with pytest.raises(ValidationError):
        back.cases_bulk(cases=waiting, by=world.head, action="assign", to=world.specialist, reason="")
    with pytest.raises(ValidationError):
        back.cases_bulk(cases=waiting, by=world.head, action="assign", to=None, reason="r")
    outcome = back.cases_bulk(cases=waiting, by=world.specialist, action="assign", to=world.specialist2, reason="r")
    assert not outcome.done and len(outcome.failed) == 2
    assert {c.status for c in Case.objects.filter(pk__in=[c.pk for c in waiting])} == {S.SUBMITTED}


def test_request_info_names_items_of_this_service_only(world):
    case = make_case(world, S.IN_REVIEW)
    foreign = world.quick_service.checklist.first()
    with pytest.raises(ValidationError):
        back.case_request_info(case=case, by=world.specialist, message="x", items=[foreign])
    with pytest.raises(ValidationError):
        back.case_request_info(case=case, by=world.specialist, message="  ")
    case.refresh_from_db()
    assert case.status == S.IN_REVIEW


def test_a_resubmitted_case_returns_to_the_shared_queue(world):
    case = back.case_request_info(case=make_case(world, S.IN_REVIEW), by=world.specialist, message="more")
    assert back.case_claim_next(by=world.specialist2) is None  # not in the queue while the front office works
    with pytest.raises(TransitionNotAllowed):
        back.case_decide(case=case, by=world.specialist, decision="granted")
    add_document(case, world.clerk_a, files=[upload()])
    front.case_resubmit(case=case, by=world.clerk_a)
    assert back.case_claim_next(by=world.specialist2) == case
