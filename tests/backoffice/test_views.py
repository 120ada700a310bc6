"""The reviewer's and the head's pages: what they show, who reaches them, what their forms do, and how many
queries they cost (constant whatever the data)."""

from datetime import timedelta

import pytest
from django.contrib import messages
from django.urls import reverse
from django.utils import translation

from backoffice import services as back
from cases import clock
from cases.models import Case, CaseEvent, InboxMessage, InfoRequest
from frontoffice import services as front
from tests.backoffice.conftest import queued
from tests.factories import add_document, make_case, upload

pytestmark = pytest.mark.django_db
S = Case.Status
QUEUE_QUERIES = 14
REVIEW_QUERIES = 18  # +1: the rules' explanation (eligibility), one query whatever the case


def _signed_in(client, user):
    client.force_login(user)
    return client


def _act(client, case, action, **data):
    return client.post(reverse("backoffice:case-act", args=[case.pk, action]), data)


# --- Who gets in ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["home", "mine", "refusals", "dashboard"])
def test_pages_are_404_outside_the_back_office(world, client, name):
    for user in (world.clerk_a, world.supervisor_a, world.accountant):
        assert _signed_in(client, user).get(reverse(f"backoffice:{name}")).status_code == 404


def test_head_pages_are_404_for_specialists(world, client):
    _signed_in(client, world.specialist)
    assert client.get(reverse("backoffice:dashboard")).status_code == 404
    assert client.get(reverse("backoffice:refusals")).status_code == 404
    assert client.get(reverse("backoffice:home")).status_code == 200


def test_another_back_office_case_is_404(world, client):
    theirs = make_case(world, S.SUBMITTED, community="c")
    draft = make_case(world, S.DRAFT)
    _signed_in(client, world.specialist)
    assert client.get(reverse("backoffice:case", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("backoffice:case", args=[draft.pk])).status_code == 404  # not submitted yet
    assert _act(client, theirs, "claim").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == S.SUBMITTED


# --- The queue ------------------------------------------------------------------------------------------------------


def test_the_queue_lists_my_back_office_waiting_cases_by_due_date(world, client):
    late, early = queued(world, 2)
    Case.objects.filter(pk=late.pk).update(due_date=clock.today() + timedelta(days=30))
    held = make_case(world, S.IN_REVIEW)
    theirs = make_case(world, S.SUBMITTED, community="c")
    page = _signed_in(client, world.specialist).get(reverse("backoffice:home"))
    assert page.status_code == 200
    rows = [c.pk for c in page.context["page"].object_list]
    assert rows == [early.pk, late.pk]
    assert held.pk not in rows and theirs.pk not in rows
    counts = page.context["counts"]
    assert (counts.waiting, counts.mine) == (2, 1)  # held by the specialist
    html = page.content.decode()
    assert early.number in html and theirs.number not in html


def test_the_queue_filters(world, client):
    a_case = make_case(world, S.SUBMITTED)
    b_case = make_case(world, S.SUBMITTED, community="b")
    quick = make_case(world, S.SUBMITTED, service=world.quick_service)
    Case.objects.filter(pk=a_case.pk).update(due_date=clock.today() - timedelta(days=1))
    Case.objects.filter(pk=b_case.pk).update(due_date=clock.today())
    Case.objects.filter(pk=quick.pk).update(due_date=clock.today() + timedelta(days=30), channel="remote")
    _signed_in(client, world.specialist)

    def listed(**params):
        page = client.get(reverse("backoffice:home"), params)
        assert page.status_code == 200
        return {c.pk for c in page.context["page"].object_list}

    assert listed() == {a_case.pk, b_case.pk, quick.pk}
    assert listed(service=world.quick_service.code) == {quick.pk}
    assert listed(community=world.b.pk) == {b_case.pk}
    assert listed(front_office=world.fo_a.pk) == {a_case.pk, quick.pk}
    assert listed(channel="remote") == {quick.pk}
    assert listed(due="overdue") == {a_case.pk}
    assert listed(due="soon") == {b_case.pk}
    assert listed(community=world.c.pk) == {a_case.pk, b_case.pk, quick.pk}  # not mine to filter by: ignored
    counts = client.get(reverse("backoffice:home")).context["counts"]
    assert (counts.waiting, counts.overdue, counts.due_soon) == (3, 1, 1)


def test_the_queue_answers_htmx_with_the_results_only(world, client):
    queued(world, 1)
    page = _signed_in(client, world.specialist).get(reverse("backoffice:home"), {"due": ""}, HTTP_HX_REQUEST="true")
    html = page.content.decode()
    assert page.status_code == 200 and 'id="results"' in html and "<html" not in html


def _queries(client, url, params=None) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params or {}).status_code == 200
    return len(queries)


def test_the_queue_costs_the_same_queries_for_few_or_many_cases(world, client):
    queued(world, 2)
    make_case(world, S.IN_REVIEW)
    _signed_in(client, world.head)
    url, filters = reverse("backoffice:home"), {"service": world.service.code, "community": world.a.pk}
    few = (_queries(client, url), _queries(client, url, filters))
    queued(world, 12, community="b")
    queued(world, 3)
    make_case(world, S.IN_REVIEW)
    assert (_queries(client, url), _queries(client, url, filters)) == few
    assert few[0] <= QUEUE_QUERIES and few[1] <= QUEUE_QUERIES + 2  # each model filter validates its choice


def test_my_cases_and_refusals_to_sign(world, client):
    mine = make_case(world, S.IN_REVIEW)
    asked = make_case(world, S.NEEDS_INFO)
    pending = make_case(world, S.REFUSAL_PENDING)
    page = _signed_in(client, world.specialist).get(reverse("backoffice:mine"))
    assert {c.pk for c in page.context["page"].object_list} == {mine.pk, asked.pk, pending.pk}
    page = _signed_in(client, world.head).get(reverse("backoffice:refusals"))
    assert [c.pk for c in page.context["page"].object_list] == [pending.pk]


# --- Take next and the head's bulk actions --------------------------------------------------------------------------


def test_take_next_opens_the_claimed_case(world, client):
    case = queued(world, 1)[0]
    response = _signed_in(client, world.specialist).post(reverse("backoffice:claim-next"))
    assert response.status_code == 302 and response["Location"] == reverse("backoffice:case", args=[case.pk])
    case.refresh_from_db()
    assert (case.status, case.assignee) == (S.IN_REVIEW, world.specialist)
    response = client.post(reverse("backoffice:claim-next"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("backoffice:home")
    assert [m.level for m in response.context["messages"]][-1] == messages.INFO  # nothing is waiting


def test_take_is_post_only(world, client):
    assert _signed_in(client, world.specialist).get(reverse("backoffice:claim-next")).status_code == 405


def test_the_head_assigns_selected_cases(world, client):
    picked = queued(world, 3)
    response = _signed_in(client, world.head).post(
        reverse("backoffice:bulk"),
        {
            "cases": [c.pk for c in picked[:2]],
            "action": "assign",
            "to": world.specialist2.pk,
            "reason": "holiday cover",
            "next": reverse("backoffice:home"),
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("backoffice:home")
    assigned = Case.objects.filter(assignee=world.specialist2, status=S.IN_REVIEW)
    assert set(assigned) == set(picked[:2])
    page = client.get(reverse("backoffice:home"))
    assert [c.pk for c in page.context["page"].object_list] == [picked[2].pk]


def test_bulk_without_a_reason_changes_nothing(world, client):
    picked = queued(world, 2)
    response = _signed_in(client, world.head).post(
        reverse("backoffice:bulk"),
        {"cases": [c.pk for c in picked], "action": "release", "reason": ""},
        follow=True,
    )
    assert response.status_code == 200
    assert list(response.context["messages"])  # the reason is asked for
    assert not CaseEvent.objects.filter(action="release").exists()


def test_bulk_cannot_reach_another_back_office_case(world, client):
    theirs = make_case(world, S.SUBMITTED, community="c")
    _signed_in(client, world.head).post(
        reverse("backoffice:bulk"),
        {"cases": [theirs.pk], "action": "assign", "to": world.specialist.pk, "reason": "mine now"},
    )
    theirs.refresh_from_db()
    assert (theirs.status, theirs.assignee) == (S.SUBMITTED, None)


# --- The review page -----------------------------------------------------------------------------------------------


def test_the_review_page_shows_the_case_beside_its_pages(world, client):
    earlier = make_case(world, S.CLOSED)
    case = make_case(world, S.IN_REVIEW)
    Case.objects.filter(pk=case.pk).update(applicant=earlier.applicant)
    page = _signed_in(client, world.specialist).get(reverse("backoffice:case", args=[case.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    review = page.context["review"]
    assert case.applicant.last_name in html and earlier.number in html
    assert len(review.checklist) == case.service_type.checklist.count()
    assert all(line.satisfied and line.documents for line in review.checklist)
    first = review.pages[0]
    assert reverse("page-image", args=[first.pk]) in html
    assert reverse("page-thumbnail", args=[review.pages[-1].pk]) in html
    assert f'?page={review.pages[1].pk}#viewer"' in html  # next
    assert reverse("backoffice:case-act", args=[case.pk, "accept"]) in html
    assert page.context["forms"]["request_info"].fields["items"].choices


def test_a_case_waiting_for_the_front_office_says_so_in_the_actions_card(world, client):
    """Nothing is the reviewer's to do while information is awaited: the card says why instead of standing empty
    (the front office's own act, printing the receipt, is not offered here)."""
    case = make_case(world, S.NEEDS_INFO)
    page = _signed_in(client, world.specialist).get(reverse("backoffice:case", args=[case.pk]))
    assert page.context["review"].actions == frozenset()
    with translation.override(page.wsgi_request.LANGUAGE_CODE):
        waits = translation.gettext(
            "The case waits for the front office to send what was requested; the deadline is paused until then."
        )
    assert waits in page.content.decode()


def test_the_viewer_opens_the_chosen_page(world, client):
    case = make_case(world, S.IN_REVIEW)
    pages = _signed_in(client, world.specialist).get(reverse("backoffice:case", args=[case.pk])).context["review"].pages
    page = client.get(reverse("backoffice:case", args=[case.pk]), {"page": pages[2].pk})
    assert page.context["page"] == pages[2]
    assert page.context["prev_page"] == pages[1] and page.context["next_page"] == pages[3]
    assert client.get(reverse("backoffice:case", args=[case.pk]), {"page": "x"}).context["page"] == pages[0]


def _asked_and_answered(world, case, rounds: int, documents: int) -> Case:
    item = case.service_type.checklist.first()
    for _ in range(rounds):
        if case.status == S.SUBMITTED:
            case = back.case_claim(case=case, by=world.specialist)
        case = back.case_request_info(case=case, by=world.specialist, message="more pages", items=[item])
        for _ in range(documents):
            add_document(case, world.clerk_a, files=[upload(), upload()])
        case = front.case_resubmit(case=case, by=world.clerk_a)
    return back.case_claim(case=case, by=world.specialist)


def test_the_review_page_costs_the_same_queries_however_big_the_case(world, client):
    small = _asked_and_answered(world, make_case(world, S.IN_REVIEW), rounds=1, documents=1)
    big = _asked_and_answered(world, make_case(world, S.IN_REVIEW), rounds=3, documents=3)
    assert big.documents.count() > small.documents.count() and big.events.count() > small.events.count()
    _signed_in(client, world.head)
    small_count = _queries(client, reverse("backoffice:case", args=[small.pk]))
    assert small_count == _queries(client, reverse("backoffice:case", args=[big.pk]))
    assert small_count <= REVIEW_QUERIES
    _signed_in(client, world.specialist)  # the holder sees the action forms, at no extra cost
    assert _queries(client, reverse("backoffice:case", args=[big.pk])) <= REVIEW_QUERIES


# --- Actions from the review page ----------------------------------------------------------------------------------


def test_claim_accept_request_info_from_the_page(world, client):
    case = make_case(world, S.SUBMITTED)
    _signed_in(client, world.specialist)
    assert _act(client, case, "claim").status_code == 302
    assert _act(client, case, "accept").status_code == 302
    income = case.service_type.checklist.get(document_types__code="income")
    response = _act(client, case, "request-info", items=[income.pk], message="the certificate is illegible")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == S.NEEDS_INFO and case.accepted_at is not None
    request = InfoRequest.objects.get(case=case)
    assert list(request.items.all()) == [income]
    assert InboxMessage.objects.get(case=case).kind == InboxMessage.Kind.NEEDS_INFO
    page = client.get(reverse("backoffice:case", args=[case.pk]))
    assert page.context["review"].requested_item_ids == {income.pk}  # marked in the checklist


def test_a_refusal_without_grounds_comes_back_with_the_reason(world, client):
    case = back.case_accept(case=make_case(world, S.IN_REVIEW), by=world.specialist)
    response = _act(_signed_in(client, world.specialist), case, "decide", decision="refused", reason="too rich")
    assert response.status_code == 400
    assert response.context["failed"] == "decide"
    assert response.context["forms"]["decide"].errors["grounds"]
    case.refresh_from_db()
    assert case.status == S.IN_REVIEW


def test_decide_and_the_head_signs(world, client):
    case = back.case_accept(case=make_case(world, S.IN_REVIEW), by=world.specialist)
    ground = case.service_type.refusal_grounds.first()
    response = _act(
        _signed_in(client, world.specialist), case, "decide", decision="refused", grounds=[ground.pk], reason="income"
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == S.REFUSAL_PENDING
    assert _act(_signed_in(client, world.head), case, "approve-refusal", note="agreed").status_code == 302
    case.refresh_from_db()
    assert (case.status, case.decision_approved_by) == (S.DECIDED, world.head)


def test_refused_actions_answer_409_with_the_reason(world, client):
    case = make_case(world, S.IN_REVIEW)
    response = _act(_signed_in(client, world.specialist2), case, "accept")
    assert response.status_code == 409
    assert response.context["forms"]["accept"].non_field_errors()
    own = make_case(world, S.SUBMITTED)
    own = back.case_claim(case=own, by=world.head)
    own = back.case_accept(case=own, by=world.head)
    ground = own.service_type.refusal_grounds.first()
    own = back.case_decide(case=own, by=world.head, decision="refused", grounds=[ground], reason="income")
    response = _act(_signed_in(client, world.head), own, "approve-refusal")
    assert response.status_code == 409
    own.refresh_from_db()
    assert own.status == S.REFUSAL_PENDING


def test_reject_intake_and_reassign_from_the_page(world, client):
    case = make_case(world, S.IN_REVIEW)
    assert _act(_signed_in(client, world.specialist), case, "reject-intake", reason="").status_code == 400
    assert _act(client, case, "reject-intake", reason="wrong office").status_code == 302
    case.refresh_from_db()
    assert case.status == S.INTAKE_REJECTED
    other = make_case(world, S.IN_REVIEW)
    response = _act(_signed_in(client, world.head), other, "reassign", to=world.specialist2.pk, reason="cover")
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.assignee == world.specialist2


def test_unknown_actions_are_404(world, client):
    case = make_case(world, S.IN_REVIEW)
    assert _act(_signed_in(client, world.specialist), case, "explode").status_code == 404


# --- The head's dashboard ------------------------------------------------------------------------------------------


def test_the_dashboard_counts_load_overdue_and_time_to_decision(world, client):
    late = make_case(world, S.IN_REVIEW)
    Case.objects.filter(pk=late.pk).update(due_date=clock.today() - timedelta(days=2))
    make_case(world, S.IN_REVIEW, community="b")
    make_case(world, S.SUBMITTED, community="b")
    paused = make_case(world, S.NEEDS_INFO)
    Case.objects.filter(pk=paused.pk).update(due_date=clock.today() - timedelta(days=2))  # paused: not overdue
    decided = make_case(world, S.DECIDED)
    Case.objects.filter(pk=decided.pk).update(first_submitted_at=decided.decided_at - timedelta(days=3, hours=12))
    page = _signed_in(client, world.head).get(reverse("backoffice:dashboard"))
    assert page.status_code == 200
    board = page.context["board"]
    people = {p.user: p for p in board.people}
    assert (people[world.specialist].in_review, people[world.specialist].overdue) == (2, 1)
    assert people[world.specialist].needs_info == 1
    communities = {c.community: c for c in board.communities}
    assert (communities[world.a].overdue, communities[world.b].waiting, communities[world.b].in_review) == (1, 1, 1)
    assert communities[world.a].median_days == 3.5 and board.median_days == 3.5
    assert world.c not in communities  # another back office


def test_the_refusal_form_reports_all_its_errors_at_once(world):
    from backoffice.forms import DecideForm
    from tests.factories import make_case

    case = make_case(world, Case.Status.IN_REVIEW)
    form = DecideForm({"decision": "refused", "reason": " "}, case=case)
    assert not form.is_valid() and {"grounds", "reason"} <= set(form.errors)
