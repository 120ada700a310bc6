"""The robot's cost per decision is pinned: a grant (facts read, rule run, evaluation stored, claim + accept + grant,
the fee line, the inbox message, the applicant's message looked up after the commit) takes a fixed number of SQL
statements, whatever the applicant's history. An N+1 (a query per registry answer, per evidence page, per earlier
grant) or a re-read of the case fails here."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.checklist import missing_items
from cases.models import Case
from eligibility.models import Evaluation
from eligibility.services import case_evaluate
from frontoffice import services as front
from payments.models import Accrual, Statement
from tests.factories import add_document, committed
from tests.registries.helpers import known_person, open_childbirth

from .helpers import child, months_ago

pytestmark = pytest.mark.django_db

# BEGIN (a savepoint in a test); the case locked and read with its service and applicant; the registry answers
# with their first evidence page; the earlier grants with their facts; the parameters; the service's published rule
# versions; the robot user; INSERT the evaluation; UPDATE the case; INSERT the 3 timeline rows; INSERT the inbox
# message; the fee (accrual already there?, the rate, the statement's totals by UPDATE … RETURNING, INSERT the line);
# COMMIT; after it the applicant's message (the case, the contact) and the renewals app's term task, run in-process
# here (the case, and whether its service has a term at all: a childbirth grant has none, so nothing more).
MAX_QUERIES_PER_GRANT = 21


def waiting_case(world, gateway, *, children=1):
    """A submitted childbirth case with its registry answers in place, not yet seen by the robot (the submission's
    on-commit trigger is not run here: the test runs the robot itself)."""
    born = months_ago(2)
    person = known_person(world, gateway, children=[child(born, act=f"{n}/2026") for n in range(1, children + 1)])
    case = open_childbirth(world, person)
    for item in missing_items(case):
        add_document(case, world.clerk_a, item.document_types.first())
    case = front.case_submit(case=case, by=world.clerk_a)
    return case


def grant_queries(case) -> list[str]:
    with CaptureQueriesContext(connection) as ctx, committed():
        case_evaluate(case_id=case.pk, trigger="test")
    case.refresh_from_db()
    assert case.status == Case.Status.DECIDED and case.decision == Case.Decision.GRANTED
    return [q["sql"] for q in ctx.captured_queries]


def test_a_robot_grant_takes_a_fixed_number_of_queries(rules, gateway):
    # The month's first fee line opens its statement (two statements more); every later grant finds it.
    first = grant_queries(waiting_case(rules, gateway))
    assert len(first) <= MAX_QUERIES_PER_GRANT + 2, "\n".join(q[:120] for q in first)
    case = waiting_case(rules, gateway)
    queries = grant_queries(case)
    assert len(queries) <= MAX_QUERIES_PER_GRANT, "\n".join(q[:120] for q in queries)
    # The case row is read once, under its lock, and written once.
    end = next(i for i, q in enumerate(queries) if q.startswith(("COMMIT", "RELEASE SAVEPOINT")))
    assert sum(q.startswith('SELECT "cases_case"."id"') for q in queries[:end]) == 1
    assert sum(q.startswith('UPDATE "cases_case"') for q in queries) == 1
    assert Accrual.objects.filter(case=case).count() == 1
    assert Statement.objects.get(community=case.community).count == 2
    assert list(case.events.values_list("action", flat=True))[-3:] == ["claim", "accept", "decide"]


def test_an_earlier_grant_is_read_in_the_same_one_query(rules, gateway):
    """A second childbirth case of the same person (the same child): the earlier grant and its evaluation's facts
    come in one query (not one more per earlier grant), and the robot passes the case to a person."""
    first = waiting_case(rules, gateway)
    grant_queries(first)
    with committed():
        second = front.case_open(
            applicant=first.applicant,
            service_type=first.service_type,
            front_office=first.front_office,
            by=rules.clerk_a,
        )
    for item in missing_items(second):
        add_document(second, rules.clerk_a, item.document_types.first())
    second = front.case_submit(case=second, by=rules.clerk_a)
    with CaptureQueriesContext(connection) as ctx, committed():
        case_evaluate(case_id=second.pk, trigger="test")
    queries = [q["sql"] for q in ctx.captured_queries]
    second.refresh_from_db()
    assert second.status == Case.Status.SUBMITTED and second.assignee_id is None  # to a person, not refused
    evaluation = Evaluation.objects.filter(case=second).get()
    assert {c["code"]: c["result"] for c in evaluation.conditions}["not_granted_before"] == "fail"
    assert sum('FROM "eligibility_evaluation"' in q for q in queries) == 1, "\n".join(q[:120] for q in queries)
    assert len(queries) <= MAX_QUERIES_PER_GRANT
