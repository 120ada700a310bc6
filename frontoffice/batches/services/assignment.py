"""The clerk places what is left: unrouted pages into a case as one document, or discarded (recorded, never lost
silently)."""

import logging
import shutil
import tempfile
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from cases.exceptions import InvalidInput, TransitionNotAllowed
from cases.models import Case, Document, DocumentType
from frontoffice.batches.services.files import SCRATCH_PREFIX, open_files, scratch_root
from frontoffice.batches.services.machine import PAGES
from frontoffice.batches.services.roles import require_clerk_of_batch
from frontoffice.batches.services.routing import delete_originals, route_group
from frontoffice.models import ScanBatch, ScanBatchPage

logger = logging.getLogger(__name__)

P = ScanBatchPage.Status


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
    scratch = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{batch.pk}-", dir=scratch_root()))
    try:
        readers = open_files(batch, scratch)
        try:
            document = route_group(
                batch, pages, readers, scratch, by=by, case=case, document_type=document_type, from_plan=False
            )
        finally:
            for reader in readers.values():
                reader.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    logger.info("scan batch id=%s pages=%s placed in case=%s", batch.pk, len(pages), case.pk)
    delete_originals(ScanBatch.objects.get(pk=batch.pk))
    return document


def batch_pages_discard(*, batch: ScanBatch, numbers: list[int], by) -> int:
    """The clerk decides unrouted pages belong nowhere (a blank back side, a stray sheet). Recorded, not lost
    silently: the page stays listed as discarded by this clerk."""
    require_clerk_of_batch(batch, by)
    with transaction.atomic():
        pages = _unrouted_pages(batch, numbers)
        ids = [p.pk for p in pages]
        count = len(PAGES.execute_many(ids, "discard", by=by, values={"resolved_by": by}, skip=True))
    delete_originals(ScanBatch.objects.get(pk=batch.pk))
    return count
