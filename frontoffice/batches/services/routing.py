"""Splitting a read stack and routing its parts: each part becomes a document of its case through
``frontoffice.services.document_add`` (the same checks and page processing as a clerk's upload); a document and the
pages that record it are written in one transaction, so no part is ever added twice."""

import contextlib
import logging
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from cases import clock
from cases.exceptions import DomainError, FileRejected, TransitionNotAllowed
from cases.lifecycle import documents_editable
from cases.models import Case, Document, DocumentType
from frontoffice import services as front
from frontoffice.batches import codes, plan, reading
from frontoffice.batches.services.claim import Holder
from frontoffice.batches.services.create import file_extension
from frontoffice.batches.services.machine import PAGES
from frontoffice.models import ScanBatch, ScanBatchFile, ScanBatchPage

logger = logging.getLogger(__name__)

B = ScanBatch.Status
P = ScanBatchPage.Status
R = ScanBatchPage.Reason
K = ScanBatchPage.Kind


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
    if not documents_editable(case):  # the table's state for changing documents
        return None, R.NOT_ACCEPTING, f"{numbers[0]}: {case.get_status_display()}"
    return case, "", numbers[0]


@transaction.atomic
def plan_batch(batch: ScanBatch, holder: Holder) -> None:
    """Split the read stack and record the plan on the pages (parts whose case cannot take them: unrouted)."""
    pages = list(batch.pages.order_by("number"))
    result = plan.split([(p.number, _sheet_of(p)) for p in pages])
    by_number = {p.number: p for p in pages}
    types = {t.code: t for t in DocumentType.objects.all()}
    targets: dict[tuple, tuple[Case | None, str, str]] = {}
    dropped: list[ScanBatchPage] = []
    unrouted: dict[str, list[ScanBatchPage]] = {}
    for number, part in result.sheets.items():
        page = by_number[number]
        page.part = part
        dropped.append(page)
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
                page.reason, page.detail = reason, page.detail or detail
                unrouted.setdefault(reason, []).append(page)
    ScanBatchPage.objects.bulk_update(
        pages, ["part", "group", "case_number", "document_type", "case", "reason", "detail"], batch_size=500
    )
    PAGES.execute_many(dropped, "drop", by=None)
    for reason, group_pages in unrouted.items():
        PAGES.execute_many(group_pages, "unroute", by=None, data={"reason": reason})
    holder.transition("route", planned_at=clock.now())
    batch.planned_at = clock.now()


def route(batch: ScanBatch, readers: dict[int, reading.StackReader], scratch: Path, holder: Holder) -> None:
    pages = list(
        batch.pages.filter(status=P.READ, group__isnull=False, case__isnull=False)
        .select_related("case", "document_type", "file")
        .order_by("number")
    )
    groups: dict[int, list[ScanBatchPage]] = {}
    for page in pages:
        groups.setdefault(page.group, []).append(page)
    for group_pages in groups.values():
        route_group(batch, group_pages, readers, scratch, by=batch.created_by)
        holder.beat()
    # A case deleted since the plan leaves its pages without a target: they wait for the clerk like any other.
    PAGES.execute_many(
        batch.pages.filter(status=P.READ),
        "unroute",
        by=None,
        values={"reason": R.UNKNOWN_CASE},
        data={"reason": R.UNKNOWN_CASE},
        skip=True,
    )


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
        name = batch_file.original_name or f"scan.{file_extension(batch_file.content_type)}"
        pieces += reading.cut(
            readers[batch_file.pk], indices, total=batch_file.page_count, dest=scratch, name=Path(name).name
        )
    return pieces


def route_group(
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
        PAGES.execute_many(ids, "unroute", by=None, values={"reason": R.DAMAGED}, data={"reason": R.DAMAGED}, skip=True)
        return None
    handles = [open(piece.path, "rb") for piece in pieces]  # noqa: SIM115 - closed below, after document_add
    try:
        uploads = []
        for piece, handle in zip(pieces, handles, strict=True):
            upload = File(handle, name=piece.name)
            upload.size = piece.path.stat().st_size
            uploads.append(upload)
        # Locked and re-checked by the page machine: two workers, or two clerks, never add the same pages twice.
        # The document is added under the pages' lock, once every page is still waiting for it.
        added: list[Document | None] = []

        def add_document(locked: list[ScanBatchPage]) -> dict:
            added.append(None)  # past the pages' checks: an error from here on is the case's
            added[0] = front.document_add(case=case, document_type=document_type, files=uploads, by=by)
            return {"document": added[0]}

        values = {
            "case": case,
            "case_number": case.number,
            "document_type": document_type,
            "reason": "",
            "detail": "",
            "resolved_by": None if from_plan else by,
        }
        try:
            PAGES.execute_many(
                ids,
                "route" if from_plan else "assign",
                by=None if from_plan else by,
                values=values,
                change=add_document,
                data={"case": case.number},
            )
        except TransitionNotAllowed:
            if from_plan and not added:  # another worker placed them meanwhile
                return None
            raise
        return added[0]
    except DomainError as e:
        if not from_plan:
            raise
        detail = str(e.message)[:500]
        values = {"reason": R.REFUSED, "detail": detail}
        PAGES.execute_many(ids, "unroute", by=None, values=values, data={"reason": R.REFUSED}, skip=True)
        logger.info("scan batch id=%s group refused by case: %s", batch.pk, e.code)
        return None
    finally:
        for handle in handles:
            handle.close()
        for piece in pieces:
            if piece.owned:
                piece.path.unlink(missing_ok=True)


def delete_originals(batch: ScanBatch) -> None:
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
