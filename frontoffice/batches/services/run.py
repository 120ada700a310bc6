"""The background run over a batch: read every page's barcodes, plan the split, route each part to its case. Every
page's outcome is saved as soon as it is known, so a worker that dies mid-way leaves a batch another worker resumes
where it stopped."""

import contextlib
import logging
import secrets
import shutil
import tempfile
from datetime import timedelta
from functools import partial
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from cases import clock
from cases.queue import send
from frontoffice.batches import codes, reading
from frontoffice.batches.services.claim import BatchTaken, Holder, claim
from frontoffice.batches.services.files import SCRATCH_PREFIX, open_files, scratch_root
from frontoffice.batches.services.machine import PAGES
from frontoffice.batches.services.routing import delete_originals, plan_batch, route
from frontoffice.models import ScanBatch, ScanBatchPage

logger = logging.getLogger(__name__)

B = ScanBatch.Status
P = ScanBatchPage.Status
K = ScanBatchPage.Kind


def batch_process(*, batch_id: int) -> ScanBatch | None:
    """Read every page's barcodes, split the stack, route each document to its case. Idempotent and
    resumable: a finished batch, or one another worker is on, is left alone; a stopped one continues."""
    token = secrets.token_hex(8)
    batch = claim(batch_id, token)
    if batch is None:
        return None
    holder = Holder(batch, token)
    scratch = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{batch.pk}-", dir=scratch_root()))
    try:
        readers = open_files(batch, scratch)
        try:
            _read_pages(batch, readers, holder)
            if batch.planned_at is None:
                plan_batch(batch, holder)
            route(batch, readers, scratch, holder)
        finally:
            for reader in readers.values():
                reader.close()
        holder.transition("finish", finished_at=clock.now(), worker="")
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
        with contextlib.suppress(BatchTaken):  # taken over meanwhile: the other worker decides
            holder.transition(
                "fail", failure_reason=f"{type(e).__name__}: {e}"[:500], worker="", finished_at=clock.now()
            )
        batch.refresh_from_db()
        return batch
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    batch.refresh_from_db()
    delete_originals(batch)
    logger.info("scan batch done id=%s pages=%s", batch.pk, batch.page_count)
    return batch


def _continue(batch_id: int) -> None:
    from frontoffice.batches.tasks import process_scan_batch

    process_scan_batch.delay(batch_id=batch_id)


def _read_pages(batch: ScanBatch, readers: dict[int, reading.StackReader], holder: Holder) -> None:
    pending = list(batch.pages.filter(status=P.PENDING).order_by("number"))
    if not pending:
        return
    holder.transition("read")
    for page in pending:
        reader = readers[page.file_id]
        reader.open()  # a file that cannot be opened at all fails the batch (retry reads it again)
        try:
            image = reader.render(page.source_index, settings.SCAN_BARCODE_DPI)
        except Exception as e:  # a damaged frame or page: kept as a page, never lost
            logger.warning("scan batch id=%s page=%s unreadable: %s", batch.pk, page.number, type(e).__name__)
            values = {"kind": K.CONTENT, "detail": _("This page could not be rendered; it is kept as it is.")}
            PAGES.execute_many([page], "read", by=None, values=values, data={"rendered": False}, skip=True)
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
            kind = {
                codes.Kind.COVER: K.COVER,
                codes.Kind.SEPARATOR: K.SEPARATOR,
                codes.Kind.CONTENT: K.CONTENT,
                codes.Kind.UNREADABLE_SHEET: K.UNREADABLE_SHEET,
            }[sheet.kind]
            values = {
                "kind": kind,
                "barcodes": "\n".join(dict.fromkeys(code.text for code in found))[:500],
                "sheet_case_number": ",".join(sheet.case_numbers)[:40],
                "sheet_document_type": sheet.document_type[:40],
                "thumbnail": page.thumbnail.name,
            }
            PAGES.execute_many([page], "read", by=None, values=values, skip=True)
        ScanBatch.objects.filter(pk=batch.pk).update(pages_read=F("pages_read") + 1)
        holder.beat()


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
