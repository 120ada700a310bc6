"""The robot's cost is pinned per batch: deciding a batch of cases (facts read, rules run, evaluations stored, claim +
accept + grant, the fee lines, the inbox messages, the applicants' messages looked up after the commit) takes a fixed
number of SQL statements whatever the number of cases in it and whatever the applicants' history. An N+1 (a query
per case, per registry answer, per evidence page, per earlier grant) or a re-read of a case fails here: a batch of
ten costs what a batch of one does."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.checklist import missing_items
from cases.models import Case
from eligibility.models import Evaluation
from eligibility.services import case_evaluate, cases_evaluate
from frontoffice import services as front
from payments.models import Accrual, Statement
from tests.factories import add_document, committed
from tests.registries.helpers import known_person, open_childbirth

from .helpers import child, months_ago

pytestmark = pytest.mark.django_db

# Per batch, whatever its size: BEGIN (a savepoint in a test); the cases locked and read with their services and
# applicants; the registry answers with their first evidence pages; the earlier grants with their facts; the
# services' published rule versions; their parameters; the robot user; INSERT the evaluations; UPDATE the cases;
# INSERT the timeline rows (3 a case); INSERT the inbox messages; the fees (lines already there?, the rates, the
# statement's totals by one UPDATE … RETURNING, INSERT the lines); COMMIT; after it the applicants' messages (the
# events with their cases, the contacts) and the renewals app's term task, run in-process here (whether any service
# has a term, and which of the decided cases are of such a service).
MAX_QUERIES_PER_BATCH = 20


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


def batch_queries(cases) -> list[str]:
    with CaptureQueriesContext(connection) as ctx, committed():
        cases_evaluate(case_ids=[c.pk for c in cases], trigger="test")
    for case in cases:
        case.refresh_from_db()
        assert case.status == Case.Status.DECIDED and case.decision == Case.Decision.GRANTED
    return [q["sql"] for q in ctx.captured_queries]


def grant_queries(case) -> list[str]:
    return batch_queries([case])


def listing(queries) -> str:
    return "\n".join(f"{i:2} {q[:140]}" for i, q in enumerate(queries))


def test_a_batch_of_grants_takes_a_fixed_number_of_queries_whatever_its_size(rules, gateway):
    # The month's first fee line opens its statement (two statements more); every later batch finds it.
    first = grant_queries(waiting_case(rules, gateway))
    assert len(first) <= MAX_QUERIES_PER_BATCH + 2, listing(first)
    one = [waiting_case(rules, gateway)]
    ten = [waiting_case(rules, gateway) for _ in range(10)]
    queries_one = batch_queries(one)
    queries_ten = batch_queries(ten)
    assert len(queries_one) <= MAX_QUERIES_PER_BATCH, listing(queries_one)
    assert len(queries_ten) == len(queries_one), listing(queries_ten)  # an N+1 fails here
    # Each case row is read once, under its lock, and written once: one SELECT … FOR UPDATE, one UPDATE, per batch.
    end = next(i for i, q in enumerate(queries_ten) if q.startswith(("COMMIT", "RELEASE SAVEPOINT")))
    assert sum(q.startswith('SELECT "cases_case"') and '"cases_applicant"' in q for q in queries_ten[:end]) == 1
    assert sum(q.startswith('UPDATE "cases_case"') for q in queries_ten) == 1
    assert sum(q.startswith('INSERT INTO "cases_caseevent"') for q in queries_ten) == 1
    assert sum(q.startswith('UPDATE "payments_statement"') for q in queries_ten) == 1
    assert Accrual.objects.filter(case__in=ten).count() == 10
    assert Statement.objects.get(community=ten[0].community).count == 12
    for case in ten:
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
    assert len(queries) <= MAX_QUERIES_PER_BATCH
