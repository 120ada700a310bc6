"""The tus 1.0.0 core with the creation, termination and expiration extensions (https://tus.io/protocols/
resumable-upload), for the clerk's uploads and the applicant's phone link.

Why not drf-tus: its middleware parses the tus headers with bare ``int()`` and ``split(" ")``, so a lying
``Upload-Offset`` or a metadata key without a value (allowed by the protocol) is a 500; it writes a PATCH past
``Upload-Length``; it brings django-fsm (our rules keep state machines as our own tables) and the unmaintained
jsonfield. What we need is small: the rules below.

- A PATCH is accepted only at the offset the server has; its bytes are appended to the part file as they arrive,
  so a connection cut mid-PATCH keeps what was received and the client resumes from there (HEAD).
- No body may go past ``Upload-Length``; the length may not exceed ``UPLOAD_MAX_BYTES``.
- One writer per upload at a time (a lock on the part file), so a stale PATCH and its retry never interleave.
- The last byte finishes the upload: the SHA-256 is computed (and compared with the client's, if announced), and
  the file is stored by the same ``document_add`` as a multipart upload — inspection, duplicate check, pages. A
  refusal deletes the upload and its part: nothing is left.
"""

import contextlib
import fcntl
import hashlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _

from cases import clock
from cases.documents import document_add
from cases.exceptions import DomainError, FileRejected, InvalidInput
from cases.models import Case, Document, DocumentType, FrontOffice
from uploads.models import ResumableUpload

logger = logging.getLogger(__name__)
PIECE = 64 * 1024


class UploadConflict(DomainError):
    code = "upload_offset_conflict"
    status = 409


class UploadTooLarge(FileRejected):
    code = "upload_too_large"
    status = 413


class UploadGone(DomainError):
    code = "upload_not_found"
    status = 404


@dataclass(frozen=True)
class Kind:
    """Another kind of upload than a case's document, registered by the app that stores it (the batches: a scanned
    stack for a front office). ``finish(upload, file) -> id`` stores the complete file in its own transaction (a
    refusal raises a ``DomainError``); ``max_bytes()`` is its size limit; ``header`` names the result in the answer."""

    finish: Callable[[ResumableUpload, File], int]
    max_bytes: Callable[[], int]
    header: str


KINDS: dict[str, Kind] = {}


def register_kind(name: str, kind: Kind) -> None:
    KINDS[name] = kind


def part_path(upload: ResumableUpload) -> Path:
    root = Path(settings.TUS_PARTS_DIR)
    root.mkdir(parents=True, exist_ok=True)
    return root / f"{upload.guid}.part"


def upload_create(
    *,
    case: Case | None,
    length: int,
    filename: str,
    document_type: DocumentType | None,
    user=None,
    link: str = "",
    sha256: str = "",
    append_to: Document | None = None,
    kind: str = "",
    front_office: FrontOffice | None = None,
) -> ResumableUpload:
    if length <= 0:
        raise InvalidInput(_("Upload-Length must be a positive number of bytes."))
    limit = KINDS[kind].max_bytes() if kind else settings.UPLOAD_MAX_BYTES
    if length > limit:
        raise UploadTooLarge(_("The file is larger than the limit (%(mb)d MB).") % {"mb": limit // (1024 * 1024)})
    sha256 = (sha256 or "").strip().lower()
    if sha256 and (len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256)):
        raise InvalidInput(_("The sha256 metadata must be 64 hexadecimal digits."))
    now = clock.now()
    upload = ResumableUpload.objects.create(
        case=case,
        document_type=document_type,
        user=user,
        link=link,
        filename=filename[:255],
        length=length,
        sha256=sha256,
        append_to=append_to,
        kind=kind,
        front_office=front_office,
        created_at=now,
        expires_at=now + timedelta(hours=settings.TUS_UPLOAD_EXPIRY_HOURS),
    )
    part_path(upload).touch()
    return upload


def upload_live(upload: ResumableUpload) -> ResumableUpload:
    if upload.finished_at is None and upload.expires_at <= clock.now():
        upload_delete(upload=upload)
        raise UploadGone(_("This upload has expired; start it again."))
    return upload


def upload_append(*, upload: ResumableUpload, offset: int, stream, content_length: int | None, finish) -> int:
    """Append the PATCH body at ``offset``; returns the new offset. ``finish(upload, file)`` stores a complete
    upload (the caller binds who stores it)."""
    upload = upload_live(upload)
    if upload.finished_at is not None:
        raise UploadConflict(_("This upload is already complete."))
    path = part_path(upload)
    with open(path, "r+b") as part:
        try:
            fcntl.flock(part, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as e:
            raise UploadConflict(_("Another request is writing to this upload; ask for its offset and resume.")) from e
        upload.refresh_from_db(fields=["offset", "finished_at"])
        if offset != upload.offset:
            raise UploadConflict(
                _("Upload-Offset %(given)d does not match the %(have)d bytes the server has.")
                % {"given": offset, "have": upload.offset}
            )
        remaining = upload.length - upload.offset
        if content_length is not None and content_length > remaining:
            raise InvalidInput(_("The body goes past Upload-Length."))
        part.truncate(upload.offset)  # bytes beyond the recorded offset were never acknowledged
        part.seek(upload.offset)
        written = 0
        want = remaining if content_length is None else content_length
        try:
            while written < want:
                piece = stream.read(min(PIECE, want - written))
                if not piece:
                    break
                part.write(piece)
                written += len(piece)
        except Exception as e:  # the line dropped mid-body: keep what arrived
            logger.info("upload %s: body cut after %d bytes (%s)", upload.pk, written, type(e).__name__)
        if content_length is None and written == remaining and stream.read(1):
            raise InvalidInput(_("The body goes past Upload-Length."))
        part.flush()
        os.fsync(part.fileno())
        new_offset = upload.offset + written
        ResumableUpload.objects.filter(pk=upload.pk).update(offset=new_offset)
        upload.offset = new_offset
    if new_offset == upload.length:
        upload_finish(upload=upload, finish=finish)
    return new_offset


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def upload_finish(*, upload: ResumableUpload, finish) -> None:
    path = part_path(upload)
    try:
        digest = sha256_of(path)
        if upload.sha256 and digest != upload.sha256:
            raise FileRejected(_("The file arrived damaged: its SHA-256 does not match. Upload it again."))
        with open(path, "rb") as f:
            made = finish(upload, File(f, name=upload.filename or "upload"))
    except BaseException:
        upload_delete(upload=upload)
        raise
    made_by_kind = {"result_id": made} if upload.kind else {"document": made}
    ResumableUpload.objects.filter(pk=upload.pk).update(finished_at=clock.now(), sha256=digest, **made_by_kind)
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def upload_delete(*, upload: ResumableUpload) -> None:
    with contextlib.suppress(FileNotFoundError):
        part_path(upload).unlink()
    ResumableUpload.objects.filter(pk=upload.pk).delete()


def uploads_sweep_expired(*, limit: int = 1000) -> int:
    """Remove unfinished uploads past their expiry, with their parts; and parts no row knows any more."""
    expired = list(ResumableUpload.objects.filter(finished_at=None, expires_at__lte=clock.now())[:limit])
    for upload in expired:
        upload_delete(upload=upload)
    known = {str(g) for g in ResumableUpload.objects.filter(finished_at=None).values_list("guid", flat=True)}
    root = Path(settings.TUS_PARTS_DIR)
    orphans = 0
    if root.is_dir():
        cutoff = clock.now().timestamp() - settings.TUS_UPLOAD_EXPIRY_HOURS * 3600
        for part in root.glob("*.part"):
            if part.stem not in known and part.stat().st_mtime < cutoff:
                part.unlink(missing_ok=True)
                orphans += 1
    return len(expired) + orphans


def store_document_for_staff(upload: ResumableUpload, f: File):
    """The clerk's upload: the kernel's ``document_add``, exactly as the multipart endpoint calls it."""
    with transaction.atomic():
        return document_add(
            case=upload.case, document_type=upload.document_type, files=[f], by=upload.user, document=upload.append_to
        )
