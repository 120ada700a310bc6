"""The phone link of a request for information: signed, one case, expires, closed after the resubmission; the
files go through the clerk's inspection and storage and the front office is told."""

import re
import time

import pytest

from backoffice import services as back
from cases.exceptions import LinkInvalid
from cases.models import Case, Document, InboxMessage, SourceFile
from frontoffice import services as front
from notifications import services as notify
from notifications.models import Message
from public import links
from tests.factories import committed, image_bytes, make_case, upload

S = Case.Status


def _needs_info(world):
    case = make_case(world, S.IN_REVIEW)
    notify.contact_set(applicant=case.applicant, by=world.clerk_a, phone="067 123 45 67", consent=True)
    item = case.service_type.checklist.first()
    with committed():
        case = back.case_request_info(case=case, by=world.specialist, message="income certificate", items=[item])
    text = Message.objects.get(case=case, template="info_requested").text
    path = re.search(r"(/status/upload/[^/\s]+/)", text).group(1)
    return case, path


def test_two_photos_from_a_phone_land_in_the_case_and_the_clerk_resubmits(world, client, english):
    case, path = _needs_info(world)
    page = client.get(path)
    assert page.status_code == 200 and "income certificate" in page.content.decode()
    before = Document.objects.filter(case=case).count()
    doc_type = case.service_type.checklist.first().document_types.first()
    with committed():
        response = client.post(
            path, {"document_type": doc_type.pk, "files": [upload(name="p1.jpg"), upload(name="p2.jpg")]}
        )
    assert response.status_code == 302
    document = Document.objects.filter(case=case).latest("pk")
    assert Document.objects.filter(case=case).count() == before + 1 and document.document_type == doc_type
    assert document.pages.count() == 2 and all(p.status == "ready" for p in document.pages.all())
    assert case.events.filter(action="phone_upload").exists()
    assert InboxMessage.objects.filter(case=case, text__contains="phone").exists()
    with committed():
        front.case_resubmit(case=case, by=world.clerk_a)
    assert client.get(path).status_code == 404  # used: the request is answered
    assert client.post(path, {"files": [upload()]}).status_code == 404


def test_the_same_file_twice_and_a_disguised_file_are_refused_with_nothing_stored(world, client, english):
    case, path = _needs_info(world)
    content = image_bytes()
    with committed():
        client.post(path, {"files": [upload(content, "a.png")]})
    count = SourceFile.objects.filter(case=case).count()
    response = client.post(path, {"files": [upload(content, "again.png")]})
    assert response.status_code == 400 and "already in this case" in response.content.decode()
    response = client.post(path, {"files": [upload(b"<html><script>x</script></html>", "photo.jpg")]})
    assert response.status_code == 400
    assert SourceFile.objects.filter(case=case).count() == count


def test_a_forged_expired_or_foreign_link_is_refused(world, client, settings):
    case, path = _needs_info(world)
    token = path.rstrip("/").rsplit("/", 1)[1]
    assert client.get(path[:-5] + "xxxx/").status_code == 404
    other, _other_path = _needs_info(world)
    with pytest.raises(LinkInvalid) as e:
        links.upload_link_check(token=token, case_id=other.pk)
    assert e.value.extra["reason"] == "other_case"
    assert links.upload_link_check(token=token, case_id=case.pk).case_id == case.pk
    settings.PUBLIC_UPLOAD_LINK_DAYS = 0
    time.sleep(1.1)
    with pytest.raises(LinkInvalid) as e:
        links.upload_link_check(token=token)
    assert e.value.extra["reason"] == "expired"
    assert client.get(path).status_code == 404


def test_an_application_taken_by_phone_gets_its_link_and_is_submitted_when_complete(world, client, english):
    from rest_framework.test import APIClient

    from tests.factories import applicant as new_applicant

    person = new_applicant(world)
    case = front.case_open(
        applicant=person, service_type=world.service, front_office=world.fo_a, by=world.clerk_a, channel="remote"
    )
    api = APIClient()
    api.force_authenticate(world.clerk_a)
    refused = api.post("/api/v1/public/remote-links/", {"case": case.pk}, format="json")
    assert refused.status_code == 400  # no consented contact yet
    notify.contact_set(applicant=person, by=world.clerk_a, phone="067 765 43 21", consent=True)
    other_clerk = APIClient()
    other_clerk.force_authenticate(world.clerk_c)
    assert other_clerk.post("/api/v1/public/remote-links/", {"case": case.pk}, format="json").status_code == 404
    with committed():
        assert api.post("/api/v1/public/remote-links/", {"case": case.pk}, format="json").status_code == 202
    text = Message.objects.get(case=case, template="remote_link").text
    path = re.search(r"(/status/upload/[^/\s]+/)", text).group(1)
    page = client.get(path)
    assert page.status_code == 200 and "Application form" in page.content.decode()
    for item in case.service_type.checklist.all():
        with committed():
            response = client.post(path, {"document_type": item.document_types.first().pk, "files": [upload()]})
        assert response.status_code == 302
    with committed():
        case = front.case_submit(case=case, by=world.clerk_a)
    assert case.status == S.SUBMITTED
    assert client.get(path).status_code == 404  # submitted: the link is closed
    in_person = make_case(world)
    assert api.post("/api/v1/public/remote-links/", {"case": in_person.pk}, format="json").status_code == 409
