"""The applicant's status page and its API: code by SMS, 15-minute session, the same answer for made-up receipts,
limits (429), lockout, what the person sees (plain status, missing, decision, notice, who looked)."""

import re
from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from backoffice import services as back
from cases import clock
from cases.models import Case
from cases.services import access_log_record
from frontoffice import services as front
from notifications import services as notify
from notifications.models import Message
from public.models import StatusChallenge
from tests.factories import committed, make_case

PHONE = "067 123 45 67"
S = Case.Status


def _case(world, status=S.SUBMITTED, **kw):
    case = make_case(world, status, **kw)
    notify.contact_set(applicant=case.applicant, by=world.clerk_a, phone=PHONE, consent=True)
    return case


def _code(api, receipt, phone=PHONE, address="10.0.0.1"):
    with committed():
        return api.post(
            "/api/v1/public/status/code/", {"receipt": receipt, "phone": phone}, format="json", REMOTE_ADDR=address
        )


def _last_code() -> str:
    return re.search(r"\b(\d{6})\b", Message.objects.filter(template="status_code").latest("pk").text).group(1)


def _token(api, case) -> str:
    assert _code(api, case.number).status_code == 202
    response = api.post(
        "/api/v1/public/status/session/",
        {"receipt": case.number, "phone": PHONE, "code": _last_code()},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert set(response.json()) == {"token"}
    return response.json()["token"]


def test_a_code_then_the_persons_cases(world, english):
    case = _case(world)
    api = APIClient()
    token = _token(api, case)
    body = api.get("/api/v1/public/status/", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    [application] = body["applications"]
    [row] = application["cases"]
    assert application["number"] == case.number
    assert set(row) == {"number", "service", "status", "status_text", "missing", "due_date", "decision"}
    assert row["status"] == "submitted" and row["due_date"] == case.due_date.isoformat() and row["decision"] is None
    assert body["data_access"] == []
    assert api.get("/api/v1/public/status/").status_code == 401
    assert api.get("/api/v1/public/status/", HTTP_AUTHORIZATION="Bearer nope").status_code == 401


def test_the_same_answer_whether_or_not_the_receipt_or_phone_exists(world):
    case = _case(world)
    api = APIClient()
    answers = [
        _code(api, case.number),
        _code(api, "UA-NO-SUCH-RECEIPT", address="10.0.0.2"),
        _code(api, case.number, phone="050 000 00 00", address="10.0.0.3"),
    ]
    assert [r.status_code for r in answers] == [202, 202, 202]
    assert len({r.content for r in answers}) == 1
    assert Message.objects.filter(template="status_code").count() == 1  # only the real match got an SMS


def test_codes_are_rate_limited_per_receipt_phone_and_address(world, settings):
    case = _case(world)
    api = APIClient()
    for n in range(settings.PUBLIC_CODES_PER_RECEIPT):
        assert _code(api, case.number, address=f"10.1.0.{n}").status_code == 202
    response = _code(api, case.number, address="10.1.1.1")
    assert response.status_code == 429 and response.json()["code"] == "too_many_requests"
    for n in range(settings.PUBLIC_CODES_PER_PHONE):
        _code(api, f"FAKE-{n}", phone="050 111 22 33", address=f"10.2.0.{n}")
    assert _code(api, "FAKE-X", phone="050 111 22 33", address="10.2.1.1").status_code == 429
    for n in range(settings.PUBLIC_CODES_PER_ADDRESS):
        _code(api, f"ADDR-{n}", phone=f"050 222 33 {n:02d}", address="10.3.0.1")
    assert _code(api, "ADDR-X", phone="050 999 99 99", address="10.3.0.1").status_code == 429
    # Made-up receipts are limited exactly like real ones: nothing tells them apart.
    for n in range(settings.PUBLIC_CODES_PER_RECEIPT):
        _code(api, "MADE-UP", phone=f"063 000 00 {n:02d}", address=f"10.4.0.{n}")
    assert _code(api, "MADE-UP", phone="063 000 00 99", address="10.4.1.1").status_code == 429


def test_wrong_expired_used_and_foreign_codes_are_refused_then_the_receipt_locks(world, settings):
    case, other = _case(world), _case(world)
    api = APIClient()
    _code(api, other.number, address="10.9.0.1")
    other_code = _last_code()
    _code(api, case.number)
    good = _last_code()

    def session(code, receipt=case.number):
        return api.post(
            "/api/v1/public/status/session/", {"receipt": receipt, "phone": PHONE, "code": code}, format="json"
        )

    wrong = "000000" if good != "000000" else "111111"
    response = session(wrong)
    assert response.status_code == 401 and response.json()["code"] == "invalid_code"
    assert response["WWW-Authenticate"] == "Bearer"
    if other_code != good:
        assert session(other_code).status_code == 401  # a code for another receipt
    assert session(good).status_code == 200
    assert session(good).status_code == 401  # used
    _code(api, case.number, address="10.0.0.9")
    StatusChallenge.objects.filter(receipt=case.number).update(expires_at=clock.now() - timedelta(seconds=1))
    assert session(_last_code()).status_code == 401  # expired
    for _n in range(settings.PUBLIC_CODE_MAX_FAILURES):
        session("999999")
    locked = session("999999")
    assert locked.status_code == 429
    assert _code(api, case.number, address="10.0.0.10").status_code == 429


def test_a_session_lasts_fifteen_minutes(world):
    from public.models import StatusSession

    case = _case(world)
    api = APIClient()
    token = _token(api, case)
    StatusSession.objects.update(expires_at=clock.now() - timedelta(seconds=1))
    assert api.get("/api/v1/public/status/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_missing_documents_decision_and_who_looked(world, english):
    case = _case(world, S.IN_REVIEW)
    item = case.service_type.checklist.first()
    case = back.case_request_info(case=case, by=world.specialist, message="illegible", items=[item])
    access_log_record(user=world.specialist, case=case, what="page", object_id=1)
    api = APIClient()
    token = _token(api, case)
    body = api.get("/api/v1/public/status/", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    row = body["applications"][0]["cases"][0]
    assert row["status"] == "needs_info" and item.title in row["missing"] and "illegible" in row["missing"]
    assert row["due_date"]
    [seen] = body["data_access"]
    assert seen["office"] == world.bo1.name and seen["case"] == case.number and seen["what"]

    decided = _case(world, S.DECIDED, refuse=True)
    token = _token(api, decided)
    row = api.get("/api/v1/public/status/", HTTP_AUTHORIZATION=f"Bearer {token}").json()["applications"][0]["cases"][0]
    assert row["decision"]["result"] == "refused" and row["decision"]["explanation"] == "income too high"
    assert row["decision"]["grounds"] and row["decision"]["notice"].endswith(f"{decided.number}.pdf")


def test_the_status_page_in_a_browserless_walk(world, client, english):
    case = _case(world, S.DECIDED)
    page = client.get("/status/")
    assert page.status_code == 200 and b"<script" not in page.content
    with committed():
        response = client.post("/status/", {"receipt": case.number, "phone": PHONE})
    assert response.status_code == 302
    assert client.post("/status/code/", {"code": "000000" if _last_code() != "000000" else "1"}).status_code == 400
    response = client.post("/status/code/", {"code": _last_code()})
    assert response.status_code == 302 and response.url == "/status/cases/"
    page = client.get("/status/cases/")
    assert case.number in page.content.decode() and "Who looked at your data" in page.content.decode()
    notice = client.get(f"/status/notice/{case.number}.pdf")
    assert notice.status_code == 200 and notice.content.startswith(b"%PDF")
    other = _case(world, S.DECIDED)
    assert client.get(f"/status/notice/{other.number}.pdf").status_code == 404  # another person's case
    client.post("/status/leave/")
    assert client.get("/status/cases/").status_code == 302


@pytest.mark.parametrize("language", ["uk", "ru", "en"])
def test_the_page_speaks_three_languages(client, db, language):
    client.cookies["django_language"] = language
    response = client.get("/status/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200 and f'lang="{language}"' in response.content.decode()


def test_a_page_light_enough_for_an_old_phone(world, client, django_assert_max_num_queries):
    case = _case(world)
    for service in (world.quick_service, world.service):
        front.case_open(
            applicant=case.applicant,
            service_type=service,
            front_office=world.fo_a,
            by=world.clerk_a,
            duplicate_reason="second child",
        )
    with committed():
        client.post("/status/", {"receipt": case.number, "phone": PHONE})
    client.post("/status/code/", {"code": _last_code()})
    with django_assert_max_num_queries(12):
        page = client.get("/status/cases/")
    assert page.content.decode().count('class="case"') == 3
    assert len(page.content) < 20_000


def test_a_resubmission_sends_no_second_receipt_message(world):
    case = _case(world, S.NEEDS_INFO)
    with committed():
        front.case_resubmit(case=case, by=world.clerk_a)
    assert not Message.objects.filter(case=case, template="submitted").exists()
