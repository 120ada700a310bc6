"""The front office's API contract: paths, fields, status codes and what each call leaves in the database."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Applicant, Case, CaseEvent, Document, IdempotencyKey, Page, SourceFile
from cases.validators import RNOKPP_EPOCH, rnokpp_check_digit
from tests.conftest import stored_files
from tests.factories import applicant, committed, fill_checklist, image_bytes, make_case

pytestmark = pytest.mark.django_db
S = Case.Status


def rnokpp_for(birth: dt.date, serial: str = "0123") -> str:
    first_nine = f"{(birth - RNOKPP_EPOCH).days:05d}{serial}"
    return first_nine + str(rnokpp_check_digit(first_nine))


def png(name="scan.png", **kw):
    return SimpleUploadedFile(name, image_bytes(**kw), content_type="image/png")


def test_token_then_list_service_types(world, client, api_for):
    response = client.post("/api/v1/auth/token/", {"username": "clerk_a", "password": "test-password-123"})
    assert response.status_code == 200 and response.json()["token"]
    body = api_for(world.clerk_a).get("/api/v1/service-types/?page_size=2").json()
    assert len(body["results"]) == 2
    assert {"document_types", "min_pages"} <= set(body["results"][0]["checklist"][0])


def test_token_with_wrong_credentials_is_401_with_a_challenge_and_a_missing_field_400(world, client):
    response = client.post("/api/v1/auth/token/", {"username": "clerk_a", "password": "not-the-password"})
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    assert response.json()["code"] == "invalid_credentials" and response.json()["detail"]
    response = client.post("/api/v1/auth/token/", {"username": "clerk_a"})
    assert response.status_code == 400 and "password" in response.json()


def test_register_applicant(clerk_api, world):
    birth = dt.date(1990, 5, 17)
    response = clerk_api.post(
        "/api/v1/applicants/",
        {"last_name": "Коваленко", "first_name": "Петро", "birth_date": birth.isoformat(), "rnokpp": rnokpp_for(birth)},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["id"] and body["rnokpp"] == rnokpp_for(birth)
    assert Applicant.objects.get(pk=body["id"]).registered_at == world.fo_a


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"passport_kind": "booklet", "passport_number": "AB12"}, "passport_number"),
        ({"rnokpp": "12345"}, "rnokpp"),
        ({}, "passport_number"),  # neither RNOKPP nor passport
        ({"birth_date": "not a date"}, "birth_date"),
    ],
)
def test_register_applicant_field_errors(clerk_api, data, field):
    payload = {"last_name": "Коваленко", "first_name": "Петро", "birth_date": "1990-05-17", **data}
    response = clerk_api.post("/api/v1/applicants/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Applicant.objects.filter(last_name="Коваленко").exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"rnokpp": "1234567890"}, "rnokpp"),  # wrong check digit
        ({"rnokpp": "1234567890", "birth_date": None}, "rnokpp"),  # ... so no date of birth to take from it
        ({"rnokpp": rnokpp_for(dt.date(1991, 1, 1))}, "rnokpp"),  # another birth date
        ({"unzr": "19910101-00012", "rnokpp": rnokpp_for(dt.date(1990, 5, 17))}, "unzr"),  # another birth date
        ({"passport_kind": "booklet", "passport_number": "123456789"}, "passport_number"),  # an ID card's number
        ({"passport_kind": "id_card", "passport_number": "АВ123456"}, "passport_number"),  # a booklet's number
        ({"rnokpp": None, "passport_number": "123456789", "birth_date": "2999-01-01"}, "birth_date"),
    ],
)
def test_register_applicant_values_that_disagree_are_a_409(clerk_api, data, field):
    payload = {"last_name": "Коваленко", "first_name": "Петро", "birth_date": "1990-05-17", **data}
    response = clerk_api.post("/api/v1/applicants/", payload, format="json")
    assert response.status_code == 409, response.json()
    body = response.json()
    assert body["code"] == "identity_conflict" and body["detail"] and field in body["errors"]
    assert not Applicant.objects.filter(last_name="Коваленко").exists()


def test_register_twice_with_the_same_rnokpp_is_a_409_that_finds_the_person(clerk_api):
    birth = dt.date(1990, 5, 17)
    payload = {"last_name": "А", "first_name": "Б", "birth_date": "1990-05-17", "rnokpp": rnokpp_for(birth)}
    first = clerk_api.post("/api/v1/applicants/", payload, format="json")
    assert first.status_code == 201
    response = clerk_api.post("/api/v1/applicants/", payload, format="json")
    assert response.status_code == 409 and response.json()["code"] == "applicant_exists"
    found = clerk_api.get(response.json()["existing"]).json()["results"]
    assert [p["id"] for p in found] == [first.json()["id"]]
    assert clerk_api.post("/api/v1/applicants/", payload).status_code == 415  # JSON only


def test_applicant_search_by_identifier_reaches_other_communities_but_lists_do_not(world, api_for):
    person = applicant(world, clerk=world.clerk_c, front_office=world.fo_c)
    api = api_for(world.clerk_a)
    assert api.get("/api/v1/applicants/").json()["count"] == 0
    found = api.get(f"/api/v1/applicants/?passport_number={person.passport_number}").json()
    assert [a["id"] for a in found["results"]] == [person.pk]
    by_name = api.get("/api/v1/applicants/?last_name=Шевченко&birth_date=1984-01-02").json()
    assert by_name["count"] == 0
    assert api.get(f"/api/v1/applicants/{person.pk}/").status_code == 404
    # A back-office user finds nobody by identifier.
    assert (
        api_for(world.specialist).get(f"/api/v1/applicants/?passport_number={person.passport_number}").json()["count"]
        == 0
    )


def test_open_case(clerk_api, world):
    person = applicant(world)
    response = clerk_api.post("/api/v1/cases/", {"applicant": person.pk, "service_type": "low_income"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft" and body["number"].startswith(world.a.katottg)
    assert body["documents"] == [] and body["events"][0]["action"] == "open"
    assert body["ready_to_submit"] is False and all(not line["satisfied"] for line in body["checklist"])


def test_open_case_for_someone_from_another_community_needs_their_identifier(world, clerk_api):
    person = applicant(world, clerk=world.clerk_c, front_office=world.fo_c)
    payload = {"applicant": person.pk, "service_type": "low_income"}
    assert clerk_api.post("/api/v1/cases/", payload, format="json").status_code == 404
    payload["identifier"] = person.passport_number
    assert clerk_api.post("/api/v1/cases/", payload, format="json").status_code == 201


def test_duplicate_open_case_needs_a_reason(clerk_api, world):
    person = applicant(world)
    payload = {"applicant": person.pk, "service_type": "low_income"}
    first = clerk_api.post("/api/v1/cases/", payload, format="json").json()
    response = clerk_api.post("/api/v1/cases/", payload, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_open_case" and response.json()["existing"] == [first["number"]]
    assert Case.objects.filter(applicant=person).count() == 1
    payload["duplicate_reason"] = "Інший член родини"
    assert clerk_api.post("/api/v1/cases/", payload, format="json").status_code == 201


@pytest.mark.parametrize(
    ("payload", "status"),
    [({"service_type": "low_income"}, 400), ({"applicant": 10**9, "service_type": "low_income"}, 404)],
)
def test_open_case_bad_input(clerk_api, world, payload, status):
    response = clerk_api.post("/api/v1/cases/", payload, format="json")
    assert response.status_code == status
    assert not Case.objects.exists()


def test_open_case_unknown_service(clerk_api, world):
    response = clerk_api.post("/api/v1/cases/", {"applicant": applicant(world).pk, "service_type": "x"}, format="json")
    assert response.status_code == 400 and "service_type" in response.json()


def test_case_list_is_scoped_and_paginated(world, api_for):
    mine = [make_case(world) for _ in range(3)]
    make_case(world, community="c")
    body = api_for(world.clerk_a).get("/api/v1/cases/?page_size=2").json()
    assert body["count"] == 3 and len(body["results"]) == 2
    assert {"id", "number", "status", "service_type"} <= set(body["results"][0])
    assert api_for(world.clerk_a).get("/api/v1/cases/?status=submitted").json()["count"] == 0
    other = Case.objects.get(community=world.c)
    assert api_for(world.clerk_a).get(f"/api/v1/cases/{other.pk}/").status_code == 404
    assert api_for(world.clerk_a).get(f"/api/v1/cases/{mine[0].pk}/").status_code == 200


def test_case_detail_query_count_is_constant(world, clerk_api, django_assert_max_num_queries):
    case = make_case(world, S.SUBMITTED)
    with django_assert_max_num_queries(14):
        body = clerk_api.get(f"/api/v1/cases/{case.pk}/").json()
    pages = [p for d in body["documents"] for p in d["pages"]]
    assert pages and all(p["status"] == "ready" and p["thumbnail_url"] for p in pages)
    assert [e["action"] for e in body["events"]] == ["open", "submit"]


def test_case_list_query_count_is_constant(world, clerk_api, django_assert_max_num_queries):
    for _ in range(4):
        make_case(world)
    with django_assert_max_num_queries(6):
        assert clerk_api.get("/api/v1/cases/").json()["count"] == 4


def test_upload_document_then_pages_are_processed(world, clerk_api, media_root):
    case = make_case(world)
    with committed():
        response = clerk_api.post(
            f"/api/v1/cases/{case.pk}/documents/",
            {"document_type": "passport", "file": [png("a.png"), png("b.png")]},
            format="multipart",
        )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["document_type"] == "passport" and len(body["pages"]) == 2
    detail = clerk_api.get(f"/api/v1/cases/{case.pk}/").json()
    assert all(p["status"] == "ready" for p in detail["documents"][0]["pages"])
    assert SourceFile.objects.filter(case=case).count() == 2


def test_refused_upload_leaves_nothing(world, clerk_api, media_root):
    case = make_case(world)
    bad = SimpleUploadedFile("photo.jpg", b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", content_type="image/jpeg")
    response = clerk_api.post(
        f"/api/v1/cases/{case.pk}/documents/", {"document_type": "passport", "file": [png(), bad]}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "file_rejected" and "photo.jpg" in response.json()["detail"]
    assert not Document.objects.exists() and not SourceFile.objects.exists() and not Page.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.parametrize(
    ("data", "field"), [({"document_type": "nope"}, "document_type"), ({"document_type": "passport"}, "file")]
)
def test_upload_bad_input(world, clerk_api, data, field):
    case = make_case(world)
    files = {"file": [png()]} if field != "file" else {}
    response = clerk_api.post(f"/api/v1/cases/{case.pk}/documents/", {**data, **files}, format="multipart")
    assert response.status_code == 400 and field in response.json()


def test_upload_to_a_submitted_case_is_409(world, clerk_api):
    case = make_case(world, S.SUBMITTED)
    response = clerk_api.post(f"/api/v1/cases/{case.pk}/documents/", {"file": [png()]}, format="multipart")
    assert response.status_code == 409 and response.json()["code"] == "transition_not_allowed"


def test_same_file_twice_in_a_case_is_recognised(world, clerk_api):
    case = make_case(world)
    content = image_bytes()
    url = f"/api/v1/cases/{case.pk}/documents/"
    assert clerk_api.post(url, {"file": [SimpleUploadedFile("a.png", content)]}, format="multipart").status_code == 201
    response = clerk_api.post(url, {"file": [SimpleUploadedFile("b.png", content)]}, format="multipart")
    assert response.status_code == 400 and response.json()["code"] == "duplicate_file"
    assert "a.png" in response.json()["detail"]


def test_submit_incomplete_is_409_with_missing_items(world, clerk_api):
    case = make_case(world)
    response = clerk_api.post(f"/api/v1/cases/{case.pk}/submit/")
    assert response.status_code == 409
    assert response.json()["code"] == "checklist_incomplete" and response.json()["missing"]
    case.refresh_from_db()
    assert case.status == S.DRAFT


def test_submit_with_pages_not_ready_is_409(world, clerk_api):
    case = make_case(world)
    fill_checklist(case, world.clerk_a)
    Page.objects.filter(document__case=case).update(status=Page.Status.PENDING)
    response = clerk_api.post(f"/api/v1/cases/{case.pk}/submit/")
    assert response.status_code == 409 and response.json()["code"] == "pages_not_ready"


def test_submit_is_idempotent(world, clerk_api):
    case = make_case(world)
    fill_checklist(case, world.clerk_a)
    url = f"/api/v1/cases/{case.pk}/submit/"
    with committed():
        first = clerk_api.post(url, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 200 and first.json()["status"] == "submitted"
    again = clerk_api.post(url, HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 200 and again.json()["submitted_at"] == first.json()["submitted_at"]
    double_click = clerk_api.post(url)
    assert double_click.status_code == 200
    assert CaseEvent.objects.filter(case=case, action="submit").count() == 1
    assert IdempotencyKey.objects.filter(key="k-1").count() == 1
    other = make_case(world)
    fill_checklist(other, world.clerk_a)
    reused = clerk_api.post(f"/api/v1/cases/{other.pk}/submit/", HTTP_IDEMPOTENCY_KEY="k-1")
    assert reused.status_code == 400 and reused.json()["code"] == "invalid_input"


def test_receipt_pdf(world, clerk_api):
    draft = make_case(world)
    assert clerk_api.get(f"/api/v1/cases/{draft.pk}/receipt/").status_code == 409
    case = make_case(world, S.SUBMITTED)
    response = clerk_api.get(f"/api/v1/cases/{case.pk}/receipt/", HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_withdraw_needs_a_reason(world, clerk_api):
    case = make_case(world, S.SUBMITTED)
    url = f"/api/v1/cases/{case.pk}/withdraw/"
    response = clerk_api.post(url, {"reason": " "}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    response = clerk_api.post(url, {"reason": "Заявник передумав"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"


def test_resubmit_after_needs_info(world, clerk_api):
    case = make_case(world, S.NEEDS_INFO)
    url = f"/api/v1/cases/{case.pk}/resubmit/"
    with committed():
        response = clerk_api.post(url, {"note": "Додано довідку"}, format="json", HTTP_IDEMPOTENCY_KEY="r-1")
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    assert clerk_api.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="r-1").status_code == 200
    assert CaseEvent.objects.filter(case=case, action="resubmit").count() == 1


def test_hand_over_and_decision_notice(world, clerk_api):
    case = make_case(world, S.DECIDED)
    notice = clerk_api.get(f"/api/v1/cases/{case.pk}/decision-notice/")
    assert notice.status_code == 200 and notice.content.startswith(b"%PDF")
    response = clerk_api.post(f"/api/v1/cases/{case.pk}/hand-over/")
    assert response.status_code == 200 and response.json()["status"] == "closed"


@pytest.mark.parametrize(("status", "action"), [(S.DRAFT, "hand-over"), (S.DRAFT, "resubmit"), (S.CLOSED, "withdraw")])
def test_actions_not_allowed_now_are_409(world, clerk_api, status, action):
    case = make_case(world, status)
    response = clerk_api.post(f"/api/v1/cases/{case.pk}/{action}/", {"reason": "x"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "transition_not_allowed"
    assert response.json()["detail"]


def test_back_office_cannot_act_as_clerk(world, api_for):
    case = make_case(world, S.DECIDED)
    response = api_for(world.specialist).post(f"/api/v1/cases/{case.pk}/hand-over/")
    assert response.status_code == 409 and response.json()["code"] == "not_permitted"


def test_anonymous_is_401(client, world):
    assert client.get("/api/v1/cases/").status_code in (401, 403)


def test_schema_describes_the_contract_without_warnings(client, world, tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    client.force_login(world.clerk_a)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/applicants/"]) and {"get", "post"} <= set(paths["/api/v1/cases/"])
    for action in ("submit", "resubmit", "withdraw", "hand-over", "documents"):
        assert "post" in paths[f"/api/v1/cases/{{id}}/{action}/"], action
    upload = paths["/api/v1/cases/{id}/documents/"]["post"]
    body = upload["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[1]
    props = schema["components"]["schemas"][body]["properties"]
    assert props["file"]["type"] == "array" and props["file"]["items"]["format"] == "binary"
    assert "201" in upload["responses"] and "400" in upload["responses"]
    submit = paths["/api/v1/cases/{id}/submit/"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in submit["parameters"])
    assert "409" in submit["responses"]
    assert "application/pdf" in paths["/api/v1/cases/{id}/receipt/"]["get"]["responses"]["200"]["content"]
    detail = schema["components"]["schemas"]["FrontCaseDetail"]["properties"]
    assert {"id", "number", "status", "documents", "events", "checklist", "ready_to_submit"} <= set(detail)


def test_api_docs_are_served_from_our_own_static_files(client, world):
    client.force_login(world.clerk_a)
    html = client.get("/api/docs/").content.decode()
    assert (
        "swagger-ui-bundle.js" in html and "cdn" not in html and "http://" not in html.replace("http://testserver", "")
    )
    script = client.get("/api/docs/?script")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


@pytest.mark.parametrize(
    "query", ["applicant=abc", "front_office=x", "birth_date=yesterday&last_name=A", "page=zzz", "page_size=-1"]
)
def test_bad_query_parameters_are_400_or_ignored_never_500(clerk_api, world, query):
    url = "/api/v1/applicants/" if "birth_date" in query else "/api/v1/cases/"
    assert clerk_api.get(f"{url}?{query}").status_code in (200, 400, 404)


def test_unknown_ids_in_paths_are_404(clerk_api, world):
    for response in (clerk_api.get("/api/v1/cases/abc/"), clerk_api.post("/api/v1/cases/999999/submit/")):
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert clerk_api.post("/api/v1/cases/999999/documents/", {}, format="multipart").status_code == 404
