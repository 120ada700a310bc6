import pytest

from cases.models import Application, Case, CaseEvent, Document, SourceFile
from registries.models import Registry, RegistryQuery
from tests.factories import applicant, committed, image_bytes, make_case

pytestmark = pytest.mark.django_db
S = Case.Status


def open_app(clerk_api, person, services=("low_income", "housing_subsidy"), **extra):
    return clerk_api.post(
        "/api/v1/applications/", {"applicant": person.pk, "services": list(services), **extra}, format="json"
    )


def scan(clerk_api, application_id, code):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with committed():
        return clerk_api.post(
            f"/api/v1/applications/{application_id}/documents/",
            {"document_type": code, "file": SimpleUploadedFile("scan.png", image_bytes(), "image/png")},
            format="multipart",
        )


def test_open_scan_once_submit_and_print_one_receipt(world, clerk_api):
    person = applicant(world)
    response = open_app(clerk_api, person)
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "number", "status", "cases"}
    assert body["status"] == "draft"
    assert [(c["service_type"], c["status"]) for c in body["cases"]] == [
        ("low_income", "draft"),
        ("housing_subsidy", "draft"),
    ]
    assert set(body["cases"][0]) == {"id", "number", "service_type", "status"}
    app_id = body["id"]
    for code in ("application", "passport", "declaration", "utilities"):
        assert scan(clerk_api, app_id, code).status_code == 201
    assert SourceFile.objects.filter(case__application_id=app_id).count() == 4

    response = clerk_api.post(f"/api/v1/applications/{app_id}/submit/", HTTP_IDEMPOTENCY_KEY="visit-1")
    assert response.status_code == 200, response.content
    assert [c["status"] for c in response.json()["cases"]] == ["draft", "submitted"]
    assert set(response.json()["cases"][0]) == {"id", "number", "status"}
    again = clerk_api.post(f"/api/v1/applications/{app_id}/submit/", HTTP_IDEMPOTENCY_KEY="visit-1")
    assert again.json() == response.json()
    housing = Case.objects.get(pk=body["cases"][1]["id"])
    assert CaseEvent.objects.filter(case=housing, action="submit").count() == 1
    assert Application.objects.get(pk=app_id).status == Application.Status.PARTLY_SUBMITTED

    receipt = clerk_api.get(f"/api/v1/applications/{app_id}/receipt/")
    assert receipt.status_code == 200 and receipt["Content-Type"] == "application/pdf"
    assert receipt.content.startswith(b"%PDF")


def test_bad_input_is_refused_with_a_clear_code_and_nothing_made(world, clerk_api):
    person = applicant(world)
    twice = open_app(clerk_api, person, services=("funeral", "funeral"))
    assert twice.status_code == 400 and twice.json()["code"] == "service_chosen_twice"
    unknown = open_app(clerk_api, person, services=("no_such",))
    assert unknown.status_code == 400 and "services" in unknown.json()
    young = applicant(world, birth_date=__import__("datetime").date(2020, 1, 1))
    refused = open_app(clerk_api, young, services=(), bundle="birth")
    assert refused.status_code == 400 and refused.json()["code"] == "bundle_not_allowed"
    assert not Case.objects.filter(applicant__in=[person, young]).exists()

    app_id = open_app(clerk_api, person).json()["id"]
    dup = open_app(clerk_api, person, services=("housing_subsidy",))
    assert dup.status_code == 409 and dup.json()["code"] == "duplicate_open_case"
    not_needed = scan(clerk_api, app_id, "death")
    assert not_needed.status_code == 400 and not_needed.json()["code"] == "document_type_not_needed"
    assert not Document.objects.filter(case__application_id=app_id).exists()
    again = clerk_api.post(f"/api/v1/applications/{app_id}/services/", {"service": "low_income"}, format="json")
    assert again.status_code == 400 and again.json()["code"] == "service_chosen_twice"


def test_adding_a_service(world, clerk_api):
    app_id = open_app(clerk_api, applicant(world), services=("low_income",)).json()["id"]
    response = clerk_api.post(f"/api/v1/applications/{app_id}/services/", {"service": "housing_subsidy"}, format="json")
    assert response.status_code == 201
    assert [c["service_type"] for c in response.json()["cases"]] == ["low_income", "housing_subsidy"]


def test_another_communitys_application_is_a_404(world, clerk_api, api_for):
    app_id = open_app(clerk_api, applicant(world)).json()["id"]
    other = api_for(world.clerk_c)
    for method, url in [
        ("post", f"/api/v1/applications/{app_id}/submit/"),
        ("post", f"/api/v1/applications/{app_id}/services/"),
        ("get", f"/api/v1/applications/{app_id}/receipt/"),
    ]:
        response = (
            getattr(other, method)(url, {"service": "funeral"}, format="json") if method == "post" else other.get(url)
        )
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"
    assert scan(other, app_id, "passport").status_code == 404
    assert Case.objects.filter(application_id=app_id).count() == 2


def test_suggestions_from_registry_answers(world, clerk_api):
    from cases import clock

    person = applicant(world)
    from registries.catalog import load_registries

    case = make_case(world)  # someone else's case, only to hang the queries on
    load_registries()
    today = clock.today()
    answers = {
        "dracs": {"births": [{"last_name": "Шевченко", "first_name": "Марко", "birth_date": today.isoformat()}]},
        "drfo": {"income": [{"month": "2026-09", "amount": "1500.00", "source": "tax"}]},
        "disability": {"group": "II", "since": "2020-01-01"},
    }
    for code, answer in answers.items():
        RegistryQuery.objects.create(
            registry=Registry.objects.get(code=code),
            case=case,
            applicant=person,
            purpose="test",
            status=RegistryQuery.Status.ANSWERED,
            answer=answer,
            due_at=today,
            answered_at=clock.now(),
        )
    make_case_for = __import__("frontoffice.services", fromlist=["case_open"]).case_open
    make_case_for(
        applicant=person, service_type=world.service, front_office=world.fo_a, by=world.clerk_a
    )  # low_income open
    response = clerk_api.get(f"/api/v1/applicants/{person.pk}/suggestions/")
    assert response.status_code == 200
    rows = {r["service"]: r for r in response.json()}
    assert set(rows) == {"childbirth", "housing_subsidy", "disability"}  # low_income has an open case
    assert set(rows["childbirth"]) == {"service", "reason", "satisfied", "required"}
    assert "ДРАЦС" in rows["childbirth"]["reason"]
    assert rows["childbirth"]["required"] == 5
    # the dracs answer stands in for the birth certificate, drfo for the income certificate (not in childbirth)
    assert rows["childbirth"]["satisfied"] >= 1
    assert api_404(world, person)


def api_404(world, person):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    token, _ = Token.objects.get_or_create(user=world.clerk_c)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client.get(f"/api/v1/applicants/{person.pk}/suggestions/").status_code == 404
