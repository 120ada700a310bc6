"""Offers end to end: consent first, accepting online or at the front office, the robot's grant, the fee rule."""

from datetime import timedelta

import pytest
from django.test import Client

from cases import clock
from cases.models import Case
from notifications.models import Message
from payments.models import Accrual
from proactive import services
from proactive.models import ProactiveOffer, RegistryEvent
from tests.factories import committed

from .conftest import VALID_IBAN, birth_event, link_token, mother

pytestmark = pytest.mark.django_db
OS = ProactiveOffer.Status


def offer_for(world, gateway, *, consent: bool) -> ProactiveOffer:
    person = mother(world, gateway, consent=consent)
    assert birth_event(gateway, person).status_code == 201
    with committed():
        services.feed_poll()
    return ProactiveOffer.objects.get(applicant=person)


def test_a_consenting_mother_gets_a_message_accepts_online_and_the_robot_grants(rules, gateway):
    offer = offer_for(rules, gateway, consent=True)
    assert (offer.status, offer.offered_via) == (OS.OFFERED, "message")
    message = Message.objects.get(template="proactive_offer")
    assert message.recipient == "+380671112233" and message.case is None
    token = link_token(message.text)
    client = Client()
    page = client.get(f"/status/offer/{token}/")
    assert page.status_code == 200 and "Агов" not in page.content.decode()
    # Nothing ticked: refused, nothing made.
    assert client.post(f"/status/offer/{token}/", {"answer": "accept", "iban": VALID_IBAN}).status_code == 400
    assert not Case.objects.exists()
    assert client.post(f"/status/offer/{token}/", {"answer": "accept", "agree": "1", "iban": "UA00"}).status_code == 400
    assert not Case.objects.exists()
    with committed():
        r = client.post(f"/status/offer/{token}/", {"answer": "accept", "agree": "1", "iban": VALID_IBAN})
    assert r.status_code == 302
    offer.refresh_from_db()
    assert (offer.status, offer.consent_by, offer.consent_channel, offer.accepted_by) == (
        OS.ACCEPTED,
        "applicant",
        "online",
        None,
    )
    case = offer.application.cases.get()
    assert (case.channel, case.application.channel) == ("proactive", "proactive")
    assert (case.status, case.decision, case.decided_by.username) == (Case.Status.DECIDED, "granted", "robot")
    # Accepted online, no front-office work: no fee for any community.
    assert not Accrual.objects.filter(case=case).exists()
    assert "Marko" not in client.get(f"/status/offer/{token}/").content.decode()  # the page now shows the outcome
    # The link again: nothing more happens.
    assert client.post(f"/status/offer/{token}/", {"answer": "accept", "agree": "1"}).status_code == 409
    assert Case.objects.count() == 1


def test_without_consent_the_offer_waits_on_the_clerks_list_and_the_clerk_accepts(rules, gateway):
    offer = offer_for(rules, gateway, consent=False)
    assert (offer.status, offer.offered_via) == (OS.OFFERED, "work_list")
    assert not Message.objects.filter(template="proactive_offer").exists()
    clerk = Client()
    clerk.force_login(rules.clerk_a)
    page = clerk.get("/proactive/")
    assert page.status_code == 200 and offer.applicant.last_name in page.content.decode()
    other = Client()
    other.force_login(rules.clerk_b)
    assert offer.applicant.last_name not in other.get("/proactive/").content.decode()
    assert other.post(f"/proactive/{offer.pk}/accept/", {"by": "applicant", "channel": "phone"}).status_code == 404
    data = {"by": "applicant", "channel": "phone", "note": "called, agreed", "iban": VALID_IBAN}
    with committed():
        assert clerk.post(f"/proactive/{offer.pk}/accept/", data).status_code == 302
    offer.refresh_from_db()
    assert (offer.status, offer.accepted_by, offer.consent_channel) == (OS.ACCEPTED, rules.clerk_a, "phone")
    case = offer.application.cases.get()
    assert case.created_by == rules.clerk_a and case.channel == "proactive"
    assert (case.status, case.decision) == (Case.Status.DECIDED, "granted")
    # The clerk took the consent: an intake of the community, the fee accrues.
    assert Accrual.objects.filter(case=case, community=case.community).count() == 1


def test_api_list_is_scoped_and_filtered(rules, gateway):
    offer = offer_for(rules, gateway, consent=False)
    api = Client()
    api.force_login(rules.clerk_a)
    response = api.get("/api/v1/offers/")
    body = response.json()
    assert isinstance(body, list) and len(body) == 1 and response["X-Total-Count"] == "1"
    row = body[0]
    assert set(row) >= {"id", "applicant", "service", "status", "detected_at", "event", "explanation"}
    assert (row["id"], row["service"], row["status"], row["event"]["type"]) == (
        offer.pk,
        "childbirth",
        "offered",
        "birth_registered",
    )
    assert row["explanation"]["rules_version"] == "childbirth/2026.1"
    assert api.get("/api/v1/offers/?status=declined").json() == []
    assert api.get("/api/v1/offers/?service=low_income").json() == []
    assert api.get("/api/v1/offers/?status=nonsense").status_code == 400
    for user in (rules.clerk_b, rules.specialist, rules.accountant):
        c = Client()
        c.force_login(user)
        assert c.get("/api/v1/offers/").json() == []
        assert (
            c.post(f"/api/v1/offers/{offer.pk}/decline/", {"reason": "x"}, content_type="application/json").status_code
            == 404
        )
    assert Client().get("/api/v1/offers/").status_code == 401


def test_api_accept_makes_the_application_and_bad_consent_makes_nothing(rules, gateway):
    offer = offer_for(rules, gateway, consent=False)
    api = Client()
    api.force_login(rules.clerk_a)
    url = f"/api/v1/offers/{offer.pk}/accept/"
    for body in (
        {},
        {"consent": {"by": "neighbour", "channel": "phone"}},
        {"consent": {"by": "representative", "channel": "visit"}},
        {"consent": {"by": "applicant", "channel": "phone"}, "iban": "UA123"},
    ):
        r = api.post(url, body, content_type="application/json")
        assert r.status_code == 400, body
        assert r.json()["code"] == "invalid_input"
    assert not Case.objects.exists()
    offer.refresh_from_db()
    assert offer.status == OS.OFFERED
    with committed():
        r = api.post(
            url,
            {"consent": {"by": "representative", "channel": "visit", "note": "son, power of attorney 12"}},
            content_type="application/json",
        )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["offer"]["status"] == "accepted"
    assert body["application"]["channel"] == "proactive"
    (case,) = body["application"]["cases"]
    # No IBAN given: the bank details are missing, so the case waits as a draft for the clerk to add them.
    assert (case["service"], case["status"]) == ("childbirth", "draft")
    r = api.post(f"/api/v1/offers/{offer.pk}/decline/", {"reason": "changed mind"}, content_type="application/json")
    assert r.status_code == 409


def test_accepting_a_declined_or_expired_offer_is_409_with_the_reason(rules, gateway):
    offer = offer_for(rules, gateway, consent=False)
    api = Client()
    api.force_login(rules.clerk_a)
    assert api.post(f"/api/v1/offers/{offer.pk}/decline/", {}, content_type="application/json").status_code == 400
    r = api.post(
        f"/api/v1/offers/{offer.pk}/decline/", {"reason": "already paid abroad"}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["decline_reason"] == "already paid abroad"
    consent = {"consent": {"by": "applicant", "channel": "phone"}}
    r = api.post(f"/api/v1/offers/{offer.pk}/accept/", consent, content_type="application/json")
    assert r.status_code == 409
    assert (r.json()["code"], r.json()["reason"]) == ("transition_not_allowed", "already paid abroad")

    second = ProactiveOffer.objects.create(
        applicant=offer.applicant,
        service_type=offer.service_type,
        community=offer.community,
        reason="r",
        status=OS.OFFERED,
        expires_on=clock.today() - timedelta(days=1),
    )
    # Past its date but not yet marked: refused all the same, then the daily job expires it.
    r = api.post(f"/api/v1/offers/{second.pk}/accept/", consent, content_type="application/json")
    assert r.status_code == 409 and r.json()["code"] == "transition_not_allowed"
    assert services.offers_expire() == 1
    second.refresh_from_db()
    assert second.status == OS.EXPIRED and second.events.last().action == "expire"
    r = api.post(f"/api/v1/offers/{second.pk}/accept/", consent, content_type="application/json")
    assert r.status_code == 409 and second.expires_on.strftime("%d.%m.%Y") in r.json()["reason"]
    assert not Case.objects.exists()


def test_every_detection_is_in_the_persons_data_access_log(rules, gateway):
    from proactive.selectors import detections_for_the_person

    offer = offer_for(rules, gateway, consent=False)
    case = Case(applicant=offer.applicant)
    rows = detections_for_the_person(cases=[case])
    assert len(rows) == 1 and rows[0]["at"] == offer.detected_at
    assert RegistryEvent.objects.get().applicant == offer.applicant


def test_renewal_or_proactive_cases_without_front_office_work_do_not_accrue(rules):
    from payments.services.ledger import accrues
    from proactive.services import system_user
    from tests.factories import make_case

    case = make_case(rules, Case.Status.DRAFT)
    assert accrues(case)  # an in-person case: always an intake
    Case.objects.filter(pk=case.pk).update(channel="renewal", created_by=system_user())
    case.refresh_from_db()
    case.application.created_by = system_user()
    case.application.save()
    case.documents.update(created_by=system_user())
    assert not accrues(case)
    from tests.factories import add_document

    add_document(case, rules.clerk_a, case.service_type.checklist.first().document_types.first())
    assert accrues(case)  # a clerk added a document: front-office work


def test_the_ministry_dashboard(rules, gateway):
    offer = offer_for(rules, gateway, consent=True)
    token = link_token(Message.objects.get(template="proactive_offer").text)
    with committed():
        Client().post(f"/status/offer/{token}/", {"answer": "accept", "agree": "1", "iban": VALID_IBAN})
    from proactive.dashboard import figures

    (month,) = [m for m in figures() if m["proactive"]]
    assert month["proactive"] == 1 and month["accepted"] == 1
    assert month["automatic_share"] == 100 and month["median_days"] is not None
    ministry = Client()
    ministry.force_login(rules.accountant)
    assert ministry.get("/proactive/dashboard/").status_code == 200
    clerk = Client()
    clerk.force_login(rules.clerk_a)
    assert clerk.get("/proactive/dashboard/").status_code == 404
    assert offer.pk


def test_the_work_list_answers_in_a_constant_number_of_queries(rules, gateway, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    clerk = Client()
    clerk.force_login(rules.clerk_a)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert clerk.get("/proactive/").status_code == 200
        return len(queries)

    offer_for(rules, gateway, consent=False)
    few = count()
    for n in range(4):
        person = mother(rules, gateway, consent=False)
        birth_event(gateway, person, act=f"6{n}/2026")
    with committed():
        services.feed_poll()
    assert ProactiveOffer.objects.count() == 5
    assert count() == few
    with django_assert_max_num_queries(15):
        clerk.get("/proactive/")
