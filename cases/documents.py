"""Adding documents to a case and deriving their pages: the one path every file takes into a case.

The clerk's upload (page and API), a scanned batch, a tus upload and the applicant's phone link all call
``document_add``: the same inspection, duplicate check, storage, page rows and background processing. It lives in the
kernel so that the front office, ``public`` and ``uploads`` reach it directly (the import contracts see the
dependency) instead of through a setting.

Every function is keyword-only and runs in one transaction; background work is enqueued only after it commits.
"""

import contextlib
import io
import logging
import uuid
from collections.abc import Iterable

from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from cases import clock, lifecycle
from cases.exceptions import DomainError, DuplicateFile, FileRejected
from cases.lifecycle import CASES, Action
from cases.models import Case, Document, DocumentType, Page, SourceFile
from cases.pages import PAGES, PageAction, page_claim
from cases.processing.derive import process
from cases.processing.formats import EXTENSIONS
from cases.processing.inspection import Ready, check_file_name, inspect
from cases.queue import enqueue_on_commit
from cases.statemachine import Change

logger = logging.getLogger(__name__)


def lock_editable(case: Case | int, by) -> Case:
    """Lock the case and check that ``by`` may change its documents now (the table's EDIT_DOCUMENTS act)."""
    case = lifecycle.lock_case(case)
    CASES.require(case, Action.EDIT_DOCUMENTS, by=by)
    return case


def enqueue_pages(page_ids: list[int]) -> None:
    from cases.tasks import process_page

    for page_id in page_ids:
        enqueue_on_commit(process_page, page_id=page_id)


def uploaded(content: bytes, name: str) -> File:
    """Wrap bytes as an upload (demo data, batches, tests)."""
    f = File(io.BytesIO(content), name=name)
    f.size = len(content)
    return f


def document_add(
    *, case: Case, document_type: DocumentType | None, files: Iterable[File], by, document: Document | None = None
) -> Document:
    """Add one document made of the pages of ``files``. Every file is inspected before anything is stored; a
    refused file refuses the whole request and leaves no row and no file.

    With ``document`` (one of this case's), the pages are added after its own instead: a resumable upload sends one
    file per request, so the second file of a clerk's choice joins the document the first one made."""
    files = list(files)
    if not files:
        raise FileRejected(_("Choose at least one file."))
    inspected = [inspect(f, name=getattr(f, "name", "") or "") for f in files]
    seen: set[str] = set()
    for f, info in zip(files, inspected, strict=True):
        if info.sha256 in seen:
            raise DuplicateFile(_("“%(name)s” was chosen twice.") % {"name": f.name})
        seen.add(info.sha256)

    saved: list[str] = []
    try:
        with transaction.atomic():
            case = lock_editable(case, by)
            already = dict(SourceFile.objects.filter(case=case, sha256__in=seen).values_list("sha256", "original_name"))
            for f, info in zip(files, inspected, strict=True):
                if info.sha256 in already:
                    raise DuplicateFile(
                        _("“%(name)s” is already in this case (uploaded as “%(first)s”).")
                        % {"name": f.name, "first": already[info.sha256] or _("an earlier file")}
                    )
            if document is not None:
                document = Document.objects.filter(pk=document.pk, case=case).first()
                if document is None:
                    raise FileRejected(_("That document is not in this case."))
                page_position = document.pages.aggregate(m=Max("position"))["m"] or 0
            else:
                position = (case.documents.aggregate(m=Max("position"))["m"] or 0) + 1
                document = Document.objects.create(
                    case=case, document_type=document_type, position=position, created_by=by
                )
                page_position = 0
            page_ids = []
            for f, info in zip(files, inspected, strict=True):
                f.seek(0)
                name = default_storage.save(
                    f"cases/{case.pk}/originals/{info.sha256[:20]}.{EXTENSIONS[info.content_type]}", f
                )
                saved.append(name)
                source = SourceFile.objects.create(
                    case=case,
                    file=name,
                    sha256=info.sha256,
                    size=info.size,
                    content_type=info.content_type,
                    original_name=check_file_name(getattr(f, "name", "") or ""),
                    page_count=info.page_count,
                    created_by=by,
                )
                for index in range(info.page_count):
                    page_position += 1
                    page = Page.objects.create(
                        document=document, source=source, source_index=index, position=page_position
                    )
                    if info.ready is not None:
                        saved.extend(_store_ready_page(page, name, info.ready))
                    else:
                        page_ids.append(page.pk)
            enqueue_pages(page_ids)
    except BaseException:
        for name in saved:
            with contextlib.suppress(Exception):
                default_storage.delete(name)
        raise
    return document


def _store_ready_page(page: Page, original: str, ready: Ready) -> list[str]:
    """A page the inspection found already normalised: the stored original is its image; no task needed. (It is
    copied from storage: the upload's temporary file may already have been moved there.)"""
    image_path, thumb_path = _page_paths(page)
    with default_storage.open(original, "rb") as source:
        image_name = default_storage.save(image_path, source)
    thumb_name = default_storage.save(thumb_path, ContentFile(ready.thumbnail))

    def change(a) -> Change:
        page = a.obj
        page.image, page.thumbnail, page.width, page.height = image_name, thumb_name, ready.width, ready.height
        page.attempts, page.processed_at = 1, clock.now()
        return Change(fields=("image", "thumbnail", "width", "height", "attempts", "processed_at"))

    # The page was created in this transaction: nobody else can see it, so it needs no lock of its own.
    PAGES.execute(page, PageAction.ADOPT, by=None, change=change, locked=True)
    return [image_name, thumb_name]


def _page_paths(page: Page) -> tuple[str, str]:
    base = f"cases/{page.document.case_id}/pages/{page.pk}"
    return f"{base}.jpg", f"{base}-thumb.jpg"


def replace_file(name: str, content: bytes) -> str:
    """Write ``name`` afresh (a retried task must not leave a second copy beside the first)."""
    if default_storage.exists(name):
        default_storage.delete(name)
    return default_storage.save(name, ContentFile(content))


def page_process(*, page_id: int, token: str = "") -> Page | None:
    """Derive the page image and thumbnail, once. The page is claimed first (a compare-and-set under its row
    lock): a page that is ready, gone, or claimed by another delivery is left alone. Failures are recorded on the
    page with a reason the clerk can read. ``token`` names this delivery (the task's id)."""
    token = token or uuid.uuid4().hex
    try:
        page = page_claim(page_id, token=token)
    except (Page.DoesNotExist, DomainError):
        return Page.objects.filter(pk=page_id).first()
    try:
        with default_storage.open(page.source.file.name, "rb") as f:
            derived = process(f, page.source.content_type, page.source_index, rotation=page.rotation)
    except Exception as e:  # any decoder failure becomes a readable reason, never a crash loop
        error = type(e).__name__
        logger.warning("page %s failed: %s", page_id, error)

        def failed(a) -> Change:
            a.obj.failure_reason = _("The page could not be read from the file.")
            return Change(fields=("failure_reason",), note=error)

        return _finish(page_id, PageAction.FAIL, token, failed)
    image_path, thumb_path = _page_paths(page)
    image_name = replace_file(image_path, derived.image)
    thumb_name = replace_file(thumb_path, derived.thumbnail)

    def ready(a) -> Change:
        page = a.obj
        page.failure_reason, page.processed_at = "", clock.now()
        page.image, page.thumbnail, page.width, page.height = image_name, thumb_name, derived.width, derived.height
        return Change(fields=("failure_reason", "image", "thumbnail", "width", "height", "processed_at"))

    return _finish(page_id, PageAction.FINISH, token, ready)


def _finish(page_id: int, action: str, token: str, change) -> Page | None:
    """Record the outcome if this delivery still holds the claim (the clerk may have turned the page meanwhile:
    then its new task does the work again and this result is dropped)."""
    try:
        return PAGES.execute(page_id, action, by=None, params={"token": token}, change=change).obj
    except (Page.DoesNotExist, DomainError):
        return Page.objects.filter(pk=page_id).first()
