"""The batch API as an integrator sees it: 202 then poll, per-page outcomes, sheets as PDFs, errors as
{"code", "detail"}, other communities' batches and cases invisible."""

import pytest
import zxingcpp
from rest_framework.test import APIClient

from cases.models import DocumentType
from frontoffice.batches import codes
from frontoffice.services import uploaded
from tests import corpus
from tests.factories import committed, make_case
from tests.frontoffice.batches.stacks import content, cover, render_pdf, stack_pdf

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def post_stack(client, *files, **extra):
    with committed():
        return client.post("/api/v1/scan-batches/", {"file": list(files), **extra}, format="multipart")


def test_post_a_stack_then_read_where_each_page_went(world):
    case = make_case(world)
    client = client_for(world.clerk_a)
    response = post_stack(client, uploaded(stack_pdf([content(), cover(case), content(), content()]), "s.pdf"))
    assert response.status_code == 202
    assert set(response.json()) == {"id", "status"}

    detail = client.get(f"/api/v1/scan-batches/{response.json()['id']}/").json()
    assert detail["status"] == "done" and detail["page_count"] == 4 and detail["pages_read"] == 4
    assert detail["routed_count"] == 2 and detail["unrouted_count"] == 1
    first, sheet, routed = detail["pages"][0], detail["pages"][1], detail["pages"][2]
    assert first["status"] == "unrouted" and first["reason"] == "no_cover" and first["reason_text"]
    assert first["case"] is None and first["document"] is None
    assert sheet["kind"] == "cover" and sheet["status"] == "dropped"
    assert codes.cover_payload(case.number) in sheet["barcodes"]
    assert routed["case"] == {"id": case.pk, "number": case.number}
    assert routed["document"] == {"id": case.documents.get().pk, "document_type": None}
    client.force_login(world.clerk_a)  # thumbnails are served by the session-checked file view, as the case's are
    assert client.get(routed["thumbnail_url"]).status_code == 200


def test_bad_files_answer_400_with_code_and_detail_and_store_nothing(world):
    client = client_for(world.clerk_a)
    for name in ("encrypted.pdf", "simple.zip"):
        response = post_stack(client, uploaded(corpus.bad(name), name))
        assert response.status_code == 400
        assert response.json()["code"] == "file_rejected" and name in response.json()["detail"]
    assert client.post("/api/v1/scan-batches/", {}, format="multipart").status_code == 400
    assert client.get("/api/v1/scan-batches/").json()["count"] == 0


def test_a_clerk_of_several_front_offices_says_which(world):
    from cases.models import Membership

    Membership.objects.create(user=world.clerk_a, role="clerk", front_office=world.fo_a2)
    client = client_for(world.clerk_a)
    assert post_stack(client, uploaded(stack_pdf([content()]), "s.pdf")).status_code == 400
    response = post_stack(client, uploaded(stack_pdf([content()]), "s.pdf"), front_office=world.fo_a2.pk)
    assert response.status_code == 202
    other = post_stack(client, uploaded(stack_pdf([content()]), "s.pdf"), front_office=world.fo_b.pk)
    assert (other.status_code, other.json()["code"]) == (404, "not_found")  # not among yours, as elsewhere


def test_batches_of_other_communities_are_404_and_non_clerks_cannot_upload(world):
    response = post_stack(client_for(world.clerk_a), uploaded(stack_pdf([content()]), "s.pdf"))
    batch_id = response.json()["id"]
    assert client_for(world.clerk_b).get(f"/api/v1/scan-batches/{batch_id}/").status_code == 404
    assert client_for(world.specialist).get(f"/api/v1/scan-batches/{batch_id}/").status_code == 404
    assert client_for(world.supervisor_a).get(f"/api/v1/scan-batches/{batch_id}/").status_code == 200
    assert client_for(world.clerk_b).get("/api/v1/scan-batches/").json()["count"] == 0
    refused = post_stack(client_for(world.supervisor_a), uploaded(stack_pdf([content()]), "s.pdf"))
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    assert APIClient().get(f"/api/v1/scan-batches/{batch_id}/").status_code in (401, 403)


def test_assign_and_discard_unrouted_pages(world):
    case = make_case(world)
    client = client_for(world.clerk_a)
    batch_id = post_stack(client, uploaded(stack_pdf([content(), content(), content()]), "s.pdf")).json()["id"]
    url = f"/api/v1/scan-batches/{batch_id}/"

    with committed():
        response = client.post(
            url + "assign/", {"pages": [1, 2], "case_number": case.number, "document_type": "income"}, format="json"
        )
    assert response.status_code == 200
    assert [p["status"] for p in response.json()["pages"]] == ["routed", "routed", "unrouted"]
    assert case.documents.get().document_type.code == "income"

    again = client.post(url + "assign/", {"pages": [1], "case": case.pk}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "transition_not_allowed"
    theirs = make_case(world, community="b")
    assert client.post(url + "assign/", {"pages": [3], "case": theirs.pk}, format="json").status_code == 404
    assert client.post(url + "assign/", {"pages": [3]}, format="json").status_code == 400

    response = client.post(url + "discard/", {"pages": [3]}, format="json")
    assert response.status_code == 200 and response.json()["pages"][2]["status"] == "discarded"
    assert response.json()["unrouted_count"] == 0


def test_cover_sheet_pdf_carries_the_case_number_in_a_qr_and_a_code_128(world):
    case = make_case(world)
    response = client_for(world.clerk_a).get(f"/api/v1/cases/{case.pk}/cover-sheet/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    image = render_pdf(response.content, dpi=150)
    found = {(str(code.format), code.text) for code in zxingcpp.read_barcodes(image)}
    assert ("QR Code", f"HIC:{case.number}") in found
    assert any(fmt.startswith("Code 128") and text == f"HIC:{case.number}" for fmt, text in found)
    theirs = make_case(world, community="b")
    assert client_for(world.clerk_a).get(f"/api/v1/cases/{theirs.pk}/cover-sheet/").status_code == 404
    pdf_accept = client_for(world.clerk_a).get(f"/api/v1/cases/{case.pk}/cover-sheet/", HTTP_ACCEPT="application/pdf")
    assert pdf_accept.status_code == 200


def test_separator_sheets_name_their_type_and_the_plain_one_is_patch_t(world):
    client = client_for(world.clerk_a)
    one = client.get("/api/v1/separator-sheets/?document_type=passport")
    assert one.status_code == 200
    found = {code.text for code in zxingcpp.read_barcodes(render_pdf(one.content, dpi=150))}
    assert found == {"HID:passport"}

    every = client.get("/api/v1/separator-sheets/")
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(every.content)
    assert len(pdf) == DocumentType.objects.count() + 1
    pdf.close()
    plain = {(str(c.format), c.text) for c in zxingcpp.read_barcodes(render_pdf(every.content, page=0, dpi=150))}
    assert ("Code 39", "PATCHT") in plain
    assert client.get("/api/v1/separator-sheets/?document_type=nope").status_code == 404


def test_the_schema_describes_the_batch_endpoints(world):
    import io

    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", stdout=io.StringIO())
    response = client_for(world.clerk_a).get("/api/schema/?format=json")
    paths = response.json()["paths"]
    assert {"/api/v1/scan-batches/", "/api/v1/scan-batches/{id}/", "/api/v1/cases/{id}/cover-sheet/"} <= set(paths)
    assert "202" in paths["/api/v1/scan-batches/"]["post"]["responses"]
    assert "application/pdf" in paths["/api/v1/cases/{id}/cover-sheet/"]["get"]["responses"]["200"]["content"]
