"""The issue's done-when, against the registries stand-in over real HTTP: a childbirth case granted by the robot with
its explanation on the notice and in the API; a birth 14 months ago and ДРАЦС down both go to a person, explained."""

from decimal import Decimal

import pypdfium2
import pytest

from cases.lifecycle import Action
from cases.models import Case, InboxMessage
from eligibility.models import Evaluation
from eligibility.rules.base import fact_label
from eligibility.services import case_evaluate
from frontoffice.pdf import decision_notice_pdf
from payments.models import Accrual
from tests.factories import committed

from .helpers import months_ago, submitted_childbirth

pytestmark = pytest.mark.django_db
S = Case.Status


def pdf_text(data: bytes) -> str:
    pdf = pypdfium2.PdfDocument(data)
    return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))


def detail(world, case, client):
    client.force_login(world.clerk_a)
    r = client.get(f"/api/v1/cases/{case.pk}/")
    assert r.status_code == 200, r.content
    return r.json()


def test_a_birth_in_dracs_is_granted_by_the_robot_with_the_explanation_everywhere(rules, gateway, client):
    world = rules
    case = submitted_childbirth(world, gateway, born=months_ago(2))
    assert case.status == S.DECIDED and case.decision == Case.Decision.GRANTED
    assert case.decided_by.username == "robot" and case.assignee.username == "robot"
    assert Accrual.objects.filter(case=case).count() == 1  # the fee accrues as for any accepted intake
    evaluation = Evaluation.objects.get(case=case)
    assert evaluation.acted and evaluation.amount == Decimal("50000.00")
    assert evaluation.rules_version == "childbirth/2026.1"
    assert {c["code"]: c["result"] for c in evaluation.conditions} == {
        "birth_record": "pass",
        "applicant_is_parent": "pass",
        "within_12_months": "pass",
        "not_granted_before": "pass",
    }
    births = next(f for f in evaluation.facts if f["name"] == "births")
    assert births["source"]["registry"] == "dracs" and births["source"]["query_id"] and births["source"]["page_id"]
    actions = list(case.events.values_list("action", "actor__username"))
    assert actions[-3:] == [("claim", "robot"), ("accept", "robot"), ("decide", "robot")]
    assert InboxMessage.objects.filter(case=case, kind=InboxMessage.Kind.DECIDED).exists()

    body = detail(world, case, client)
    decision = body["decision"]
    assert decision["outcome"] == "granted" and decision["amount"] == "50000.00"
    assert decision["decided_by"]["kind"] == "robot" and decision["rules_version"] == "childbirth/2026.1"
    assert [e["result"] for e in decision["explanation"]] == ["pass"] * 4
    assert all(e["reference"] and e["text"] for e in decision["explanation"])
    assert body["robot_review"] is None

    text = pdf_text(decision_notice_pdf(Case.objects.select_related("service_type").get(pk=case.pk)))
    assert "50 000.00" in text and "childbirth/2026.1" in text

    # A repeated evaluation of a decided case changes nothing.
    events, evaluations = case.events.count(), Evaluation.objects.count()
    assert case_evaluate(case_id=case.pk, trigger="again") is None
    assert (case.events.count(), Evaluation.objects.count()) == (events, evaluations)


def test_a_birth_14_months_ago_goes_to_a_reviewer_with_the_failed_condition_explained(rules, gateway, client):
    world = rules
    case = submitted_childbirth(world, gateway, born=months_ago(14))
    assert case.status == S.SUBMITTED and case.decision == "" and case.assignee is None  # in the people's queue
    assert not Accrual.objects.filter(case=case).exists()
    review = case.events.get(action=Action.ROBOT_REVIEW)
    failed = [c for c in review.data["explanation"] if c["result"] == "fail"]
    assert [c["code"] for c in failed] == ["within_12_months"]
    assert failed[0]["actual"] == "14" and failed[0]["expected"] == "< 12" and failed[0]["reference"]
    body = detail(world, case, client)
    assert body["decision"] is None
    assert body["robot_review"]["outcome"] == "needs_person"
    line = next(e for e in body["robot_review"]["explanation"] if e["code"] == "within_12_months")
    assert line["result"] == "fail" and "14" in line["text"]


def test_with_dracs_down_it_goes_to_a_reviewer_with_the_missing_fact_named(rules, gateway, client):
    world = rules
    gateway.fault("dracs", "down")
    case = submitted_childbirth(world, gateway, born=months_ago(2))
    assert case.status == S.SUBMITTED and case.decision == ""
    evaluation = Evaluation.objects.get(case=case)
    assert evaluation.outcome == Evaluation.Outcome.UNKNOWN
    assert str(fact_label("births")) in evaluation.reason and "ДРАЦС" in evaluation.reason
    (stored,) = [c for c in evaluation.conditions if c["result"] == "unknown"]
    # Each language names the fact and why in that language (the reason was built once, rendered in each).
    assert stored["text"]["en"].startswith("Not known: the births recorded in ДРАЦС (ДРАЦС failed to answer")
    assert "не зміг відповісти" in stored["text"]["uk"] and "births" not in stored["text"]["uk"]
    body = detail(world, case, client)
    (line,) = body["robot_review"]["explanation"]
    assert line["code"] == "birth_record" and line["result"] == "unknown" and "ДРАЦС" in line["text"]

    # ДРАЦС comes back and answers the query asked again: the robot grants on the answer.
    gateway.clear()
    from registries.services import registry_query_ask

    with committed():
        registry_query_ask(case=case, registry_code="dracs", by=world.clerk_a)
    case.refresh_from_db()
    assert case.status == S.DECIDED and case.decided_by.username == "robot"


def test_a_person_who_took_the_case_keeps_it(rules, gateway):
    world = rules
    case = submitted_childbirth(world, gateway, born=months_ago(14))
    from backoffice import services as back

    back.case_claim(case=case, by=world.specialist)
    assert case_evaluate(case_id=case.pk, trigger="registry") is None
    case.refresh_from_db()
    assert case.assignee == world.specialist and case.status == S.IN_REVIEW


def test_a_rule_that_raises_sends_the_case_to_people_with_the_reason(rules, gateway, monkeypatch):
    world = rules
    from eligibility.rules import childbirth

    def broken(facts, params):
        raise ZeroDivisionError("division by zero")

    version = childbirth.VERSIONS[0]
    monkeypatch.setattr(
        "eligibility.rules.VERSIONS",
        [type(version)(**{**version.__dict__, "evaluate": broken}), *childbirth.VERSIONS[1:]],
    )
    case = submitted_childbirth(world, gateway, born=months_ago(2))
    assert case.status == S.SUBMITTED and case.decision == ""
    evaluation = Evaluation.objects.get(case=case)
    assert evaluation.outcome == Evaluation.Outcome.ERROR and "ZeroDivisionError" in evaluation.reason
    assert case.events.filter(action=Action.ROBOT_REVIEW).exists()


def test_the_table_lets_the_robot_grant_only(rules, gateway):
    world = rules
    from cases.exceptions import SeparationOfDuties
    from cases.lifecycle import CASES
    from cases.statemachine import Change
    from eligibility.services import robot_user

    case = submitted_childbirth(world, gateway, born=months_ago(14))
    robot = robot_user()

    def hold(a):
        a.obj.assignee = robot
        return Change(fields=("assignee",))

    def accept(a):
        a.obj.accepted_at, a.obj.accepted_by = case.submitted_at, robot
        return Change(fields=("accepted_at", "accepted_by"))

    CASES.execute(case, Action.CLAIM, by=robot, change=hold)
    CASES.execute(case, Action.ACCEPT, by=robot, change=accept)
    case.refresh_from_db()
    with pytest.raises(SeparationOfDuties):
        CASES.execute(case, Action.DECIDE, by=robot, params={"decision": "refused"})
    case.refresh_from_db()
    assert case.status == S.IN_REVIEW and case.decision == ""
