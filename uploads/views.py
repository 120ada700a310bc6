"""``/api/v1/uploads/``: the tus endpoint (docs/api-public.md, "Resumable uploads").

Who: a staff user (``Authorization: Token …`` or the session with its CSRF header) uploading into a case they may
edit, or the applicant holding a phone link (metadata ``link``). Metadata: ``case`` (id) or ``application``
(receipt number), ``document_type`` (code, or id), ``filename``; optional ``sha256`` (hex) checked at the end and,
``document`` (id of a document of that case: the file's pages join it). The PATCH that finishes an upload
answers ``Upload-Document: <id>`` (the document its pages are in). A scanned stack for the batches: metadata
``batch`` (the id of one of the clerk's front offices) and ``filename``; it finishes into a scan batch, exactly as the
batch page's upload of that file, and answers ``Upload-Batch: <id>``.
"""

import base64
import binascii
import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import get_object_or_404
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework.authtoken.models import Token

from cases.access import access_for
from cases.exceptions import DomainError, InvalidInput, LinkInvalid, NotPermitted
from cases.lifecycle import documents_editable
from cases.models import Document, DocumentType, FrontOffice
from cases.selectors import case_list
from public.documents import document_add_from_link
from public.links import upload_link_check
from uploads import services
from uploads.models import ResumableUpload

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,termination,expiration"


def _response(status: int, headers: dict | None = None, body: dict | None = None) -> HttpResponse:
    response = HttpResponse(
        json.dumps(body) if body else b"", status=status, content_type="application/json" if body else None
    )
    response["Tus-Resumable"] = TUS_VERSION
    response["Cache-Control"] = "no-store"
    for key, value in (headers or {}).items():
        response[key] = str(value)
    return response


def _error(e: DomainError) -> HttpResponse:
    return _response(e.status, body={"code": e.code, "detail": str(e.message)})


def _bad(detail: str, status: int = 400, code: str = "invalid_input") -> HttpResponse:
    return _response(status, body={"code": code, "detail": detail})


def _user(request: HttpRequest):
    """The staff user: a DRF token, or the session (then the CSRF header must match, as for any session write)."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header.startswith("Token "):
        token = Token.objects.select_related("user").filter(key=header[6:].strip()).first()
        return token.user if token and token.user.is_active else None
    if request.user.is_authenticated:
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            reason = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
            if reason is not None:
                return None
        return request.user
    return None


def parse_metadata(raw: str) -> dict[str, str]:
    """``key base64,key base64,key`` (a key may have no value) → dict; InvalidInput on anything else."""
    out: dict[str, str] = {}
    for pair in (raw or "").split(","):
        pair = pair.strip()
        if not pair:
            continue
        key, _sep, value = pair.partition(" ")
        if not key or " " in value.strip():
            raise InvalidInput(_("Upload-Metadata is malformed."))
        try:
            out[key] = base64.b64decode(value.strip(), validate=True).decode() if value.strip() else ""
        except (binascii.Error, UnicodeDecodeError) as e:
            raise InvalidInput(_("Upload-Metadata is malformed.")) from e
    return out


def _int_header(request: HttpRequest, name: str) -> int | None:
    raw = request.META.get("HTTP_" + name.upper().replace("-", "_"))
    if raw is None:
        return None
    if not raw.strip().isdigit():
        raise InvalidInput(_("%(name)s must be a whole number of bytes.") % {"name": name})
    return int(raw)


def _expires(upload: ResumableUpload) -> dict:
    return {"Upload-Expires": http_date(upload.expires_at.timestamp())}


def _made(upload: ResumableUpload) -> dict:
    """What a finished upload became: ``Upload-Document: <id>``, or its kind's header (``Upload-Batch: <id>``)."""
    if upload.kind and upload.result_id:
        return {services.KINDS[upload.kind].header: upload.result_id}
    if upload.document_id:
        return {"Upload-Document": upload.document_id}
    return {}


def _finish_for(upload: ResumableUpload):
    if upload.kind:
        return services.KINDS[upload.kind].finish
    if upload.link:

        def finish(up, f):
            target = upload_link_check(token=up.link, case_id=up.case_id)
            return document_add_from_link(
                target=target, document_type=up.document_type, files=[f], document=up.append_to
            )

        return finish
    return services.store_document_for_staff


@csrf_exempt
def collection(request: HttpRequest) -> HttpResponse:
    if request.method == "OPTIONS":
        return _response(
            204, {"Tus-Version": TUS_VERSION, "Tus-Extension": EXTENSIONS, "Tus-Max-Size": settings.UPLOAD_MAX_BYTES}
        )
    if request.method != "POST":
        return _bad(_("Use POST to create an upload."), 405, "method_not_allowed")
    if request.META.get("HTTP_TUS_RESUMABLE") != TUS_VERSION:
        return _response(412, {"Tus-Version": TUS_VERSION})
    try:
        length = _int_header(request, "Upload-Length")
        if length is None:
            raise InvalidInput(_("Give Upload-Length (deferred lengths are not supported)."))
        meta = parse_metadata(request.META.get("HTTP_UPLOAD_METADATA", ""))
        link = meta.get("link", "")
        user = None
        if link:
            case_id = int(meta["case"]) if meta.get("case", "").isdigit() else None
            case = upload_link_check(token=link, case_id=case_id).case
        else:
            user = _user(request)
            if user is None:
                return _bad(_("Sign in, or use the link from your message."), 401, "not_authenticated")
            if "batch" in meta:
                return _create_for_kind(user, "batch", meta, length)
            if meta.get("case", "").isdigit():
                case = get_object_or_404(case_list(user=user), pk=int(meta["case"]))
            elif meta.get("application"):
                case = get_object_or_404(case_list(user=user), number=meta["application"])
            else:
                raise InvalidInput(_("Say which case: metadata case (id) or application (receipt number)."))
            if not documents_editable(case):
                raise NotPermitted(_("Documents can be added only while the case is a draft or waits for information."))
        document_type = None
        if meta.get("document_type"):
            value = meta["document_type"]
            lookup = {"pk": int(value)} if value.isdigit() else {"code": value}
            document_type = DocumentType.objects.filter(**lookup).first()
            if document_type is None:
                raise InvalidInput(_("Unknown document type."))
        append_to = None
        if meta.get("document"):
            if not meta["document"].isdigit():
                raise InvalidInput(_("Metadata document must be the id of a document of this case."))
            append_to = Document.objects.filter(pk=int(meta["document"]), case=case).first()
            if append_to is None:
                raise InvalidInput(_("Metadata document must be the id of a document of this case."))
        upload = services.upload_create(
            case=case,
            append_to=append_to,
            length=length,
            filename=meta.get("filename", ""),
            document_type=document_type,
            user=user,
            link=link,
            sha256=meta.get("sha256", ""),
        )
    except LinkInvalid as e:
        return _response(403, body={"code": e.code, "detail": str(e.message), "reason": e.extra.get("reason", "")})
    except DomainError as e:
        return _error(e)
    except Exception as e:
        from django.http import Http404

        if isinstance(e, Http404):
            return _bad(_("Not found."), 404, "not_found")
        raise
    return _response(201, {"Location": f"/api/v1/uploads/{upload.guid}/", **_expires(upload)})


def _create_for_kind(user, kind: str, meta: dict, length: int) -> HttpResponse:
    """A scanned stack for a front office's batch (metadata ``batch``: the front office's id, of the user's own)."""
    if kind not in services.KINDS:
        raise InvalidInput(_("This server does not take batch uploads."))
    value = meta[kind]
    if not value.isdigit() or int(value) not in access_for(user).clerk_front_office_ids:
        return _bad(_("Not found."), 404, "not_found")
    upload = services.upload_create(
        case=None,
        kind=kind,
        front_office=FrontOffice.objects.get(pk=int(value)),
        length=length,
        filename=meta.get("filename", ""),
        document_type=None,
        user=user,
        sha256=meta.get("sha256", ""),
    )
    return _response(201, {"Location": f"/api/v1/uploads/{upload.guid}/", **_expires(upload)})


def _allowed(request: HttpRequest, upload: ResumableUpload) -> bool:
    if upload.link:
        return True  # the URL is the capability; the link is checked again when the file is finished
    user = _user(request)
    return user is not None and user.pk == upload.user_id


@csrf_exempt
def member(request: HttpRequest, guid) -> HttpResponse:
    if request.method == "OPTIONS":
        return _response(204, {"Tus-Version": TUS_VERSION, "Tus-Extension": EXTENSIONS})
    if request.META.get("HTTP_TUS_RESUMABLE") != TUS_VERSION:
        return _response(412, {"Tus-Version": TUS_VERSION})
    upload = ResumableUpload.objects.select_related("case", "document_type", "user").filter(guid=guid).first()
    if upload is None or not _allowed(request, upload):
        return _response(404)
    try:
        if request.method == "HEAD":
            upload = services.upload_live(upload)
            headers = {"Upload-Offset": upload.offset, "Upload-Length": upload.length, **_expires(upload)}
            headers.update(_made(upload))  # finished: a client whose last response was lost learns the result here
            return _response(200, headers)
        if request.method == "DELETE":
            if upload.finished_at is not None:
                return _bad(_("A finished upload is a document now; remove it from the case instead."), 409, "finished")
            services.upload_delete(upload=upload)
            return _response(204)
        if request.method == "PATCH":
            if request.content_type != "application/offset+octet-stream":
                return _response(
                    415,
                    body={"code": "unsupported_media_type", "detail": "Content-Type: application/offset+octet-stream"},
                )
            offset = _int_header(request, "Upload-Offset")
            if offset is None:
                raise InvalidInput(_("Give Upload-Offset."))
            content_length = _int_header(request, "Content-Length")
            new_offset = services.upload_append(
                upload=upload, offset=offset, stream=request, content_length=content_length, finish=_finish_for(upload)
            )
            headers = {"Upload-Offset": new_offset, **_expires(upload)}
            if new_offset == upload.length:
                headers.update(_made(ResumableUpload.objects.get(pk=upload.pk)))
            return _response(204, headers)
    except LinkInvalid as e:
        return _response(403, body={"code": e.code, "detail": str(e.message), "reason": e.extra.get("reason", "")})
    except DomainError as e:
        return _error(e)
    return _bad(_("Method not allowed."), 405, "method_not_allowed")
