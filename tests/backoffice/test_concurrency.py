"""Claiming and deciding under real concurrency, on PostgreSQL: many threads, each with its own connection and its
own transactions, racing for the same rows."""

import threading
from collections import Counter

import pytest
from django.db import connection

from backoffice import services as back
from cases.exceptions import DomainError
from cases.models import Case, CaseEvent, Membership
from tests.backoffice.conftest import queued
from tests.factories import make_case, member

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
S = Case.Status


def race(workers: list) -> list:
    """Run each callable in its own thread, released together; return what each returned (or raised)."""
    barrier = threading.Barrier(len(workers))
    results: list = [None] * len(workers)

    def run(n, work):
        try:
            barrier.wait()
            results[n] = work()
        except Exception as error:
            results[n] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n, w)) for n, w in enumerate(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_claim_next_never_hands_a_case_out_twice_and_loses_none(world):
    cases = queued(world, 40)
    claimers = [member(f"claimer{n}", Membership.Role.SPECIALIST, back_office=world.bo1) for n in range(12)]

    def claim_until_empty(user):
        def work():
            taken = []
            while (case := back.case_claim_next(by=user)) is not None:
                taken.append(case.pk)
            return taken

        return work

    results = race([claim_until_empty(u) for u in claimers])
    assert not [r for r in results if isinstance(r, Exception)], results
    taken = [pk for got in results for pk in got]
    assert sorted(taken) == sorted(c.pk for c in cases)  # every case once: none twice, none lost
    assert len(set(taken)) == len(taken)
    holders = {pk: user for user, got in zip(claimers, results, strict=True) for pk in got}
    for case in Case.objects.filter(pk__in=taken):
        assert case.status == S.IN_REVIEW and case.assignee_id == holders[case.pk].pk
    claims = Counter(CaseEvent.objects.filter(action="claim").values_list("case_id", flat=True))
    assert set(claims.values()) == {1} and len(claims) == len(cases)


def test_many_people_claiming_one_case_leaves_one_holder(world):
    case = queued(world, 1)[0]
    people = [world.specialist, world.specialist2, world.head, world.head_b]
    people += [member(f"rival{n}", Membership.Role.SPECIALIST, back_office=world.bo1) for n in range(8)]
    results = race([lambda u=u: back.case_claim(case=Case.objects.get(pk=case.pk), by=u) for u in people])
    winners = [r for r in results if isinstance(r, Case)]
    assert len(winners) == 1
    assert all(isinstance(r, DomainError) and r.code == "case_held_by_another" for r in results if r not in winners)
    case.refresh_from_db()
    assert case.assignee_id == winners[0].assignee_id
    assert CaseEvent.objects.filter(case=case, action="claim").count() == 1


def test_decide_against_reassign_leaves_one_consistent_result(world):
    outcomes = Counter()
    for _ in range(6):
        case = back.case_accept(case=make_case(world, S.IN_REVIEW), by=world.specialist)
        results = race(
            [
                lambda c=case: back.case_decide(case=c, by=world.specialist, decision="granted", reason="eligible"),
                lambda c=case: back.case_reassign(case=c, by=world.head, to=world.specialist2, reason="cover"),
            ]
        )
        decided, reassigned = (not isinstance(r, Exception) for r in results)
        assert decided != reassigned, results  # exactly one of them won
        case.refresh_from_db()
        actions = list(case.events.values_list("action", flat=True))
        if decided:
            outcomes["decided"] += 1
            assert results[1].code == "transition_not_allowed"
            assert (case.status, case.assignee, case.decision) == (S.DECIDED, world.specialist, "granted")
            assert "reassign" not in actions and actions.count("decide") == 1
        else:
            outcomes["reassigned"] += 1
            assert results[0].code == "case_held_by_another"
            assert (case.status, case.assignee, case.decision) == (S.IN_REVIEW, world.specialist2, "")
            assert "decide" not in actions and actions.count("reassign") == 1
    assert sum(outcomes.values()) == 6


def test_two_heads_signing_one_refusal_sign_it_once(world):
    case = make_case(world, S.REFUSAL_PENDING)
    results = race([lambda h=h: back.case_approve_refusal(case=case, by=h) for h in (world.head, world.head_b)])
    assert sum(isinstance(r, Case) for r in results) == 1
    case.refresh_from_db()
    assert case.status == S.DECIDED and case.decision_approved_by_id in (world.head.pk, world.head_b.pk)
    assert CaseEvent.objects.filter(case=case, action="approve_refusal").count() == 1
    assert case.inbox_messages.count() == 1
