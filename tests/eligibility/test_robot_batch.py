"""The robot's batch (``cases_evaluate``): one transaction decides many cases, each exactly as it would be decided
alone — a grant, a failed condition and a missing fact each go their way, a case a person took or one already
decided is left as it is, one case whose rule or facts raise goes to people with the reason without spoiling the
others; the fee accrues once per case, and each applicant who agreed to messages gets the decision's message."""

from datetime import timedelta

import pytest
from django.utils import timezone

from backoffice import services as back
from cases.lifecycle import Action
from cases.models import Case, CaseEvent, InboxMessage
from eligibility.models import Evaluation
from eligibility.services import case_evaluate, cases_evaluate, robot_catch_up, robot_waiting
from notifications import services as notify
from notifications.models import Message
from payments.models import Accrual, Statement
from registries.models import RegistryQuery
from tests.factories import committed
from tests.registries.helpers import known_person, open_childbirth

from .helpers import child, months_ago
from .test_robot_queries import waiting_case

pytestmark = pytest.mark.django_db
S = Case.Status
OUT = Evaluation.Outcome


def born_case(world, gateway, *, months: int, act: str):
    from cases.checklist import missing_items
    from frontoffice import services as front
    from tests.factories import add_document

    person = known_person(world, gateway, children=[child(months_ago(months), act=act)])
    case = open_childbirth(world, person)
    for item in missing_items(case):
        add_document(case, world.clerk_a, item.document_types.first())
    return front.case_submit(case=case, by=world.clerk_a)  # not committed: the robot is run by the test


def test_a_mixed_batch_does_the_right_thing_for_each_case(rules, gateway):
    world = rules
    grant = waiting_case(world, gateway)
    fail = born_case(world, gateway, months=14, act="14/2025")
    gateway.fault("dracs", "down")
    unknown = waiting_case(world, gateway)
    gateway.clear()
    taken = waiting_case(world, gateway)
    back.case_claim(case=taken, by=world.specialist)
    decided = waiting_case(world, gateway)
    with committed():
        case_evaluate(case_id=decided.pk, trigger="first")
    decided_events = decided.events.count()

    with committed():
        evaluations = cases_evaluate(
            case_ids=[c.pk for c in (grant, fail, unknown, taken, decided)], trigger="registry"
        )

    assert set(evaluations) == {grant.pk, fail.pk, unknown.pk}  # the taken and the decided: not evaluated
    for case in (grant, fail, unknown, taken, decided):
        case.refresh_from_db()
    assert grant.status == S.DECIDED and grant.decision == Case.Decision.GRANTED
    assert grant.decided_by.username == "robot" and evaluations[grant.pk].acted
    assert list(grant.events.values_list("action", flat=True))[-3:] == ["claim", "accept", "decide"]
    assert InboxMessage.objects.filter(case=grant, kind=InboxMessage.Kind.DECIDED).count() == 1

    assert fail.status == S.SUBMITTED and fail.assignee_id is None and fail.decision == ""
    assert evaluations[fail.pk].outcome == OUT.FAIL and not evaluations[fail.pk].acted
    review = fail.events.get(action=Action.ROBOT_REVIEW)
    assert [c["code"] for c in review.data["explanation"] if c["result"] == "fail"] == ["within_12_months"]

    assert unknown.status == S.SUBMITTED and evaluations[unknown.pk].outcome == OUT.UNKNOWN
    assert "ДРАЦС" in unknown.events.get(action=Action.ROBOT_REVIEW).note

    assert taken.status == S.IN_REVIEW and taken.assignee == world.specialist
    assert not Evaluation.objects.filter(case=taken).exists()
    assert decided.events.count() == decided_events and Evaluation.objects.filter(case=decided).count() == 1

    assert set(Accrual.objects.values_list("case_id", flat=True)) == {grant.pk, decided.pk}
    assert not InboxMessage.objects.filter(case__in=[fail, unknown, taken]).exists()

    # The same batch again: the people's cases get no second review row (nothing changed), the decided nothing.
    rows = CaseEvent.objects.count()
    with committed():
        again = cases_evaluate(case_ids=[c.pk for c in (grant, fail, unknown, taken, decided)], trigger="again")
    assert set(again) == {fail.pk, unknown.pk}
    assert CaseEvent.objects.count() == rows


def test_a_rule_that_raises_for_one_case_leaves_the_others_decided(rules, gateway, monkeypatch):
    world = rules
    from eligibility.rules import childbirth

    version = childbirth.VERSIONS[0]
    original = version.evaluate

    def flaky(facts, params):
        if any(b.birth_act == "13/2026" for b in facts.births.value or []):
            raise ZeroDivisionError("division by zero")
        return original(facts, params)

    monkeypatch.setattr(
        "eligibility.rules.VERSIONS",
        [type(version)(**{**version.__dict__, "evaluate": flaky}), *childbirth.VERSIONS[1:]],
    )
    first = waiting_case(world, gateway)
    broken = born_case(world, gateway, months=2, act="13/2026")
    last = waiting_case(world, gateway)
    with committed():
        evaluations = cases_evaluate(case_ids=[first.pk, broken.pk, last.pk], trigger="test")
    for case in (first, broken, last):
        case.refresh_from_db()
    assert first.status == last.status == S.DECIDED
    assert broken.status == S.SUBMITTED and broken.assignee_id is None
    assert evaluations[broken.pk].outcome == OUT.ERROR and "ZeroDivisionError" in evaluations[broken.pk].reason
    assert "ZeroDivisionError" in broken.events.get(action=Action.ROBOT_REVIEW).note


def test_a_case_the_table_refuses_the_robot_goes_to_people_and_the_others_are_granted(rules, gateway):
    """The executor checks every step of every case as for one: a guard that fails for one case (here: the robot
    "opened" it, so it may not review it) leaves that case untouched, with the reason, and the batch goes on."""
    from eligibility.services import robot_user

    world = rules
    first, own, last = (waiting_case(world, gateway) for _ in range(3))
    Case.objects.filter(pk=own.pk).update(created_by=robot_user())
    with committed():
        evaluations = cases_evaluate(case_ids=[first.pk, own.pk, last.pk], trigger="test")
    for case in (first, own, last):
        case.refresh_from_db()
    assert first.status == last.status == S.DECIDED
    assert own.status == S.SUBMITTED and own.assignee_id is None and own.accepted_at is None
    assert not evaluations[own.pk].acted and evaluations[own.pk].outcome == OUT.GRANT
    review = own.events.get(action=Action.ROBOT_REVIEW)
    assert review.note == evaluations[own.pk].reason and review.note  # the guard's refusal, as the reason
    assert not Accrual.objects.filter(case=own).exists() and not InboxMessage.objects.filter(case=own).exists()


def test_facts_that_cannot_be_read_send_one_case_to_people_and_the_others_on(rules, gateway):
    world = rules
    first, bad = waiting_case(world, gateway), waiting_case(world, gateway)
    query = RegistryQuery.objects.get(case=bad, registry__code="dracs")
    query.answer = {"births": [{"birth_date": "not a date", "birth_act": "1/2026"}]}
    query.save(update_fields=["answer"])
    with committed():
        evaluations = cases_evaluate(case_ids=[first.pk, bad.pk], trigger="test")
    first.refresh_from_db()
    bad.refresh_from_db()
    assert first.status == S.DECIDED
    assert bad.status == S.SUBMITTED and evaluations[bad.pk].outcome == OUT.ERROR
    assert "ValueError" in evaluations[bad.pk].reason
    assert bad.events.filter(action=Action.ROBOT_REVIEW).exists()


def test_the_fee_accrues_once_per_case_and_a_repeat_writes_nothing(rules, gateway):
    world = rules
    cases = [waiting_case(world, gateway) for _ in range(3)]
    with committed():
        cases_evaluate(case_ids=[c.pk for c in cases], trigger="test")
    assert Accrual.objects.filter(case__in=cases).count() == 3
    statement = Statement.objects.get(community=cases[0].community)
    assert (statement.count, statement.amount) == (3, 60)
    counts = (Accrual.objects.count(), CaseEvent.objects.count(), Evaluation.objects.count())
    with committed():
        assert cases_evaluate(case_ids=[c.pk for c in cases], trigger="again") == {}
    assert (Accrual.objects.count(), CaseEvent.objects.count(), Evaluation.objects.count()) == counts
    statement.refresh_from_db()
    assert (statement.count, statement.amount) == (3, 60)


def test_each_decided_applicant_who_agreed_gets_the_message_after_the_commit(rules, gateway):
    world = rules
    cases = [waiting_case(world, gateway) for _ in range(3)]
    for case in cases[:2]:
        notify.contact_set(applicant=case.applicant, by=world.clerk_a, phone="067 123 45 67", consent=True)
    with committed():
        cases_evaluate(case_ids=[c.pk for c in cases], trigger="test")
    messages = Message.objects.filter(case__in=cases, template="decided")
    assert sorted(messages.values_list("case_id", flat=True)) == sorted(c.pk for c in cases[:2])
    for m in messages:
        assert m.event.action == Action.DECIDE and m.case.number in m.text


def test_the_catch_up_decides_what_a_lost_nudge_left_waiting(rules, gateway):
    world = rules
    lost = [waiting_case(world, gateway) for _ in range(3)]  # submitted; the robot's task never ran
    seen = born_case(world, gateway, months=14, act="14/2025")
    with committed():
        case_evaluate(case_id=seen.pk, trigger="submit")  # evaluated and left to people: not caught up again
    assert set(robot_waiting(older_than_seconds=0)) == {c.pk for c in lost}
    with committed():
        assert robot_catch_up(batch=2, older_than_seconds=0) == 3
    assert Case.objects.filter(pk__in=[c.pk for c in lost], status=S.DECIDED).count() == 3
    assert list(robot_waiting(older_than_seconds=0)) == []
    # A registry answer after the evaluation makes the case wait for the robot again.
    evaluated = Evaluation.objects.get(case=seen).at
    Case.objects.filter(pk=seen.pk).update(submitted_at=evaluated - timedelta(seconds=20))
    Evaluation.objects.filter(case=seen).update(at=evaluated - timedelta(seconds=10))
    RegistryQuery.objects.for_case(seen).update(answered_at=evaluated - timedelta(seconds=5))
    assert list(robot_waiting(older_than_seconds=0)) == [seen.pk]
    assert list(robot_waiting(older_than_seconds=60)) == []  # too recent: its own task may be on the way


def test_under_a_burst_one_task_decides_the_waiting_cases_with_its_own(rules, gateway, settings):
    """Submissions faster than the worker: the task of one case takes the cases that have waited longer than
    ROBOT_BACKLOG_SECONDS into its batch (one transaction); their own tasks then find them decided and change
    nothing. ROBOT_BATCH bounds the batch; a case submitted a moment ago is left to its own task."""
    from eligibility.tasks import evaluate_case

    world = rules
    settings.ROBOT_BATCH, settings.ROBOT_BACKLOG_SECONDS = 3, 5
    burst = [waiting_case(world, gateway) for _ in range(5)]  # submitted; no task has run yet
    Case.objects.filter(pk__in=[c.pk for c in burst[:4]]).update(submitted_at=timezone.now() - timedelta(seconds=30))
    with committed():
        evaluate_case.run(case_id=burst[2].pk, trigger="submit")
    decided = set(Case.objects.filter(pk__in=[c.pk for c in burst], status=S.DECIDED).values_list("pk", flat=True))
    assert burst[2].pk in decided and len(decided) == 3 and burst[4].pk not in decided  # its own and two behind
    with committed():
        for case in burst:
            evaluate_case.run(case_id=case.pk, trigger="submit")  # the queued tasks arrive: the last one is decided
    assert Case.objects.filter(pk__in=[c.pk for c in burst], status=S.DECIDED).count() == 5
    assert Evaluation.objects.filter(case__in=burst).count() == 5  # the repeats wrote nothing


def test_a_registry_answer_serving_several_cases_runs_one_task_for_all(rules, gateway):
    """One application covers several services: the answer's ``query_answered`` (sent on commit with every case it
    serves) runs one ``eligibility.evaluate_cases`` task for all of them — one transaction — and
    ``eligibility.evaluate_case`` when it serves one. Tasks run in-process here (no broker), through Celery."""
    from celery.signals import task_prerun
    from django.db import transaction

    from registries.services import query_answered

    world = rules
    cases = [waiting_case(world, gateway) for _ in range(3)]
    single = waiting_case(world, gateway)
    ran = []

    def seen(sender=None, task=None, kwargs=None, **extra):
        if task.name.startswith("eligibility."):
            ran.append((task.name, kwargs))

    task_prerun.connect(seen, weak=False)
    try:
        with committed(), transaction.atomic():
            query_answered.send(sender=RegistryQuery, query_id=1, case_ids=[c.pk for c in cases])
            query_answered.send(sender=RegistryQuery, query_id=2, case_ids=[single.pk])
    finally:
        task_prerun.disconnect(seen)
    assert ran == [
        ("eligibility.evaluate_cases", {"case_ids": [c.pk for c in cases], "trigger": "registry"}),
        ("eligibility.evaluate_case", {"case_id": single.pk, "trigger": "registry"}),
    ]
    assert Case.objects.filter(pk__in=[c.pk for c in [*cases, single]], status=S.DECIDED).count() == 4
