"""One decision notice (``cases.pdf.decision_notice_pdf``): the front office's print and the applicant's download from
the status page are the same document, and both carry the explanation — each condition with its legal reference,
the rule version and the amount — as the case detail API's ``decision`` shows it."""

import re

import pypdfium2
import pytest

from cases.models import Case
from notifications import services as notify
from notifications.models import Message
from tests.factories import committed

from .helpers import months_ago, submitted_childbirth

pytestmark = pytest.mark.django_db
PHONE = "067 123 45 67"


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF")
    pdf = pypdfium2.PdfDocument(data)
    return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))


def front_office_notice(world, case, client) -> str:
    client.force_login(world.clerk_a)
    r = client.get(f"/front/cases/{case.pk}/decision-notice.pdf")
    assert r.status_code == 200, r.content[:300]
    client.logout()
    return pdf_text(b"".join(r.streaming_content) if r.streaming else r.content)


def status_page_notice(case, client) -> str:
    notify.contact_set(applicant=case.applicant, by=case.created_by, phone=PHONE, consent=True)
    with committed():
        assert client.post("/status/", {"receipt": case.number, "phone": PHONE}).status_code == 302
    code = re.search(r"\b(\d{6})\b", Message.objects.filter(template="status_code").latest("pk").text).group(1)
    assert client.post("/status/code/", {"code": code}).status_code == 302
    r = client.get(f"/status/notice/{case.number}.pdf")
    assert r.status_code == 200
    return pdf_text(b"".join(r.streaming_content) if r.streaming else r.content)


def explanation_of(client, world, case) -> dict:
    client.force_login(world.clerk_a)
    decision = client.get(f"/api/v1/cases/{case.pk}/").json()["decision"]
    client.logout()
    return decision


def test_both_prints_of_a_robot_grant_carry_its_explanation(rules, gateway, client, english):
    case = submitted_childbirth(rules, gateway, born=months_ago(2))
    assert case.status == Case.Status.DECIDED
    decision = explanation_of(client, rules, case)
    front = front_office_notice(rules, case, client)
    public = status_page_notice(case, client)
    for text in (front, public):
        assert "How the decision was reached (rules childbirth/2026.1)" in text
        assert "50 000.00" in text and "to grant the assistance" in text
        for line in decision["explanation"]:  # every condition, as the API words it, with its legal reference
            assert line["text"][:40] in text.replace("\n", " ").replace("\r", "")
            assert line["reference"][:25] in text.replace("\n", " ").replace("\r", "")
    assert front == public  # one writer: the same notice wherever it is printed
