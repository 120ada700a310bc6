"""tus uploads over real connections cut by a local proxy: resumed from the server's offset, finished into the
case exactly as a multipart upload (inspection, duplicate check, SHA-256), abuse refused, leftovers swept."""

import hashlib
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from rest_framework.authtoken.models import Token

from cases import clock
from cases.models import Case, SourceFile
from tests.factories import make_case
from tests.uploads.tusclient import CuttingProxy, metadata, upload
from uploads import services
from uploads.models import ResumableUpload


def _photo(size=(900, 1200), seed=1) -> bytes:
    """A JPEG of roughly the size a phone camera page makes, different for each seed."""
    im = Image.effect_noise(size, 60 + seed).convert("RGB")
    buffer = io.BytesIO()
    im.save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


@pytest.fixture
def parts(settings, tmp_path):
    settings.TUS_PARTS_DIR = tmp_path / "parts"
    return settings.TUS_PARTS_DIR


@pytest.fixture
def clerk_headers(world):
    return {"Authorization": f"Token {Token.objects.create(user=world.clerk_a).key}"}


def _meta(case, name="page.jpg", **extra):
    doc_type = case.service_type.checklist.first().document_types.first()
    return metadata(case=str(case.pk), document_type=doc_type.code, filename=name, **extra)


@pytest.mark.slow
def test_an_upload_cut_three_times_resumes_and_lands_in_the_case(world, live_server, parts, clerk_headers):
    case = make_case(world)
    data = _photo()
    proxy = CuttingProxy(live_server.url, cuts=[int(len(data) * f) for f in (0.3, 0.6, 0.9)])
    try:
        result = upload(proxy.url, data, meta=_meta(case), headers=clerk_headers, chunk=len(data))
    finally:
        proxy.close()
    assert result.status == 204, result.body
    assert result.failures == 3 and len(proxy.cut_at) == 3
    # Each resume started where the server had stopped: only the bytes in flight at each cut went twice.
    assert result.offsets_after_cut == sorted(result.offsets_after_cut) and result.offsets_after_cut[0] > 0
    # Everything the proxy let through reached the part file: what crossed the line beyond the file's own bytes is
    # the requests' headers (seven requests), not re-sent data.
    assert proxy.upstream_bytes - len(data) < 8 * 1024
    source = SourceFile.objects.get(case=case, original_name="page.jpg")
    assert source.sha256 == hashlib.sha256(data).hexdigest() and source.size == len(data)
    assert source.pages.get().status == "ready"
    assert not list(Path(parts).glob("*.part"))


def test_duplicates_wrong_checksums_and_disguised_files_leave_nothing(world, live_server, parts, clerk_headers):
    case = make_case(world)
    data = _photo(seed=2)
    assert upload(live_server.url, data, meta=_meta(case), headers=clerk_headers).status == 204
    again = upload(live_server.url, data, meta=_meta(case, "again.jpg"), headers=clerk_headers)
    assert again.status == 400 and b"duplicate_file" in again.body
    other = _photo(seed=3)
    bad_sum = upload(live_server.url, other, meta=_meta(case, sha256="0" * 64), headers=clerk_headers)
    assert bad_sum.status == 400 and b"SHA-256" in bad_sum.body
    html = upload(
        live_server.url,
        b"<html><script>alert(1)</script></html>" * 10,
        meta=_meta(case, "x.jpg"),
        headers=clerk_headers,
    )
    assert html.status == 400
    assert SourceFile.objects.filter(case=case).count() == 1
    assert ResumableUpload.objects.filter(finished_at=None).count() == 0 and not list(Path(parts).glob("*.part"))


def test_lying_offsets_and_lengths_and_oversize_are_refused(world, client, parts, clerk_headers, settings):
    case = make_case(world)
    auth = {"HTTP_AUTHORIZATION": clerk_headers["Authorization"], "HTTP_TUS_RESUMABLE": "1.0.0"}
    response = client.post("/api/v1/uploads/", HTTP_UPLOAD_LENGTH="10", HTTP_UPLOAD_METADATA=_meta(case), **auth)
    assert response.status_code == 201 and response["Tus-Resumable"] == "1.0.0" and response["Upload-Expires"]
    location = response["Location"]
    patch = {"content_type": "application/offset+octet-stream", **auth}
    assert client.patch(location, b"abc", HTTP_UPLOAD_OFFSET="5", **patch).status_code == 409
    assert client.patch(location, b"abc", HTTP_UPLOAD_OFFSET="x", **patch).status_code == 400
    assert client.patch(location, b"0123456789AB", HTTP_UPLOAD_OFFSET="0", **patch).status_code == 400
    assert client.patch(location, b"abc", HTTP_UPLOAD_OFFSET="0", content_type="text/plain", **auth).status_code == 415
    ok = client.patch(location, b"abc", HTTP_UPLOAD_OFFSET="0", **patch)
    assert ok.status_code == 204 and ok["Upload-Offset"] == "3"
    assert client.head(location, **auth)["Upload-Offset"] == "3"
    assert client.head(location, HTTP_TUS_RESUMABLE="1.0.0").status_code == 404  # not the uploader
    settings.UPLOAD_MAX_BYTES = 100
    big = client.post("/api/v1/uploads/", HTTP_UPLOAD_LENGTH="101", HTTP_UPLOAD_METADATA=_meta(case), **auth)
    assert big.status_code == 413
    bad_meta = client.post("/api/v1/uploads/", HTTP_UPLOAD_LENGTH="5", HTTP_UPLOAD_METADATA="case !!!,x", **auth)
    assert bad_meta.status_code == 400
    assert client.post("/api/v1/uploads/", HTTP_UPLOAD_LENGTH="5", HTTP_UPLOAD_METADATA=_meta(case)).status_code == 412
    options = client.options("/api/v1/uploads/")
    assert options.status_code == 204 and "termination" in options["Tus-Extension"]
    assert client.delete(location, **auth).status_code == 204
    assert client.head(location, **auth).status_code == 404 and not list(Path(parts).glob("*.part"))


def test_others_cases_and_closed_cases_are_refused(world, client, parts):
    auth = {"HTTP_TUS_RESUMABLE": "1.0.0"}
    foreign = make_case(world, community="c")
    token = Token.objects.create(user=world.clerk_a).key
    r = client.post(
        "/api/v1/uploads/",
        HTTP_UPLOAD_LENGTH="5",
        HTTP_UPLOAD_METADATA=_meta(foreign),
        HTTP_AUTHORIZATION=f"Token {token}",
        **auth,
    )
    assert r.status_code == 404
    submitted = make_case(world, Case.Status.SUBMITTED)
    r = client.post(
        "/api/v1/uploads/",
        HTTP_UPLOAD_LENGTH="5",
        HTTP_UPLOAD_METADATA=_meta(submitted),
        HTTP_AUTHORIZATION=f"Token {token}",
        **auth,
    )
    assert r.status_code == 409
    assert (
        client.post(
            "/api/v1/uploads/", HTTP_UPLOAD_LENGTH="5", HTTP_UPLOAD_METADATA=_meta(submitted), **auth
        ).status_code
        == 401
    )


def test_unfinished_uploads_expire_and_are_swept_with_their_parts(world, client, parts, clerk_headers):
    case = make_case(world)
    auth = {"HTTP_AUTHORIZATION": clerk_headers["Authorization"], "HTTP_TUS_RESUMABLE": "1.0.0"}
    location = client.post("/api/v1/uploads/", HTTP_UPLOAD_LENGTH="10", HTTP_UPLOAD_METADATA=_meta(case), **auth)[
        "Location"
    ]
    client.patch(location, b"abc", HTTP_UPLOAD_OFFSET="0", content_type="application/offset+octet-stream", **auth)
    assert len(list(Path(parts).glob("*.part"))) == 1
    ResumableUpload.objects.update(expires_at=clock.now() - timedelta(seconds=1))
    assert client.head(location, **auth).status_code == 404
    client.post("/api/v1/uploads/", HTTP_UPLOAD_LENGTH="10", HTTP_UPLOAD_METADATA=_meta(case), **auth)
    ResumableUpload.objects.update(expires_at=clock.now() - timedelta(seconds=1))
    assert services.uploads_sweep_expired() == 1
    assert not ResumableUpload.objects.exists() and not list(Path(parts).glob("*.part"))


def test_the_applicants_link_uploads_by_tus_into_its_own_case_only(world, live_server, parts):
    from backoffice import services as back
    from frontoffice import services as front
    from public.links import upload_token

    case = make_case(world, Case.Status.IN_REVIEW)
    case = back.case_request_info(case=case, by=world.specialist, message="income certificate")
    link = upload_token(info_request=case.info_requests.get())
    other = make_case(world)
    refused = upload(live_server.url, _photo(seed=5), meta=metadata(case=str(other.pk), link=link), headers={})
    assert refused.status == 403 and json.loads(refused.body)["reason"] == "other_case"
    data = _photo(seed=6)
    done = upload(live_server.url, data, meta=metadata(case=str(case.pk), link=link, filename="p.jpg"), headers={})
    assert done.status == 204, done.body
    assert SourceFile.objects.get(case=case, original_name="p.jpg").sha256 == hashlib.sha256(data).hexdigest()
    assert case.events.filter(action="phone_upload").exists()
    front.case_resubmit(case=case, by=world.clerk_a)
    late = upload(live_server.url, _photo(seed=7), meta=metadata(case=str(case.pk), link=link), headers={})
    assert late.status == 403 and json.loads(late.body)["reason"] == "used"


def _tus_put(client, meta: str, data: bytes, **headers):
    """Create and send an upload in one PATCH with the Django test client; returns (creation, last) responses."""
    tus = {"HTTP_TUS_RESUMABLE": "1.0.0", **headers}
    created = client.post("/api/v1/uploads/", HTTP_UPLOAD_LENGTH=str(len(data)), HTTP_UPLOAD_METADATA=meta, **tus)
    if created.status_code != 201:
        return created, None
    last = client.generic(
        "PATCH",
        created["Location"],
        data,
        content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET="0",
        **tus,
    )
    return created, last


def test_the_clerks_session_uploads_several_files_into_one_document(world, parts):
    """The case page's path: the session with its CSRF header; the first file makes the document (the finishing
    PATCH names it in Upload-Document), the next ones join it with metadata ``document``."""
    from django.test import Client

    case = make_case(world)
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.clerk_a)
    client.get(f"/front/cases/{case.pk}/")
    csrf = client.cookies["csrftoken"].value

    refused, _ = _tus_put(client, _meta(case, "p1.jpg"), _photo(seed=11))  # no CSRF header: not the clerk's page
    assert refused.status_code == 401 and not SourceFile.objects.filter(case=case).exists()

    first, last = _tus_put(client, _meta(case, "p1.jpg"), _photo(seed=11), HTTP_X_CSRFTOKEN=csrf)
    assert first.status_code == 201 and last.status_code == 204, last.content
    document_id = int(last["Upload-Document"])
    _, second = _tus_put(
        client, _meta(case, "p2.jpg", document=str(document_id)), _photo(seed=12), HTTP_X_CSRFTOKEN=csrf
    )
    assert second.status_code == 204 and int(second["Upload-Document"]) == document_id
    document = case.documents.get()
    assert document.pk == document_id
    assert [p.source.original_name for p in document.pages.order_by("position")] == ["p1.jpg", "p2.jpg"]
    assert list(document.pages.order_by("position").values_list("position", flat=True)) == [1, 2]

    other = make_case(world)
    foreign_doc = other.documents.create(document_type=None, position=1, created_by=world.clerk_a)
    wrong, _ = _tus_put(
        client, _meta(case, "p3.jpg", document=str(foreign_doc.pk)), _photo(seed=13), HTTP_X_CSRFTOKEN=csrf
    )
    assert wrong.status_code == 400 and wrong.json()["code"] == "invalid_input"
    assert not ResumableUpload.objects.filter(finished_at=None).exists()


def test_a_scanned_stack_goes_up_by_tus_into_a_batch_of_the_clerks_own_front_office(world, client, parts, settings):
    from frontoffice.models import ScanBatch
    from tests.factories import committed
    from tests.frontoffice.batches.stacks import content, cover, stack_pdf

    case = make_case(world)
    data = stack_pdf([cover(case), content(), content()])
    client.force_login(world.clerk_a)
    auth = {"HTTP_AUTHORIZATION": f"Token {Token.objects.create(user=world.clerk_a).key}"}

    refused, _ = _tus_put(client, metadata(batch=str(world.fo_c.pk), filename="s.pdf"), data, **auth)
    assert refused.status_code == 404 and not ScanBatch.objects.exists()

    settings.SCAN_BATCH_MAX_BYTES = 10
    too_big, _ = _tus_put(client, metadata(batch=str(world.fo_a.pk), filename="s.pdf"), data, **auth)
    assert too_big.status_code == 413
    settings.SCAN_BATCH_MAX_BYTES = 500 * 1024 * 1024

    with committed():
        created, last = _tus_put(client, metadata(batch=str(world.fo_a.pk), filename="stack.pdf"), data, **auth)
    assert created.status_code == 201 and last.status_code == 204, last.content
    batch = ScanBatch.objects.get()
    assert int(last["Upload-Batch"]) == batch.pk and batch.front_office == world.fo_a and batch.name == "stack.pdf"
    assert int(client.head(created["Location"], HTTP_TUS_RESUMABLE="1.0.0", **auth)["Upload-Batch"]) == batch.pk
    assert case.documents.get().pages.count() == 2  # read and routed, as the batch page's upload of the file
    assert not list(Path(parts).glob("*.part"))

    _, disguised = _tus_put(client, metadata(batch=str(world.fo_a.pk), filename="x.pdf"), b"<html></html>", **auth)
    assert disguised.status_code == 400, disguised.content
    assert ScanBatch.objects.count() == 1 and not ResumableUpload.objects.filter(finished_at=None).exists()
