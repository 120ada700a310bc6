"""Batch scanning's writes: accept a stack, read and route it page by page, let the clerk place what is left.

A routed run of pages becomes a document of its case through ``frontoffice.services.document_add`` (the same
checks and page processing as a clerk's upload). Every page's outcome is saved as soon as it is known, so a
worker that dies mid-way leaves a batch another worker resumes where it stopped; a document and the pages that
record it are written in one transaction, so no run is ever added twice.
"""

import contextlib
import logging
import os
import secrets
import shutil
import tempfile
import time
from datetime import timedelta
from functools import partial
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from cases import clock
from cases.access import access_for
from cases.exceptions import DomainError, FileRejected, InvalidInput, NotPermitted, TransitionNotAllowed
from cases.models import Case, Document, DocumentType, FrontOffice, Membership, User
from cases.queue import enqueue_on_commit, send
from frontoffice import services as front
from frontoffice.batches import codes, plan, reading
from frontoffice.models import ScanBatch, ScanBatchFile, ScanBatchPage
from frontoffice.processing.formats import EXTENSIONS
from frontoffice.processing.inspection import check_file_name

logger = logging.getLogger(__name__)

B = ScanBatch.Status
P = ScanBatchPage.Status
R = ScanBatchPage.Reason
K = ScanBatchPage.Kind
HEARTBEAT_EVERY = 5  # seconds between heartbeats while a worker holds a batch
SCRATCH_PREFIX = "hromada-batch-"


class BatchTaken(Exception):
    """Another worker holds the batch (or took it over): this one stops quietly."""


# --- Who acts -----------------------------------------------------------------------------------------------------


def require_clerk_of(front_office: FrontOffice, by) -> None:
    if front_office.pk not in access_for(by).clerk_front_office_ids:
        raise NotPermitted(_("Only a clerk of this front office can do this."))


def require_clerk_of_batch(batch: ScanBatch, by) -> None:
    if batch.front_office.community_id not in access_for(by).clerk_community_ids:
        raise NotPermitted(_("Only a clerk of the batch's community can do this."))


def scanner_user(*, front_office: FrontOffice) -> User:
    """The account a front office's scanner folder acts as: a clerk of that office who cannot sign in. The
    documents it adds are attributed to it in the case timeline as "Сканер <office>" (stored data, so in the state
    language, like the offices' names)."""
    user, created = User.objects.get_or_create(
        username=f"scanner.{front_office.code}",
        defaults={"first_name": "Сканер", "last_name": front_office.name[:150]},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    Membership.objects.get_or_create(user=user, role=Membership.Role.CLERK, front_office=front_office)
    return user


# --- Accepting a stack --------------------------------------------------------------------------------------------


def _enqueue(batch_id: int) -> None:
    from frontoffice.batches.tasks import process_scan_batch

    enqueue_on_commit(process_scan_batch, batch_id=batch_id)


def batch_create(
    *,
    front_office: FrontOffice,
    files: list[File],
    by,
    source: str = ScanBatch.Source.UPLOAD,
    name: str = "",
) -> ScanBatch:
    """Accept a stack (one PDF or TIFF, or several images in order) for reading in the background. Every file
    is checked first; a refused file refuses the whole stack and leaves no row and no file. A folder import of a
    file already imported raises ``DuplicateStack`` (the unique checksum is what makes imports happen once)."""
    require_clerk_of(front_office, by)
    files = list(files)
    if not files:
        raise FileRejected(_("Choose the scanned file."))
    inspected = [reading.inspect_stack_file(f, name=getattr(f, "name", "") or "") for f in files]
    reading.check_total_pages(sum(i.page_count for i in inspected))
    saved: list[str] = []
    try:
        with transaction.atomic():
            batch = ScanBatch.objects.create(
                front_office=front_office,
                source=source,
                name=(name or getattr(files[0], "name", "") or "")[-255:],
                sha256=inspected[0].sha256 if source == ScanBatch.Source.FOLDER else "",
                page_count=sum(i.page_count for i in inspected),
                created_by=by,
            )
            pages = []
            number = 0
            for position, (f, info) in enumerate(zip(files, inspected, strict=True), start=1):
                f.seek(0)
                stored = default_storage.save(_stored_name(batch, position, info), f)
                saved.append(stored)
                batch_file = ScanBatchFile.objects.create(
                    batch=batch,
                    position=position,
                    file=stored,
                    original_name=check_file_name(getattr(f, "name", "") or ""),
                    content_type=info.content_type,
                    sha256=info.sha256,
                    size=info.size,
                    page_count=info.page_count,
                )
                for index in range(info.page_count):
                    number += 1
                    pages.append(ScanBatchPage(batch=batch, number=number, file=batch_file, source_index=index))
            ScanBatchPage.objects.bulk_create(pages, batch_size=500)
            logger.info("scan batch received id=%s pages=%s source=%s", batch.pk, batch.page_count, source)
            _enqueue(batch.pk)
    except BaseException:
        for stored in saved:
            with contextlib.suppress(Exception):
                default_storage.delete(stored)
        raise
    return batch


def _stored_name(batch: ScanBatch, position: int, info: reading.StackFile) -> str:
    extension = _extension(info.content_type)
    if batch.source == ScanBatch.Source.FOLDER:
        # Named by the checksum that imports it once: a worker killed after storing it but before committing
        # leaves a copy the next attempt replaces, never a second one.
        name = f"scan-batches/folder/{batch.front_office_id}/{info.sha256}.{extension}"
        if default_storage.exists(name):
            default_storage.delete(name)
        return name
    return f"scan-batches/{batch.pk}/{position}-{info.sha256[:16]}.{extension}"


def _extension(content_type: str) -> str:
    return EXTENSIONS.get(content_type, "bin")


def batch_retry(*, batch: ScanBatch, by) -> ScanBatch:
    """Read a failed batch again from where it stopped."""
    require_clerk_of_batch(batch, by)
    with transaction.atomic():
        updated = ScanBatch.objects.filter(pk=batch.pk, status=B.FAILED).update(
            status=B.QUEUED, failure_reason="", worker="", heartbeat_at=None
        )
        if updated:
            _enqueue(batch.pk)
    batch.refresh_from_db()
    return batch


# --- Reading and routing ------------------------------------------------------------------------------------------


def _claim(batch_id: int, token: str) -> ScanBatch | None:
    """Hold the batch for this worker, unless another worker holds it with a fresh heartbeat."""
    now = clock.now()
    stale = now - timedelta(seconds=settings.SCAN_BATCH_STALE_SECONDS)
    free = Q(worker="") | Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=stale)
    claimed = (
        ScanBatch.objects.filter(pk=batch_id, status__in=[B.QUEUED, B.READING, B.ROUTING])
        .filter(free)
        .update(worker=token, heartbeat_at=now)
    )
    if not claimed:
        return None
    batch = ScanBatch.objects.select_related("front_office__community", "created_by").get(pk=batch_id)
    if batch.started_at is None:
        batch.started_at = now
        batch.save(update_fields=["started_at"])
    return batch


class _Holder:
    """Keeps the heartbeat of a held batch and notices when another worker has taken it over."""

    def __init__(self, batch: ScanBatch, token: str):
        self.batch, self.token, self.last = batch, token, time.monotonic()

    def beat(self, **fields) -> None:
        if not fields and time.monotonic() - self.last < HEARTBEAT_EVERY:
            return
        held = ScanBatch.objects.filter(pk=self.batch.pk, worker=self.token)
        updated = held.update(heartbeat_at=clock.now(), **fields)
        if not updated:
            raise BatchTaken
        self.last = time.monotonic()


def batch_process(*, batch_id: int) -> ScanBatch | None:
    """Read every page's barcodes, split the stack, route each document to its case. Idempotent and
    resumable: a finished batch, or one another worker is on, is left alone; a stopped one continues."""
    token = secrets.token_hex(8)
    batch = _claim(batch_id, token)
    if batch is None:
        return None
    holder = _Holder(batch, token)
    scratch = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{batch.pk}-", dir=_scratch_root()))
    try:
        readers = _open_files(batch, scratch)
        try:
            _read_pages(batch, readers, holder)
            if batch.planned_at is None:
                _plan(batch, holder)
            _route(batch, readers, scratch, holder)
        finally:
            for reader in readers.values():
                reader.close()
        holder.beat(status=B.DONE, finished_at=clock.now(), worker="")
    except BatchTaken:
        logger.warning("scan batch id=%s taken over by another worker; stopping", batch.pk)
        return None
    except SoftTimeLimitExceeded:
        # Out of time for one task, not failed: let go and continue in a fresh task from the next page.
        ScanBatch.objects.filter(pk=batch.pk, worker=token).update(worker="")
        transaction.on_commit(partial(_continue, batch.pk))
        logger.info("scan batch id=%s continues in a new task", batch.pk)
        return None
    except Exception as e:
        logger.exception("scan batch id=%s failed", batch.pk)
        ScanBatch.objects.filter(pk=batch.pk, worker=token).update(
            status=B.FAILED, failure_reason=f"{type(e).__name__}: {e}"[:500], worker="", finished_at=clock.now()
        )
        batch.refresh_from_db()
        return batch
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    batch.refresh_from_db()
    _delete_originals(batch)
    logger.info("scan batch done id=%s pages=%s", batch.pk, batch.page_count)
    return batch


def _continue(batch_id: int) -> None:
    from frontoffice.batches.tasks import process_scan_batch

    process_scan_batch.delay(batch_id=batch_id)


def _scratch_root() -> str:
    root = settings.SCAN_SCRATCH_DIR or tempfile.gettempdir()
    os.makedirs(root, exist_ok=True)
    _sweep_scratch(root)
    return root


def _sweep_scratch(root: str) -> None:
    """Remove scratch folders a killed worker left behind (nobody works on one this old)."""
    cutoff = time.time() - settings.SCAN_SCRATCH_MAX_AGE_SECONDS
    with contextlib.suppress(OSError), os.scandir(root) as entries:
        for entry in entries:
            if entry.name.startswith(SCRATCH_PREFIX) and entry.is_dir() and entry.stat().st_mtime < cutoff:
                shutil.rmtree(entry.path, ignore_errors=True)


def _local_path(name: str, scratch: Path, position: int) -> Path:
    """The stored file on local disk: itself when storage is local, else a copy in scratch (deleted after)."""
    try:
        return Path(default_storage.path(name))
    except NotImplementedError:
        return _copy_to_scratch(name, scratch, position)


def _copy_to_scratch(name: str, scratch: Path, position: int) -> Path:
    path = scratch / f"stack-{position}"
    with default_storage.open(name, "rb") as source:
        reading.copy_to(source, path)
    return path


def _open_files(batch: ScanBatch, scratch: Path) -> dict[int, reading.StackReader]:
    readers = {}
    for f in batch.files.all():
        if not f.file:
            raise FileNotFoundError(f"batch file {f.pk} was deleted")
        readers[f.pk] = reading.StackReader(_local_path(f.file.name, scratch, f.position), f.content_type)
    return readers


def _read_pages(batch: ScanBatch, readers: dict[int, reading.StackReader], holder: _Holder) -> None:
    pending = list(batch.pages.filter(status=P.PENDING).order_by("number"))
    if not pending:
        return
    holder.beat(status=B.READING)
    for page in pending:
        reader = readers[page.file_id]
        reader.open()  # a file that cannot be opened at all fails the batch (retry reads it again)
        try:
            image = reader.render(page.source_index, settings.SCAN_BARCODE_DPI)
        except Exception as e:  # a damaged frame or page: kept as a page, never lost
            logger.warning("scan batch id=%s page=%s unreadable: %s", batch.pk, page.number, type(e).__name__)
            page.kind, page.status = K.CONTENT, P.READ
            page.detail = _("This page could not be rendered; it is kept as it is.")
            page.save(update_fields=["kind", "status", "detail"])
        else:
            found = reading.read_codes(image)
            sheet = codes.classify(found)
            if sheet.kind == codes.Kind.CONTENT and reading.looks_like_sheet(image):
                # One of our sheets, it seems, but nothing read at the modest resolution: look closer once.
                sharper = reader.render(page.source_index, settings.SCAN_BARCODE_DPI * 2)
                found = reading.read_codes(sharper, thorough=True) or found
                sheet = codes.classify(found)
                del sharper
                if sheet.kind == codes.Kind.CONTENT:
                    sheet = codes.UNREADABLE_SHEET
            name = f"scan-batches/{batch.pk}/thumbs/{page.number}.jpg"
            if default_storage.exists(name):
                default_storage.delete(name)
            page.thumbnail = default_storage.save(name, ContentFile(reading.thumbnail(image)))
            del image
            page.kind = {
                codes.Kind.COVER: K.COVER,
                codes.Kind.SEPARATOR: K.SEPARATOR,
                codes.Kind.CONTENT: K.CONTENT,
                codes.Kind.UNREADABLE_SHEET: K.UNREADABLE_SHEET,
            }[sheet.kind]
            page.barcodes = "\n".join(dict.fromkeys(code.text for code in found))[:500]
            page.sheet_case_number = ",".join(sheet.case_numbers)[:40]
            page.sheet_document_type = sheet.document_type[:40]
            page.status = P.READ
            page.save(
                update_fields=["kind", "status", "barcodes", "sheet_case_number", "sheet_document_type", "thumbnail"]
            )
        ScanBatch.objects.filter(pk=batch.pk).update(pages_read=F("pages_read") + 1)
        holder.beat()


def _sheet_of(page: ScanBatchPage) -> codes.Sheet:
    if page.kind == K.COVER:
        return codes.Sheet(codes.Kind.COVER, case_numbers=tuple(filter(None, page.sheet_case_number.split(","))))
    if page.kind == K.SEPARATOR:
        return codes.Sheet(codes.Kind.SEPARATOR, document_type=page.sheet_document_type)
    if page.kind == K.UNREADABLE_SHEET:
        return codes.UNREADABLE_SHEET
    return codes.CONTENT


def _target(batch: ScanBatch, group: plan.Group) -> tuple[Case | None, str, str]:
    """The case a part goes to, or (None, reason, detail) when it stays in the batch."""
    numbers = group.case_numbers
    if group.after_unreadable_sheet:
        return None, R.UNREADABLE_SHEET, ""
    if not numbers:
        return None, R.NO_COVER, ""
    if len(numbers) > 1:
        return None, R.AMBIGUOUS, ", ".join(numbers)
    case = Case.objects.filter(number=numbers[0]).first()
    if case is None:
        return None, R.UNKNOWN_CASE, numbers[0]
    if case.community_id != batch.front_office.community_id:
        return None, R.OTHER_COMMUNITY, numbers[0]
    if case.status not in front.EDITABLE_STATUSES:
        return None, R.NOT_ACCEPTING, f"{numbers[0]}: {case.get_status_display()}"
    return case, "", numbers[0]


@transaction.atomic
def _plan(batch: ScanBatch, holder: _Holder) -> None:
    """Split the read stack and record the plan on the pages (parts whose case cannot take them: unrouted)."""
    pages = list(batch.pages.order_by("number"))
    result = plan.split([(p.number, _sheet_of(p)) for p in pages])
    by_number = {p.number: p for p in pages}
    types = {t.code: t for t in DocumentType.objects.all()}
    targets: dict[tuple, tuple[Case | None, str, str]] = {}
    for number, part in result.sheets.items():
        page = by_number[number]
        page.part, page.status = part, P.DROPPED
    for group in result.groups:
        key = (group.case_numbers, group.after_unreadable_sheet, group.hint)
        if key not in targets:
            targets[key] = _target(batch, group)
        case, reason, detail = targets[key]
        for number in group.pages:
            page = by_number[number]
            page.part, page.group = group.part, group.number
            page.case_number = group.case_numbers[0] if len(group.case_numbers) == 1 else group.hint
            page.document_type = types.get(group.document_type)
            page.case = case
            if case is None:
                page.status, page.reason, page.detail = P.UNROUTED, reason, page.detail or detail
    ScanBatchPage.objects.bulk_update(
        pages, ["part", "group", "case_number", "document_type", "case", "status", "reason", "detail"], batch_size=500
    )
    holder.beat(status=B.ROUTING, planned_at=clock.now())
    batch.planned_at = clock.now()


def _route(batch: ScanBatch, readers: dict[int, reading.StackReader], scratch: Path, holder: _Holder) -> None:
    pages = list(
        batch.pages.filter(status=P.READ, group__isnull=False, case__isnull=False)
        .select_related("case", "document_type", "file")
        .order_by("number")
    )
    groups: dict[int, list[ScanBatchPage]] = {}
    for page in pages:
        groups.setdefault(page.group, []).append(page)
    for group_pages in groups.values():
        _route_group(batch, group_pages, readers, scratch, by=batch.created_by)
        holder.beat()
    # A case deleted since the plan leaves its pages without a target: they wait for the clerk like any other.
    batch.pages.filter(status=P.READ).update(status=P.UNROUTED, reason=R.UNKNOWN_CASE)


def _pieces(
    group_pages: list[ScanBatchPage], readers: dict[int, reading.StackReader], scratch: Path
) -> list[reading.Piece]:
    """The group's pages as files: one run per stored file, cut out of it."""
    runs: list[tuple[ScanBatchFile, list[int]]] = []
    for page in group_pages:
        if runs and runs[-1][0].pk == page.file_id:
            runs[-1][1].append(page.source_index)
        else:
            runs.append((page.file, [page.source_index]))
    pieces: list[reading.Piece] = []
    for batch_file, indices in runs:
        name = batch_file.original_name or f"scan.{_extension(batch_file.content_type)}"
        pieces += reading.cut(
            readers[batch_file.pk], indices, total=batch_file.page_count, dest=scratch, name=Path(name).name
        )
    return pieces


def _route_group(
    batch: ScanBatch,
    group_pages: list[ScanBatchPage],
    readers: dict[int, reading.StackReader],
    scratch: Path,
    *,
    by,
    case: Case | None = None,
    document_type: DocumentType | None = None,
    from_plan: bool = True,
) -> Document | None:
    """Add the pages as one document of their case; on refusal they stay unrouted with the case's reason."""
    case = case or group_pages[0].case
    if from_plan:
        document_type = group_pages[0].document_type
    ids = [p.pk for p in group_pages]
    try:
        pieces = _pieces(group_pages, readers, scratch)
    except Exception as e:  # a frame that cannot be decoded cannot be cut out: the clerk decides
        logger.warning("scan batch id=%s pages cannot be cut out: %s", batch.pk, type(e).__name__)
        if not from_plan:
            raise FileRejected(
                _("One of these pages is damaged in the scanned file and cannot be put into a case; discard it.")
            ) from None
        ScanBatchPage.objects.filter(pk__in=ids).update(status=P.UNROUTED, reason=R.DAMAGED)
        return None
    handles = [open(piece.path, "rb") for piece in pieces]  # noqa: SIM115 - closed below, after document_add
    try:
        uploads = []
        for piece, handle in zip(pieces, handles, strict=True):
            upload = File(handle, name=piece.name)
            upload.size = piece.path.stat().st_size
            uploads.append(upload)
        with transaction.atomic():
            # Locked and re-checked: two workers, or two clerks, never add the same pages twice.
            expected = P.READ if from_plan else P.UNROUTED
            if ScanBatchPage.objects.select_for_update().filter(pk__in=ids, status=expected).count() != len(ids):
                if from_plan:
                    return None
                raise TransitionNotAllowed(_("Some of these pages have been placed already; reload the batch."))
            document = front.document_add(case=case, document_type=document_type, files=uploads, by=by)
            ScanBatchPage.objects.filter(pk__in=ids).update(
                status=P.ROUTED,
                case=case,
                case_number=case.number,
                document=document,
                document_type=document_type,
                reason="",
                detail="",
                resolved_by=None if from_plan else by,
            )
        return document
    except DomainError as e:
        if not from_plan:
            raise
        ScanBatchPage.objects.filter(pk__in=ids).update(
            status=P.UNROUTED, reason=R.REFUSED, detail=str(e.message)[:500]
        )
        logger.info("scan batch id=%s group refused by case: %s", batch.pk, e.code)
        return None
    finally:
        for handle in handles:
            handle.close()
        for piece in pieces:
            if piece.owned:
                piece.path.unlink(missing_ok=True)


def _delete_originals(batch: ScanBatch) -> None:
    """Every page is in a case, dropped or discarded: the stack itself is no longer needed (its pages live on in
    the cases' own files)."""
    if batch.originals_deleted_at is not None or batch.in_progress:
        return
    if batch.pages.filter(status__in=[P.UNROUTED, P.PENDING, P.READ]).exists():
        return
    for batch_file in batch.files.all():
        if batch_file.file:
            with contextlib.suppress(Exception):
                default_storage.delete(batch_file.file.name)
    batch.files.update(file="")
    ScanBatch.objects.filter(pk=batch.pk).update(originals_deleted_at=clock.now())


# --- The clerk places what is left --------------------------------------------------------------------------------


def _unrouted_pages(batch: ScanBatch, numbers: list[int]) -> list[ScanBatchPage]:
    numbers = sorted(set(numbers))
    if not numbers:
        raise InvalidInput(_("Choose at least one page."))
    pages = list(batch.pages.filter(number__in=numbers, status=P.UNROUTED).select_related("file").order_by("number"))
    if len(pages) != len(numbers):
        raise TransitionNotAllowed(_("Some of these pages are no longer waiting to be placed; reload the batch."))
    return pages


def batch_pages_assign(
    *, batch: ScanBatch, numbers: list[int], case: Case, document_type: DocumentType | None, by
) -> Document:
    """Put unrouted pages, in stack order, into ``case`` as one document (``document_type`` None: unsorted)."""
    require_clerk_of_batch(batch, by)
    if batch.in_progress:
        raise TransitionNotAllowed(_("Wait until the batch has been read."))
    pages = _unrouted_pages(batch, numbers)
    scratch = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{batch.pk}-", dir=_scratch_root()))
    try:
        readers = _open_files(batch, scratch)
        try:
            document = _route_group(
                batch, pages, readers, scratch, by=by, case=case, document_type=document_type, from_plan=False
            )
        finally:
            for reader in readers.values():
                reader.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    logger.info("scan batch id=%s pages=%s placed in case=%s", batch.pk, len(pages), case.pk)
    _delete_originals(ScanBatch.objects.get(pk=batch.pk))
    return document


def batch_pages_discard(*, batch: ScanBatch, numbers: list[int], by) -> int:
    """The clerk decides unrouted pages belong nowhere (a blank back side, a stray sheet). Recorded, not lost
    silently: the page stays listed as discarded by this clerk."""
    require_clerk_of_batch(batch, by)
    with transaction.atomic():
        pages = _unrouted_pages(batch, numbers)
        ids = [p.pk for p in pages]
        count = ScanBatchPage.objects.filter(pk__in=ids, status=P.UNROUTED).update(status=P.DISCARDED, resolved_by=by)
    _delete_originals(ScanBatch.objects.get(pk=batch.pk))
    return count


def batch_resume_stalled() -> int:
    """Enqueue batches whose worker stopped beating (a safety net beside the broker's own redelivery)."""
    stale = clock.now() - timedelta(seconds=settings.SCAN_BATCH_STALE_SECONDS)
    ids = list(
        ScanBatch.objects.filter(status__in=[B.QUEUED, B.READING, B.ROUTING])
        .filter(Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True, created_at__lt=stale))
        .values_list("pk", flat=True)[:100]
    )
    from frontoffice.batches.tasks import process_scan_batch

    for batch_id in ids:
        send(process_scan_batch, batch_id=batch_id)
    return len(ids)
