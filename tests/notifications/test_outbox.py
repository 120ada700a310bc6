"""The outbox: messages on submit, request for information and decision; consent and opting out; the staff API;
the embedded default's /_outbox/; the TurboSMS client against its stand-in over real HTTP."""

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from backoffice import services as back
from cases.models import Case
from frontoffice import services as front
from notifications import services
from notifications.models import Message
from notifications.phones import normalize_phone, validate_ua_mobile
from tests.factories import committed, fill_checklist, make_case

S = Case.Status
PHONE = "+380671234567"


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _with_contact(world, *, channel="sms", consent=True, language="uk"):
    case = make_case(world)
    services.contact_set(
        applicant=case.applicant,
        by=world.clerk_a,
        phone="067 123 45 67",
        channel=channel,
        language=language,
        consent=consent,
    )
    fill_checklist(case, world.clerk_a)
    return case


def _submit(world, case):
    with committed():
        return front.case_submit(case=case, by=world.clerk_a)


def test_phone_numbers_are_checked_as_ukrainian():
    assert normalize_phone("067 123 45 67") == PHONE
    assert normalize_phone("+380 (67) 123-45-67") == PHONE
    assert normalize_phone("+48 123 456 789") is None
    assert normalize_phone("12345") is None
    with pytest.raises(ValidationError):
        validate_ua_mobile("044 123 45 67")  # a Kyiv landline cannot take an SMS


def test_submit_sends_the_receipt_number_and_staff_see_it(world, english):
    case = _submit(world, _with_contact(world, language="en"))
    message = Message.objects.get(case=case)
    assert message.template == "submitted" and message.recipient == PHONE and message.channel == "sms"
    assert case.number in message.text and message.status == Message.Status.SENT and message.attempts == 1
    rows = _api(world.clerk_a).get(f"/api/v1/notifications/?case={case.pk}").json()
    assert [r["template"] for r in rows] == ["submitted"]
    assert set(rows[0]) == {"id", "to", "channel", "template", "text", "status", "attempts", "created_at"}
    assert _api(world.specialist).get(f"/api/v1/notifications/?case={case.pk}").status_code == 200
    assert _api(world.clerk_c).get(f"/api/v1/notifications/?case={case.pk}").status_code == 404
    assert _api(world.accountant).get(f"/api/v1/notifications/?case={case.pk}").status_code == 404
    assert _api(world.clerk_a).get("/api/v1/notifications/").status_code == 400
    assert APIClient().get(f"/api/v1/notifications/?case={case.pk}").status_code == 401


def test_nothing_without_consent_or_after_opting_out(world):
    case = _submit(world, _with_contact(world, consent=False))
    assert not Message.objects.filter(case=case).exists()
    case2 = _with_contact(world)
    services.contact_opt_out(applicant=case2.applicant)
    _submit(world, case2)
    assert not Message.objects.filter(case=case2).exists()


def test_request_for_information_and_decision_send_one_message_each(world):
    case = _submit(world, _with_contact(world))
    case = back.case_claim(case=case, by=world.specialist)
    with committed():
        case = back.case_request_info(case=case, by=world.specialist, message="income certificate is illegible")
    info = Message.objects.get(case=case, template="info_requested")
    assert "/status/upload/" in info.text and "income certificate" in info.text
    with committed():
        case = front.case_resubmit(case=case, by=world.clerk_a)
    case = back.case_claim(case=case, by=world.specialist)
    case = back.case_accept(case=case, by=world.specialist)
    with committed():
        case = back.case_decide(case=case, by=world.specialist, decision="granted", reason="eligible")
    assert list(Message.objects.filter(case=case).order_by("pk").values_list("template", flat=True)) == [
        "submitted",
        "info_requested",
        "decided",
    ]


def test_a_refusal_waiting_for_the_head_sends_nothing_until_approved(world):
    case = _submit(world, _with_contact(world))
    case = back.case_accept(case=back.case_claim(case=case, by=world.specialist), by=world.specialist)
    ground = case.service_type.refusal_grounds.first()
    with committed():
        case = back.case_decide(case=case, by=world.specialist, decision="refused", grounds=[ground], reason="x")
    assert case.status == S.REFUSAL_PENDING
    assert not Message.objects.filter(case=case, template="decided").exists()
    with committed():
        back.case_approve_refusal(case=case, by=world.head)
    assert Message.objects.filter(case=case, template="decided").count() == 1


def test_the_embedded_outbox_shows_everything_newest_first_codes_included(world, client):
    case = _submit(world, _with_contact(world))
    with committed():
        services.message_queue(
            case=case,
            recipient=PHONE,
            channel="sms",
            template="status_code",
            language="uk",
            context={"code": "123456", "minutes": 10},
            secret=True,
        )
    rows = client.get("/_outbox/messages.json").json()
    assert [set(r) for r in rows] == [{"to", "channel", "text", "created_at"}] * 2
    assert "123456" in rows[0]["text"] and case.number in rows[1]["text"]
    assert client.get("/_outbox/").status_code == 200
    staff = _api(world.clerk_a).get(f"/api/v1/notifications/?case={case.pk}").json()
    assert all("123456" not in r["text"] for r in staff) and len(staff) == 1


def test_the_outbox_is_not_served_with_a_real_provider(world, client, turbosms):
    assert client.get("/_outbox/messages.json").status_code == 404
    assert client.get("/_outbox/").status_code == 404


def test_turbosms_sends_over_http_and_reports_delivery(world, turbosms):
    case = _submit(world, _with_contact(world))
    message = Message.objects.get(case=case)
    assert message.status == Message.Status.SENT and message.provider == "turbosms"
    [sent] = turbosms.received
    assert sent["recipients"] == ["380671234567"] and sent["sms"]["text"] == message.text
    assert message.provider_message_id == sent["id"] and "viber" not in sent
    turbosms.deliver_all()
    assert services.message_poll_delivery() == 1
    message.refresh_from_db()
    assert message.status == Message.Status.DELIVERED and message.delivered_at is not None


def test_viber_goes_with_an_sms_fallback_in_one_request(world, turbosms):
    _submit(world, _with_contact(world, channel="viber"))
    [sent] = turbosms.received
    assert sent["viber"]["text"] == sent["sms"]["text"]


def test_a_provider_that_is_down_keeps_messages_queued_until_it_is_back(world, turbosms):
    turbosms.down = True
    case = _submit(world, _with_contact(world))
    message = Message.objects.get(case=case)
    assert message.status == Message.Status.QUEUED and message.attempts == 1 and "503" in message.last_error
    assert services.message_requeue_stale(older_than_seconds=0) == 1  # still down: tried again, still queued
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED and message.attempts == 2
    turbosms.down = False
    services.message_requeue_stale(older_than_seconds=0)
    message.refresh_from_db()
    assert message.status == Message.Status.SENT and message.attempts == 3 and len(turbosms.received) == 1
    assert services.message_requeue_stale(older_than_seconds=0) == 0


def test_a_refused_number_fails_and_staff_see_it(world, turbosms):
    turbosms.refused.add("380671234567")
    case = _submit(world, _with_contact(world))
    [row] = _api(world.clerk_a).get(f"/api/v1/notifications/?case={case.pk}").json()
    assert row["status"] == "failed" and row["attempts"] == 1


def test_a_wrong_token_keeps_messages_waiting(world, turbosms, settings):
    settings.TURBOSMS_TOKEN = "wrong"
    case = _submit(world, _with_contact(world))
    message = Message.objects.get(case=case)
    assert message.status == Message.Status.QUEUED and "103" in message.last_error


def test_sending_twice_sends_once(world, turbosms):
    case = _submit(world, _with_contact(world))
    message = Message.objects.get(case=case)
    assert services.message_send(message_id=message.pk) == "skip"
    assert len(turbosms.received) == 1


def test_email_goes_through_djangos_mail_backend(world, settings, mailoutbox):
    settings.NOTIFY_EMAIL_BACKEND = "django"
    case = make_case(world)
    services.contact_set(
        applicant=case.applicant, by=world.clerk_a, email="olena@example.org", channel="email", consent=True
    )
    fill_checklist(case, world.clerk_a)
    _submit(world, case)
    [mail] = mailoutbox
    message = Message.objects.get(case=case)
    assert mail.to == ["olena@example.org"] and mail.body == message.text
    assert message.status == Message.Status.SENT and message.provider_message_id == mail.extra_headers["Message-ID"]


def test_a_clerk_records_the_contact_with_consent_and_the_opt_out(world):
    case = make_case(world)
    url = f"/api/v1/notifications/contacts/{case.applicant_id}/"
    clerk = _api(world.clerk_a)
    bad = clerk.put(url, {"phone": "12345", "consent": True}, format="json")
    assert bad.status_code == 400 and "phone" in bad.json()
    ok = clerk.put(url, {"phone": "067 123 45 67", "channel": "viber", "consent": True}, format="json")
    assert ok.status_code == 200 and ok.json()["phone"] == PHONE and ok.json()["reachable"] is True
    assert _api(world.clerk_c).get(url).status_code == 404
    assert _api(world.specialist).put(url, {"phone": PHONE, "consent": True}, format="json").status_code in (404, 409)
    off = clerk.put(url, {"phone": PHONE, "consent": False}, format="json").json()
    assert off["reachable"] is False and off["opted_out_at"]
    fill_checklist(case, world.clerk_a)
    _submit(world, case)
    assert not Message.objects.filter(case=case).exists()


def test_the_case_page_partial_lists_messages_and_their_status(world, turbosms):
    from django.template import Context, Template

    case = _submit(world, _with_contact(world))
    turbosms.down = True
    services.message_queue(
        case=case,
        recipient=PHONE,
        channel="sms",
        template="status_code",
        language="uk",
        context={"code": "987654", "minutes": 10},
        secret=True,
    )
    html = Template("{% load notifications %}{% case_messages case %}").render(Context({"case": case}))
    assert case.number in html and "987654" not in html
