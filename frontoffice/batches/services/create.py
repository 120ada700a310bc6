"""Accepting a stack: every file checked first, stored, one row per page, and the reading queued after commit; a
failed batch read again from where it stopped."""

import contextlib
import logging

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from cases.exceptions import FileRejected
from cases.models import FrontOffice
from cases.processing.formats import EXTENSIONS
from cases.processing.inspection import check_file_name
from cases.queue import enqueue_on_commit
from cases.statemachine import Attempt, Change
from frontoffice.batches import reading
from frontoffice.batches.services.machine import BATCHES
from frontoffice.batches.services.roles import require_clerk_of, require_clerk_of_batch
from frontoffice.models import ScanBatch, ScanBatchFile, ScanBatchPage

logger = logging.getLogger(__name__)

B = ScanBatch.Status


def enqueue(batch_id: int) -> None:
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
            BATCHES.record(batch, "receive", by=by, data={"pages": batch.page_count, "source": source})
            logger.info("scan batch received id=%s pages=%s source=%s", batch.pk, batch.page_count, source)
            enqueue(batch.pk)
    except BaseException:
        for stored in saved:
            with contextlib.suppress(Exception):
                default_storage.delete(stored)
        raise
    return batch


def _stored_name(batch: ScanBatch, position: int, info: reading.StackFile) -> str:
    extension = file_extension(info.content_type)
    if batch.source == ScanBatch.Source.FOLDER:
        # Named by the checksum that imports it once: a worker killed after storing it but before committing
        # leaves a copy the next attempt replaces, never a second one.
        name = f"scan-batches/folder/{batch.front_office_id}/{info.sha256}.{extension}"
        if default_storage.exists(name):
            default_storage.delete(name)
        return name
    return f"scan-batches/{batch.pk}/{position}-{info.sha256[:16]}.{extension}"


def file_extension(content_type: str) -> str:
    return EXTENSIONS.get(content_type, "bin")


def batch_retry(*, batch: ScanBatch, by) -> ScanBatch:
    """Read a failed batch again from where it stopped."""
    require_clerk_of_batch(batch, by)  # the clearer message; the machine checks the same role

    def requeued(a: Attempt) -> Change:
        a.obj.failure_reason, a.obj.worker, a.obj.heartbeat_at = "", "", None
        return Change(fields=("failure_reason", "worker", "heartbeat_at"))

    with transaction.atomic():
        locked = BATCHES.lock(batch)
        if locked.status == B.FAILED:  # anything else: already retried (or never failed), nothing to do
            BATCHES.execute(locked, "retry", by=by, change=requeued, locked=True)
            enqueue(batch.pk)
    batch.refresh_from_db()
    return batch
