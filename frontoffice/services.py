"""The front office's writes: applicants, opening cases, documents and pages, and its lifecycle transitions.

Every function is keyword-only, runs in one transaction, and raises a named ``cases.exceptions`` error when the
state or the role does not allow it. Background work is enqueued only after the transaction commits.
"""

import contextlib
import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import clock, deadlines, lifecycle
from cases.access import access_for
from cases.checklist import in_checklist_order, shared_documents
from cases.documents import (  # noqa: F401  (the kernel's; document_add, page_process, uploaded also reached from here)
    document_add,
    enqueue_pages,
    lock_editable,
    page_process,
    replace_file,
    uploaded,
)
from cases.exceptions import (
    DomainError,
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
)
from cases.pages import PAGES, PageAction, lease
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
from registries.services import registry_queries_for_new_case

logger = logging.getLogger(__name__)

S = Case.Status


def _require_clerk_of(front_office: FrontOffice, by) -> None:
    if front_office.pk not in access_for(by).clerk_front_office_ids:
        raise NotPermitted(_("Only a clerk of this front office can do this."))


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


@transaction.atomic
def page_retry(*, page: Page, by) -> Page:
    lock_editable(page.document.case_id, by)

    def change(a) -> Change:
        a.obj.failure_reason, a.obj.queued_at, a.obj.claim_token = "", clock.now(), ""
        return Change(fields=("failure_reason", "queued_at", "claim_token"))

    page = PAGES.execute(page, PageAction.RETRY, by=by, change=change).obj
    enqueue_pages([page.pk])
    return page


@transaction.atomic
def page_rotate(*, page: Page, by, degrees: int = 90) -> Page:
    """Turn a page clockwise; its image and thumbnail are derived again."""
    lock_editable(page.document.case_id, by)
    if degrees % 90:
        raise FileRejected(_("Pages turn by quarter turns only."))

    def change(a) -> Change:
        page = a.obj
        page.rotation = (page.rotation + degrees) % 360
        page.queued_at, page.claim_token, page.failure_reason = clock.now(), "", ""
        return Change(fields=("rotation", "queued_at", "claim_token", "failure_reason"), data={"degrees": degrees})

    page = PAGES.execute(page, PageAction.ROTATE, by=by, change=change).obj
    enqueue_pages([page.pk])
    return page


@transaction.atomic
def page_delete(*, page: Page, by) -> None:
    """Remove a page; its document goes too when it was the last page. Files go after the commit."""
    lock_editable(page.document.case_id, by)
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
    lock_editable(page.document.case_id, by)
    pages = list(page.document.pages.order_by("position", "pk"))
    pages.remove(next(p for p in pages if p.pk == page.pk))
    pages.insert(max(0, min(position - 1, len(pages))), page)
    for number, p in enumerate(pages, start=1):
        if p.position != number:
            p.position = number
            p.save(update_fields=["position"])


@transaction.atomic
def document_set_type(*, document: Document, document_type: DocumentType, by) -> Document:
    lock_editable(document.case_id, by)
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
    name = replace_file(f"cases/{case.pk}/package.pdf", pdf)
    Case.objects.filter(pk=case.pk).update(package_pdf=name)
    return name


def requeue_stale_work(*, older_than_seconds: int | None = None, limit: int = 500) -> dict[str, int]:
    """Send again the work whose nudge never reached a worker: pages still pending, and submitted packages still
    without their PDF, well after they were queued. Idempotent tasks make a spare nudge harmless."""
    from cases.tasks import process_page
    from frontoffice.tasks import assemble_case_pdf

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
