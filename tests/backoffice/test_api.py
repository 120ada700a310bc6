"""The back office's API contract: the queue, claim-next, one route per transition; 409/400 with a machine code and
a human message, 404 outside my tenancy, never a 500 and never a silent success."""

from datetime import timedelta

import pytest
from django.db import transaction

from backoffice import services as back
from cases import clock
from cases.models import Case, Membership
from payments.models import Accrual
from tests.backoffice.conftest import queued
from tests.factories import add_document, make_case

pytestmark = pytest.mark.django_db
S = Case.Status
QUEUE_QUERIES = 8
ACTIONS = [
    "claim",
    "release",
    "reassign",
    "accept",
    "request-info",
    "decide",
    "approve-refusal",
    "return-refusal",
    "reject-intake",
]


def url(case, action):
    return f"/api/v1/cases/{case.pk}/{action}/"


# --- The queue -----------------------------------------------------------------------------------------------------


def test_the_queue_in_order_with_counts_and_marks(world, api):
    late, early = queued(world, 2)
    Case.objects.filter(pk=late.pk).update(due_date=clock.today() + timedelta(days=40))
    Case.objects.filter(pk=early.pk).update(due_date=clock.today() - timedelta(days=1))
    make_case(world, S.SUBMITTED, community="c")
    body = api(world.specialist).get("/api/v1/queue/").json()
    assert [row["id"] for row in body["results"]] == [early.pk, late.pk]
    assert body["count"] == 2
    assert [row["due_mark"] for row in body["results"]] == ["overdue", ""]
    assert body["counts"] == {"waiting": 2, "due_soon": 0, "overdue": 1, "mine": 0, "refusals_pending": 0}
    assert body["results"][0]["number"] == early.number and body["results"][0]["status"] == "submitted"


def test_the_queue_filters_and_pages(world, api):
    queued(world, 3)
    b_case = make_case(world, S.SUBMITTED, community="b")
    client = api(world.head)
    assert [r["id"] for r in client.get("/api/v1/queue/", {"community": world.b.pk}).json()["results"]] == [b_case.pk]
    assert client.get("/api/v1/queue/", {"service": world.quick_service.code}).json()["count"] == 0
    assert client.get("/api/v1/queue/", {"front_office": world.fo_b.pk, "channel": "in_person"}).json()["count"] == 1
    page = client.get("/api/v1/queue/", {"page_size": 2}).json()
    assert page["count"] == 4 and len(page["results"]) == 2 and page["next"]


def test_the_queue_costs_the_same_queries_for_few_or_many_cases(world, api, django_assert_max_num_queries):
    queued(world, 2)
    client = api(world.head)
    with django_assert_max_num_queries(QUEUE_QUERIES) as few:
        assert client.get("/api/v1/queue/").status_code == 200
    queued(world, 15, community="b")
    with django_assert_max_num_queries(len(few)):
        assert len(client.get("/api/v1/queue/").json()["results"]) == 17


def test_bad_queue_filters_are_400_with_a_code(world, api):
    response = api(world.specialist).get("/api/v1/queue/", {"due": "yesterday"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input" and response.json()["field"] == "due"
    # A well-formed id of a community outside my back offices: not one I may see (the schema says integer, so 404).
    response = api(world.specialist).get("/api/v1/queue/", {"community": world.c.pk})
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_the_queue_is_for_back_office_people(world, api, client):
    assert api(world.clerk_a).get("/api/v1/queue/").status_code == 403
    assert api(world.accountant).post("/api/v1/queue/claim-next/").status_code == 403
    assert client.get("/api/v1/queue/").status_code in (401, 403)


# --- claim-next ----------------------------------------------------------------------------------------------------


def test_claim_next_gives_the_case_in_review_or_204(world, api):
    case = queued(world, 1)[0]
    client = api(world.specialist)
    response = client.post("/api/v1/queue/claim-next/")
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["status"], body["assignee"]) == (case.pk, "in_review", "specialist")
    assert [e["action"] for e in body["events"]] == ["open", "submit", "claim"]
    assert body["events"][-1] | {"at": None} == {
        "at": None,
        "actor": "specialist",
        "action": "claim",
        "from_status": "submitted",
        "to_status": "in_review",
        "note": "",
    }
    assert body["documents"] and body["applicant"]["last_name"]
    assert client.post("/api/v1/queue/claim-next/").status_code == 204


# --- The transitions -----------------------------------------------------------------------------------------------


def test_the_whole_review_through_the_api(world, api):
    case = queued(world, 1)[0]
    client = api(world.specialist)
    assert client.post(url(case, "claim")).json()["status"] == "in_review"
    body = client.post(url(case, "accept")).json()
    assert body["accepted_at"] and Accrual.objects.filter(case=case).count() == 1
    item = case.service_type.checklist.first()
    body = client.post(url(case, "request-info"), {"message": "rescan", "items": [item.pk]}, format="json").json()
    assert body["status"] == "needs_info" and body["events"][-1]["note"] == "rescan"
    from frontoffice import services as front

    add_document(case, world.clerk_a, item.document_types.first())  # the rescan the back office asked for
    front.case_resubmit(case=case, by=world.clerk_a)
    client.post(url(case, "claim"))
    ground = case.service_type.refusal_grounds.first()
    body = client.post(
        url(case, "decide"), {"decision": "refused", "grounds": [ground.code], "reason": "income"}, format="json"
    ).json()
    assert body["status"] == "refusal_pending" and body["refusal_grounds"] == [ground.code]
    head = api(world.head)
    body = head.post(url(case, "return-refusal"), {"note": "check the income again"}, format="json").json()
    assert body["status"] == "in_review" and body["decision"] is None
    body = client.post(url(case, "decide"), {"decision": "refused", "grounds": [ground.code], "reason": "x"}).json()
    body = head.post(url(case, "approve-refusal"), {}, format="json").json()
    assert body["status"] == "decided" and body["decision"]["outcome"] == "refused" and body["decided_at"]
    assert Accrual.objects.filter(case=case).count() == 1


def test_release_reassign_and_reject_through_the_api(world, api):
    case = make_case(world, S.IN_REVIEW)
    head = api(world.head)
    body = head.post(url(case, "reassign"), {"to": "specialist2", "reason": "cover"}, format="json").json()
    assert body["assignee"] == "specialist2"
    body = head.post(url(case, "reassign"), {"to": str(world.specialist.pk), "reason": "back"}, format="json").json()
    assert body["assignee"] == "specialist"
    body = head.post(url(case, "release"), {"reason": "sick leave"}, format="json").json()
    assert (body["status"], body["assignee"]) == ("submitted", None)
    api(world.specialist).post(url(case, "claim"))
    body = api(world.specialist).post(url(case, "reject-intake"), {"reason": "duplicate"}, format="json").json()
    assert body["status"] == "intake_rejected"
    assert not Accrual.objects.filter(case=case).exists()


@pytest.mark.parametrize(
    ("start", "user", "action", "data", "status", "code"),
    [
        (S.IN_REVIEW, "specialist2", "claim", {}, 409, "case_held_by_another"),
        (S.DECIDED, "specialist", "claim", {}, 409, "transition_not_allowed"),
        (S.SUBMITTED, "clerk_a", "claim", {}, 409, "not_permitted"),
        (S.IN_REVIEW, "specialist2", "accept", {}, 409, "case_held_by_another"),
        (S.IN_REVIEW, "specialist", "decide", {"decision": "granted"}, 409, "package_not_accepted"),
        (S.IN_REVIEW, "specialist2", "release", {}, 409, "case_held_by_another"),
        (S.IN_REVIEW, "head", "release", {"reason": ""}, 400, "invalid_input"),
        (S.IN_REVIEW, "specialist", "reassign", {"to": "specialist2", "reason": "r"}, 409, "not_permitted"),
        (S.IN_REVIEW, "head", "reassign", {"to": "specialist_other", "reason": "r"}, 400, "invalid_input"),
        (S.IN_REVIEW, "head", "reassign", {"to": "nobody", "reason": "r"}, 400, "invalid_input"),
        (S.IN_REVIEW, "specialist", "request-info", {"message": ""}, 400, "invalid_input"),
        (S.IN_REVIEW, "specialist", "request-info", {"message": "m", "items": [999999]}, 400, "invalid_input"),
        (S.IN_REVIEW, "specialist", "request-info", {"message": "m", "items": "x"}, 400, "invalid_input"),
        (S.REFUSAL_PENDING, "specialist", "approve-refusal", {}, 409, "not_permitted"),
        (S.REFUSAL_PENDING, "head", "return-refusal", {"note": ""}, 400, "invalid_input"),
        (S.DECIDED, "head", "return-refusal", {"note": "n"}, 409, "transition_not_allowed"),
        (S.IN_REVIEW, "specialist", "reject-intake", {}, 400, "invalid_input"),
        (S.DECIDED, "specialist", "reject-intake", {"reason": "r"}, 409, "transition_not_allowed"),
    ],
)
def test_refusals_carry_a_code_and_a_message(world, api, start, user, action, data, status, code):
    case = make_case(world, start)
    before = (case.status, case.assignee_id, case.events.count())
    response = api(getattr(world, user)).post(url(case, action), data, format="json")
    assert response.status_code == status, response.content
    assert response.json()["code"] == code and response.json()["detail"]
    case.refresh_from_db()
    assert (case.status, case.assignee_id, case.events.count()) == before


def test_decide_input_errors(world, api):
    case = back.case_accept(case=make_case(world, S.IN_REVIEW), by=world.specialist)
    client = api(world.specialist)
    foreign = world.quick_service.refusal_grounds.first().code
    for data, field in [
        ({"decision": "maybe"}, "decision"),
        ({"decision": "refused", "grounds": [], "reason": "r"}, "grounds"),
        ({"decision": "refused", "grounds": ["no_such_ground"], "reason": "r"}, "grounds"),
        ({"decision": "refused", "grounds": [foreign], "reason": "r"}, "grounds"),
        ({"decision": "refused", "grounds": [case.service_type.refusal_grounds.first().code]}, "reason"),
        ({"decision": "granted", "grounds": [case.service_type.refusal_grounds.first().code]}, "grounds"),
    ]:
        response = client.post(url(case, "decide"), data, format="json")
        assert response.status_code == 400, data
        assert response.json()["code"] == "invalid_input" and response.json()["field"] == field, data
    case.refresh_from_db()
    assert case.status == S.IN_REVIEW


def test_nobody_approves_their_own_refusal_through_the_api(world, api):
    case = make_case(world, S.SUBMITTED)
    head = api(world.head)
    head.post(url(case, "claim"))
    head.post(url(case, "accept"))
    ground = case.service_type.refusal_grounds.first()
    head.post(url(case, "decide"), {"decision": "refused", "grounds": [ground.code], "reason": "x"}, format="json")
    response = head.post(url(case, "approve-refusal"))
    assert response.status_code == 409 and response.json()["code"] == "separation_of_duties"
    assert api(world.head_b).post(url(case, "approve-refusal")).json()["status"] == "decided"


def test_another_back_office_case_is_404(world, api):
    case = make_case(world, S.SUBMITTED, community="c")
    for action in ACTIONS:
        response = api(world.specialist).post(url(case, action), {}, format="json")
        assert response.status_code == 404, action
    case.refresh_from_db()
    assert case.status == S.SUBMITTED


@pytest.mark.parametrize("start", [S.SUBMITTED, S.IN_REVIEW, S.NEEDS_INFO, S.REFUSAL_PENDING, S.DECIDED])
def test_no_role_and_no_action_ever_gets_a_500(world, api, start):
    # One more role mix: a clerk who is also a specialist of the back office.
    Membership.objects.create(user=world.clerk_b, role=Membership.Role.SPECIALIST, back_office=world.bo1)
    bodies = {
        "reassign": {"to": "specialist2", "reason": "r"},
        "request-info": {"message": "m"},
        "decide": {"decision": "granted"},
        "return-refusal": {"note": "n"},
        "reject-intake": {"reason": "r"},
        "release": {"reason": "r"},
    }
    case = make_case(world, start)
    for user in world.users().values():
        with transaction.atomic():  # each user meets the case as it was made: what they did is rolled back
            for action in ACTIONS:
                response = api(user).post(url(case, action), bodies.get(action, {}), format="json")
                assert response.status_code in (200, 400, 403, 404, 409), (user, action, response.content)
                if response.status_code >= 400 and response.status_code != 403:
                    assert set(response.json()) >= {"code", "detail"}
            transaction.set_rollback(True)


def test_the_schema_describes_the_back_office_routes(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    assert "/api/v1/queue/" in paths and "/api/v1/queue/claim-next/" in paths
    for action in ACTIONS:
        assert f"/api/v1/cases/{{id}}/{action}/" in paths, action
    decide = paths["/api/v1/cases/{id}/decide/"]["post"]
    assert {"200", "400", "404", "409"} <= set(decide["responses"])
