import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Application, Bundle, Case
from tests.factories import applicant, committed, image_bytes

pytestmark = pytest.mark.django_db
S = Case.Status


def png(name="scan.png"):
    return SimpleUploadedFile(name, image_bytes(), "image/png")


def test_the_clerk_opens_a_birth_bundle_scans_once_submits_and_prints(world, client):
    client.force_login(world.clerk_a)
    person = applicant(world)
    page = client.get(f"/front/applicants/{person.pk}/")
    assert page.status_code == 200
    assert b'id="open-application"' in page.content and b'id="suggestions"' in page.content
    birth = Bundle.objects.get(code="birth")
    response = client.post(
        f"/front/applicants/{person.pk}/applications/new/",
        {"bundle": birth.pk, "services": ["childbirth", "single_parent", "guardianship"]},
    )
    application = Application.objects.get(applicant=person)
    assert response.status_code == 302 and response["Location"] == f"/front/applications/{application.pk}/"
    assert application.chosen_services == ["childbirth", "single_parent", "guardianship"]
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    for case in application.cases.all():
        assert case.number.encode() in detail.content
    files = {f"file_{code}": png() for code in ("application", "passport", "rnokpp", "birth", "bank")}
    with committed():
        client.post(f"/front/applications/{application.pk}/documents/", files)
    assert application.cases.order_by("pk").first().documents.count() == 5
    with committed():
        client.post(f"/front/applications/{application.pk}/submit/", {"idempotency_key": "x1"})
    statuses = {c.service_type.code: c.status for c in application.cases.all()}
    assert statuses == {"childbirth": S.SUBMITTED, "single_parent": S.DRAFT, "guardianship": S.DRAFT}
    receipt = client.get(f"/front/applications/{application.pk}/receipt.pdf")
    assert receipt.status_code == 200 and receipt.content.startswith(b"%PDF")


def test_another_communitys_application_page_is_a_404(world, client):
    from frontoffice import applications

    application = applications.application_open(
        applicant=applicant(world), front_office=world.fo_a, services=[world.service], by=world.clerk_a
    )
    client.force_login(world.clerk_c)
    for url in ("", "receipt.pdf"):
        assert client.get(f"/front/applications/{application.pk}/{url}").status_code == 404
    assert client.post(f"/front/applications/{application.pk}/submit/").status_code == 404
