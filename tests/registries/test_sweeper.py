"""What is pending lives in the database: a query left "sent" by a killed worker is sent again by the sweeper and
answered once; transient failures come back with a backoff; unanswered queries become overdue, never a refusal."""

from datetime import timedelta

import pytest

from cases import clock
from cases.checklist import checklist_for
from cases.models import Document, ServiceType
from frontoffice import services as front
from registries import client, services
from registries.models import RegistryQuery
from tests.factories import committed

from .helpers import known_person, open_childbirth, query_of

pytestmark = pytest.mark.django_db
S = RegistryQuery.Status


def _queued_case(world, gateway):
    """A case whose queries are recorded but whose nudges never reached a worker (the broker was down)."""
    person = known_person(world, gateway)
    case = front.case_open(
        applicant=person,
        service_type=ServiceType.objects.get(code="childbirth"),
        front_office=world.fo_a,
        by=world.clerk_a,
    )
    return case  # case_open recorded the queries; on_commit never fires in this test


def test_a_query_left_sent_by_a_killed_worker_is_sent_again_and_answered_once(registries, gateway, settings):
    world = registries
    case = _queued_case(world, gateway)
    query = query_of(case, "dracs")
    assert query.status == S.QUEUED

    # The first worker claims the query, asks the gateway, and is killed before it writes the answer.
    token = services._claim(query.pk)
    assert token is not None
    answer = client.ask(
        query.registry, subject={"rnokpp": case.applicant.rnokpp}, query_id=str(query.query_id), purpose=query.purpose
    )
    assert answer.found
    query.refresh_from_db()
    assert query.status == S.SENT and query.attempts == 1

    # Not stale yet: the sweeper leaves it to its worker (and the other query to its own nudge, for a while).
    assert services.registry_sweep()["resent"] == 0
    query.refresh_from_db()
    assert query.status == S.SENT

    later = clock.now() + timedelta(seconds=settings.REGISTRY_STALE_SECONDS + 1)
    with clock.travel_to(later), committed():
        result = services.registry_sweep()
    assert result["resent"] == 2  # this one, and the ЄДДР query whose nudge never came
    query.refresh_from_db()
    assert query.status == S.ANSWERED and query.attempts == 2

    # The killed worker's attempt, if it ever came back, no longer holds the query: nothing is applied twice.
    services._answer(query, token, {"births": []}, answer)
    query.refresh_from_db()
    assert query.answer["births"]  # still the second attempt's answer
    assert Document.objects.filter(case=case, registry_code="dracs").count() == 1
    assert query.documents.count() == 1


def test_a_repeated_nudge_for_an_answered_query_is_a_no_op(registries, gateway):
    world = registries
    case = open_childbirth(world, known_person(world, gateway))
    query = query_of(case, "dracs")
    assert services.registry_query_run(query_id=query.pk) is None
    query.refresh_from_db()
    assert query.attempts == 1
    assert Document.objects.filter(case=case, registry_code="dracs").count() == 1


def test_a_transient_failure_is_retried_with_backoff_then_answered(registries, gateway, settings):
    world = registries
    case = _queued_case(world, gateway)
    query = query_of(case, "dracs")
    gateway.fault("dracs", "down", count=1)
    delay = services.registry_query_run(query_id=query.pk, may_retry=True)
    assert delay == settings.REGISTRY_RETRY_BACKOFF_SECONDS
    query.refresh_from_db()
    assert (query.status, query.error_code, query.attempts) == (S.QUEUED, "registry_down", 1)
    assert query.next_attempt_at > clock.now()
    assert services.registry_query_run(query_id=query.pk) is None  # too early: not claimed
    query.refresh_from_db()
    assert query.attempts == 1

    later = query.next_attempt_at + timedelta(seconds=settings.REGISTRY_NUDGE_GRACE_SECONDS + 1)
    with clock.travel_to(later), committed():
        services.registry_sweep()
    query.refresh_from_db()
    assert (query.status, query.attempts, query.error_code) == (S.ANSWERED, 2, "")


def test_the_backoff_doubles_and_the_last_attempt_fails_for_good(registries, gateway, settings):
    settings.REGISTRY_MAX_ATTEMPTS = 3
    world = registries
    case = _queued_case(world, gateway)
    query = query_of(case, "dracs")
    gateway.fault("dracs", "down")
    delays = []
    for _ in range(3):
        query.refresh_from_db()
        with clock.travel_to(max(query.next_attempt_at, clock.now())):
            delays.append(services.registry_query_run(query_id=query.pk, may_retry=True))
    base = settings.REGISTRY_RETRY_BACKOFF_SECONDS
    assert delays == [base, base * 2, None]
    query.refresh_from_db()
    assert (query.status, query.error_code, query.attempts) == (S.FAILED, "registry_down", 3)


def test_an_unanswered_query_past_its_due_date_is_overdue_and_the_slot_comes_back(registries, gateway):
    world = registries
    case = _queued_case(world, gateway)
    query = query_of(case, "dracs")
    assert query.due_at > clock.today()  # five working days
    due = case.due_date
    with clock.travel_to(clock.now() + timedelta(days=10)):
        services.registry_sweep()
    query.refresh_from_db()
    assert (query.status, query.error_code) == (S.OVERDUE, "overdue")
    case.refresh_from_db()
    assert case.due_date == due  # a late answer never moves the case's deadline
    line = next(li for li in checklist_for(case) if li.item.document_types.first().code == "birth")
    assert line.satisfied_by is None
    # An overdue query is finished: a late nudge does not send it.
    assert services.registry_query_run(query_id=query.pk) is None
