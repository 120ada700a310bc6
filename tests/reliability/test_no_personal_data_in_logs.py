"""Application logs carry ids, never an applicant's name, RNOKPP, document number, phone or address."""

import logging

import pytest
from django.test import Client
from rest_framework.test import APIClient

from backoffice import services as back
from cases.models import Applicant, Case
from frontoffice import services as front
from tests.factories import committed, fill_checklist, upload

pytestmark = pytest.mark.django_db

PERSON = {
    "last_name": "Приходько",
    "first_name": "Ярослава",
    "patronymic": "Остапівна",
    "birth_date": "1984-01-02",
    "rnokpp": "3068208400",
    "passport_kind": "booklet",
    "passport_number": "ВЕ482915",
    "address": "вул. Пирогова, 77, кв. 15",
    "phone": "+380671234567",
}


def test_a_whole_day_logs_no_personal_data(world, caplog):
    caplog.set_level(logging.DEBUG)
    api = APIClient()
    api.force_authenticate(world.clerk_a)
    assert api.post("/api/v1/applicants/", PERSON, format="json").status_code == 201
    assert api.post("/api/v1/applicants/", PERSON, format="json").status_code == 409  # duplicate: logged as a 409
    person = Applicant.objects.get(rnokpp=PERSON["rnokpp"])
    web = Client()
    web.force_login(world.clerk_a)
    web.get("/front/applicants/", {"rnokpp": PERSON["rnokpp"]})
    web.get("/front/applicants/", {"passport_number": PERSON["passport_number"]})
    web.get("/front/applicants/", {"last_name": PERSON["last_name"], "birth_date": PERSON["birth_date"]})
    created = api.post("/api/v1/cases/", {"applicant": person.pk, "service_type": "low_income"}, format="json")
    case = Case.objects.get(pk=created.json()["id"])
    api.post(f"/api/v1/cases/{case.pk}/documents/", {"document_type": "passport", "file": upload(b"<html>")})
    fill_checklist(case, world.clerk_a)
    with committed():
        api.post(f"/api/v1/cases/{case.pk}/submit/")
    reviewer = APIClient()
    reviewer.force_authenticate(world.specialist)
    reviewer.post("/api/v1/queue/claim-next/")
    reviewer.post(f"/api/v1/cases/{case.pk}/accept/")
    reviewer.post(f"/api/v1/cases/{case.pk}/decide/", {"decision": "refused", "grounds": ["nope"]}, format="json")
    back.case_decide(case=Case.objects.get(pk=case.pk), by=world.specialist, decision="granted", reason="ok")
    front.case_hand_over(case=Case.objects.get(pk=case.pk), by=world.clerk_a)
    web.get(f"/front/cases/{case.pk}/")
    Client().post("/accounts/login/", {"username": PERSON["last_name"], "password": "wrong"})  # a name as user name
    api.get("/api/v1/applicants/", {"rnokpp": PERSON["rnokpp"]})
    api.get(f"/api/v1/applicants/{person.pk + 1000}/")  # a 404

    logged = "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records)
    assert caplog.records, "nothing was logged: the test would prove nothing"
    for field in ("last_name", "first_name", "patronymic", "rnokpp", "passport_number", "address", "phone"):
        assert PERSON[field] not in logged, f"{field} appears in the logs"
