"""The front office's writes: applicants, opening cases, documents and pages, and its lifecycle transitions.

Every function is keyword-only, runs in one transaction, and raises a named ``cases.exceptions`` error when the
state or the role does not allow it. Background work is enqueued only after the transaction commits.
"""

import contextlib
import io
import logging
import uuid
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import clock, deadlines, lifecycle
from cases.access import access_for
from cases.checklist import in_checklist_order, shared_documents
from cases.exceptions import (
    DomainError,
    DuplicateFile,
    DuplicateOpenCase,
    FileRejected,
    InvalidInput,
    NotPermitted,
    TransitionNotAllowed,
)
from cases.lifecycle import CASES, Action
from cases.models import (
    Applicant,
    Application,
    Case,
    Document,
    DocumentType,
    FrontOffice,
    Page,
    ServiceType,
    SourceFile,
)
from cases.pages import PAGES, PageAction, lease, page_claim
from cases.queue import enqueue_on_commit, send
from cases.services import (
    applicant_prepare,
    applicant_save,
    application_of_one,
    case_number_next,
    idempotency_remember,
    idempotent_case,
)
from cases.statemachine import Change
from frontoffice import processing
from registries.services import registry_queries_for_new_case

logger = logging.getLogger(__name__)

S = Case.Status


def _require_clerk_of(front_office: FrontOffice, by) -> None:
    if front_office.pk not in access_for(by).clerk_front_office_ids:
        raise NotPermitted(_("Only a clerk of this front office can do this."))


def _lock_editable(case: Case | int, by) -> Case:
    """Lock the case and check that ``by`` may change its documents now (the table's EDIT_DOCUMENTS act)."""
    case = lifecycle.lock_case(case)
    CASES.require(case, Action.EDIT_DOCUMENTS, by=by)
    return case


# --- Applicants ---------------------------------------------------------------------------------------------------


def applicant_register(*, by, front_office: FrontOffice, data: dict) -> Applicant:
    """Register a person. ``data`` holds the Applicant fields; raises ``ValidationError`` with field errors (one per
    field; a number already on file answers with the code ``applicant_exists`` and the person's id)."""
    _require_clerk_of(front_office, by)
    applicant = Applicant(registered_at=front_office, created_by=by, **data)
    applicant_prepare(applicant)
    applicant_save(applicant)
    logger.info("applicant registered id=%s front_office=%s", applicant.pk, front_office.pk)
    return applicant


# --- Cases --------------------------------------------------------------------------------------------------------


def open_cases_of(*, applicant: Applicant, service_type: ServiceType) -> list[Case]:
    return list(Case.objects.filter(applicant=applicant, service_type=service_type, status__in=Case.OPEN_STATUSES))


@transaction.atomic
def case_open(
    *,
    applicant: Applicant,
    service_type: ServiceType,
    front_office: FrontOffice,
    by,
    channel: str = Case.Channel.IN_PERSON,
    duplicate_reason: str = "",
    application: Application | None = None,
) -> Case:
    """Open a draft case. A second open case of the same service for the same person needs a reason.

    The case joins ``application`` (frontoffice.applications); without one it is an application of one."""
    _require_clerk_of(front_office, by)
    if not service_type.active:
        raise TransitionNotAllowed(_("This service is no longer offered."))
    existing = open_cases_of(applicant=applicant, service_type=service_type)
    duplicate_reason = duplicate_reason.strip()
    if existing and not duplicate_reason:
        raise DuplicateOpenCase(existing=[c.number for c in existing])
    community = front_office.community
    now = clock.now()
    number = case_number_next(community=community, year=now.year)
    if application is None:
        application = application_of_one(
            applicant=applicant,
            front_office=front_office,
            case_number=number,
            service_type=service_type,
            by=by,
            channel=channel,
        )
    case = Case.objects.create(
        number=number,
        application=application,
        applicant=applicant,
        service_type=service_type,
        front_office=front_office,
        community=community,
        back_office_id=community.back_office_id,
        channel=channel,
        duplicate_reason=duplicate_reason if existing else "",
        created_by=by,
        created_at=now,
        updated_at=now,
    )
    lifecycle.record(
        case,
        Action.OPEN,
        by=by,
        note=case.duplicate_reason,
        data={"duplicate_of": [c.number for c in existing]} if existing else None,
    )
    # What a state registry holds is asked for at once; the questions go out when this transaction commits.
    registry_queries_for_new_case(case=case, by=by)
    return case


# --- Documents and pages --------------------------------------------------------------------------------------------


def _enqueue_pages(page_ids: list[int]) -> None:
    from frontoffice.tasks import process_page

    for page_id in page_ids:
        enqueue_on_commit(process_page, page_id=page_id)


def document_add(*, case: Case, document_type: DocumentType | None, files: Iterable[File], by) -> Document:
    """Add one document made of the pages of ``files``. Every file is inspected before anything is stored; a
    refused file refuses the whole request and leaves no row and no file."""
    files = list(files)
    if not files:
        raise FileRejected(_("Choose at least one file."))
    inspected = [processing.inspect(f, name=getattr(f, "name", "") or "") for f in files]
    seen: set[str] = set()
    for f, info in zip(files, inspected, strict=True):
        if info.sha256 in seen:
            raise DuplicateFile(_("“%(name)s” was chosen twice.") % {"name": f.name})
        seen.add(info.sha256)

    saved: list[str] = []
    try:
        with transaction.atomic():
            case = _lock_editable(case, by)
            already = dict(SourceFile.objects.filter(case=case, sha256__in=seen).values_list("sha256", "original_name"))
            for f, info in zip(files, inspected, strict=True):
                if info.sha256 in already:
                    raise DuplicateFile(
                        _("“%(name)s” is already in this case (uploaded as “%(first)s”).")
                        % {"name": f.name, "first": already[info.sha256] or _("an earlier file")}
                    )
            position = (case.documents.aggregate(m=Max("position"))["m"] or 0) + 1
            document = Document.objects.create(case=case, document_type=document_type, position=position, created_by=by)
            page_ids = []
            page_position = 0
            for f, info in zip(files, inspected, strict=True):
                f.seek(0)
                name = default_storage.save(
                    f"cases/{case.pk}/originals/{info.sha256[:20]}.{processing.EXTENSIONS[info.content_type]}", f
                )
                saved.append(name)
                source = SourceFile.objects.create(
                    case=case,
                    file=name,
                    sha256=info.sha256,
                    size=info.size,
                    content_type=info.content_type,
                    original_name=processing.check_file_name(getattr(f, "name", "") or ""),
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
            _enqueue_pages(page_ids)
    except BaseException:
        for name in saved:
            with contextlib.suppress(Exception):
                default_storage.delete(name)
        raise
    return document


def _store_ready_page(page: Page, original: str, ready: processing.Ready) -> list[str]:
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


def _replace(name: str, content: bytes) -> str:
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
            derived = processing.process(f, page.source.content_type, page.source_index, rotation=page.rotation)
    except Exception as e:  # any decoder failure becomes a readable reason, never a crash loop
        error = type(e).__name__
        logger.warning("page %s failed: %s", page_id, error)

        def failed(a) -> Change:
            a.obj.failure_reason = _("The page could not be read from the file.")
            return Change(fields=("failure_reason",), note=error)

        return _finish(page_id, PageAction.FAIL, token, failed)
    image_path, thumb_path = _page_paths(page)
    image_name = _replace(image_path, derived.image)
    thumb_name = _replace(thumb_path, derived.thumbnail)

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


@transaction.atomic
def page_retry(*, page: Page, by) -> Page:
    _lock_editable(page.document.case_id, by)

    def change(a) -> Change:
        a.obj.failure_reason, a.obj.queued_at, a.obj.claim_token = "", clock.now(), ""
        return Change(fields=("failure_reason", "queued_at", "claim_token"))

    page = PAGES.execute(page, PageAction.RETRY, by=by, change=change).obj
    _enqueue_pages([page.pk])
    return page


@transaction.atomic
def page_rotate(*, page: Page, by, degrees: int = 90) -> Page:
    """Turn a page clockwise; its image and thumbnail are derived again."""
    _lock_editable(page.document.case_id, by)
    if degrees % 90:
        raise FileRejected(_("Pages turn by quarter turns only."))

    def change(a) -> Change:
        page = a.obj
        page.rotation = (page.rotation + degrees) % 360
        page.queued_at, page.claim_token, page.failure_reason = clock.now(), "", ""
        return Change(fields=("rotation", "queued_at", "claim_token", "failure_reason"), data={"degrees": degrees})

    page = PAGES.execute(page, PageAction.ROTATE, by=by, change=change).obj
    _enqueue_pages([page.pk])
    return page


@transaction.atomic
def page_delete(*, page: Page, by) -> None:
    """Remove a page; its document goes too when it was the last page. Files go after the commit."""
    _lock_editable(page.document.case_id, by)
    document, source = page.document, page.source
    names = [n for n in (page.image.name, page.thumbnail.name) if n]
    page.delete()
    if not source.pages.exists():
        names.append(source.file.name)
        source.delete()
    if not document.pages.exists():
        document.delete()
    transaction.on_commit(lambda: [default_storage.delete(n) for n in names])


@transaction.atomic
def page_move(*, page: Page, by, position: int) -> None:
    """Put a page at ``position`` (1-based) within its document, shifting the others."""
    _lock_editable(page.document.case_id, by)
    pages = list(page.document.pages.order_by("position", "pk"))
    pages.remove(next(p for p in pages if p.pk == page.pk))
    pages.insert(max(0, min(position - 1, len(pages))), page)
    for number, p in enumerate(pages, start=1):
        if p.position != number:
            p.position = number
            p.save(update_fields=["position"])


@transaction.atomic
def document_set_type(*, document: Document, document_type: DocumentType, by) -> Document:
    _lock_editable(document.case_id, by)
    document.document_type = document_type
    document.save(update_fields=["document_type"])
    return document


# --- Transitions --------------------------------------------------------------------------------------------------


def _enqueue_package_pdf(case: Case) -> None:
    from frontoffice.tasks import assemble_case_pdf

    enqueue_on_commit(assemble_case_pdf, case_id=case.pk)


def _same_case(earlier: Case, case: Case) -> Case:
    """A repeated request: the key must belong to this case, or the client mixed up its keys."""
    if earlier.pk != case.pk:
        raise InvalidInput(_("This Idempotency-Key was already used for another case."))
    return earlier


@transaction.atomic
def case_submit(*, case: Case, by, idempotency_key: str | None = None) -> Case:
    """Pass the package to the back office's queue. Repeating it (same key, or a double click) changes nothing."""
    if (earlier := idempotent_case(user=by, key=idempotency_key, action=Action.SUBMIT)) is not None:
        return _same_case(earlier, case)

    def change(a) -> Change:
        a.obj.submitted_at = a.obj.first_submitted_at = clock.now()
        a.obj.due_date = deadlines.decision_due(a.obj.service_type, clock.today())
        return Change(fields=("submitted_at", "first_submitted_at", "due_date"))

    outcome = CASES.execute(case, Action.SUBMIT, by=by, change=change)
    if not outcome.repeated:
        idempotency_remember(user=by, key=idempotency_key, action=Action.SUBMIT, case=outcome.obj)
        _enqueue_package_pdf(outcome.obj)
    return outcome.obj


@transaction.atomic
def case_resubmit(*, case: Case, by, note: str = "", idempotency_key: str | None = None) -> Case:
    """Answer the back office's request: the case returns to the queue; the decision clock resumes."""
    if (earlier := idempotent_case(user=by, key=idempotency_key, action=Action.RESUBMIT)) is not None:
        return _same_case(earlier, case)

    def change(a) -> Change:
        case, now = a.obj, clock.now()
        fields = ["submitted_at", "assignee", "clock_paused_at"]
        if case.clock_paused_at and case.due_date:
            case.due_date = deadlines.extend_for_pause(
                case.service_type, case.due_date, timezone.localdate(case.clock_paused_at), clock.today()
            )
            fields.append("due_date")
        case.submitted_at = now
        case.assignee = None
        case.clock_paused_at = None
        case.info_requests.filter(answered_at__isnull=True).update(answered_at=now)
        return Change(fields=tuple(fields), note=note)

    outcome = CASES.execute(case, Action.RESUBMIT, by=by, change=change)
    if not outcome.repeated:
        idempotency_remember(user=by, key=idempotency_key, action=Action.RESUBMIT, case=outcome.obj)
        _enqueue_package_pdf(outcome.obj)
    return outcome.obj


def case_withdraw(*, case: Case, by, reason: str) -> Case:
    """The applicant withdraws the application (from draft, the queue, or while information is awaited)."""

    def change(a) -> Change:
        if not reason.strip():
            raise ValidationError({"reason": _("Say why the application is withdrawn.")})
        a.obj.assignee = None
        return Change(fields=("assignee",), note=reason.strip())

    return CASES.execute(case, Action.WITHDRAW, by=by, change=change).obj


def case_hand_over(*, case: Case, by) -> Case:
    """The applicant received the decision notice: the case is closed."""

    def change(a) -> Change:
        a.obj.closed_at = clock.now()
        return Change(fields=("closed_at",))

    return CASES.execute(case, Action.HAND_OVER, by=by, change=change).obj


def case_package_pdf(*, case_id: int) -> str | None:
    """Assemble one PDF of every ready page, documents in the checklist's order, on A4 pages (lossless: the JPEGs
    are embedded as they are; a page larger than A4 is scaled down into it, a smaller one is centred, a landscape
    image gets a landscape sheet)."""
    import img2pdf

    case = Case.objects.select_related("service_type").filter(pk=case_id).first()
    if case is None:
        return None
    ordered_pages = Prefetch("pages", Page.objects.order_by("position", "pk"))
    own = list(case.documents.prefetch_related(ordered_pages))
    shared = [d for d in shared_documents(case) if d.case_id != case.pk]  # evidence scanned once for the application
    documents = in_checklist_order(case, own + shared)
    images = []
    for document in documents:
        for page in document.pages.all():
            if not page.is_ready:
                continue
            with default_storage.open(page.image.name, "rb") as f:
                images.append(f.read())
    if not images:
        return None
    a4 = (img2pdf.mm_to_pt(210), img2pdf.mm_to_pt(297))
    layout = img2pdf.get_layout_fun(a4, fit=img2pdf.FitMode.shrink, auto_orient=True)
    pdf = img2pdf.convert(images, layout_fun=layout)
    name = _replace(f"cases/{case.pk}/package.pdf", pdf)
    Case.objects.filter(pk=case.pk).update(package_pdf=name)
    return name


def uploaded(content: bytes, name: str) -> File:
    """Wrap bytes as an upload (demo data, batches, tests)."""
    f = File(io.BytesIO(content), name=name)
    f.size = len(content)
    return f


def requeue_stale_work(*, older_than_seconds: int | None = None, limit: int = 500) -> dict[str, int]:
    """Send again the work whose nudge never reached a worker: pages still pending, and submitted packages still
    without their PDF, well after they were queued. Idempotent tasks make a spare nudge harmless."""
    from frontoffice.tasks import assemble_case_pdf, process_page

    seconds = settings.STALE_WORK_SECONDS if older_than_seconds is None else older_than_seconds
    now = clock.now()
    stale = now - timedelta(seconds=seconds)
    abandoned = Page.objects.filter(status=Page.Status.PROCESSING, claimed_at__lt=now - lease())
    for page_id in abandoned.values_list("pk", flat=True)[:limit]:
        with contextlib.suppress(DomainError, Page.DoesNotExist):  # finished meanwhile: nothing to take back
            PAGES.execute(page_id, PageAction.REQUEUE, by=None)
    page_ids = list(
        Page.objects.filter(status=Page.Status.PENDING, queued_at__lt=stale).values_list("pk", flat=True)[:limit]
    )
    sent_pages = [page_id for page_id in page_ids if send(process_page, page_id=page_id)]
    Page.objects.filter(pk__in=sent_pages).update(queued_at=now)
    case_ids = list(
        Case.objects.filter(first_submitted_at__lt=stale, package_pdf="")
        .exclude(status__in=[S.DRAFT, S.WITHDRAWN])
        .exclude(documents__pages__status__in=[Page.Status.PENDING, Page.Status.PROCESSING, Page.Status.FAILED])
        .values_list("pk", flat=True)[:limit]
    )
    sent_cases = [case_id for case_id in case_ids if send(assemble_case_pdf, case_id=case_id)]
    if page_ids or case_ids:
        logger.info(
            "requeued %d of %d pages, %d of %d package PDFs",
            len(sent_pages),
            len(page_ids),
            len(sent_cases),
            len(case_ids),
        )
    return {"pages": len(sent_pages), "packages": len(sent_cases)}
