"""The clerk's batch pages: upload a scanned stack, watch it being read, place what is left, print sheets."""

from itertools import groupby
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases import selectors as case_selectors
from cases.access import access_for
from cases.exceptions import DomainError
from cases.files import PDF, file_response
from cases.models import DocumentType, FrontOffice
from frontoffice import services as front
from frontoffice.batches import inbox, selectors, sheets
from frontoffice.batches.forms import AssignForm, LabelForm, PagesForm, UploadForm
from frontoffice.batches.services import create
from frontoffice.batches.services.assignment import batch_pages_assign, batch_pages_discard
from frontoffice.batches.services.create import batch_create
from frontoffice.models import ScanBatchPage
from frontoffice.views import front_office_required

P = ScanBatchPage.Status
LIST_LIMIT = 50


def _clerk_front_offices(user) -> list[FrontOffice]:
    return list(FrontOffice.objects.filter(pk__in=access_for(user).clerk_front_office_ids).order_by("name"))


@require_GET
@front_office_required
def batch_list(request: HttpRequest) -> HttpResponse:
    """Recent batches of the community, the upload form, the sheets to print and the scanner folders."""
    front_offices = _clerk_front_offices(request.user)
    return render(
        request,
        "frontoffice/batches/batch_list.html",
        {
            "nav": "batches",
            "batches": selectors.scan_batch_list(user=request.user)[:LIST_LIMIT],
            "form": UploadForm(front_offices=front_offices),
            "can_upload": bool(front_offices),
            "inboxes": [(fo, _scanner_folder(fo)) for fo in front_offices],
            "document_types": DocumentType.objects.all(),
        },
    )


@require_POST
@front_office_required
def batch_upload(request: HttpRequest) -> HttpResponse:
    front_offices = _clerk_front_offices(request.user)
    form = UploadForm(request.POST, request.FILES, front_offices=front_offices)
    if form.is_valid():
        front_office = next(fo for fo in front_offices if str(fo.pk) == str(form.cleaned_data["front_office"]))
        try:
            batch = batch_create(front_office=front_office, files=form.cleaned_data["files"], by=request.user)
        except DomainError as e:
            form.add_error("files", str(e.message))
        else:
            batch.refresh_from_db(fields=["status"])
            if batch.in_progress:
                messages.success(request, _("The stack is being read. Pages go to their cases as they are routed."))
            return redirect("frontoffice:batch-detail", pk=batch.pk)
    return render(
        request,
        "frontoffice/batches/batch_list.html",
        {
            "nav": "batches",
            "batches": selectors.scan_batch_list(user=request.user)[:LIST_LIMIT],
            "form": form,
            "can_upload": bool(front_offices),
            "inboxes": [(fo, _scanner_folder(fo)) for fo in front_offices],
            "document_types": DocumentType.objects.all(),
        },
        status=400,
    )


def _unrouted_groups(pages: list[ScanBatchPage]) -> list[dict]:
    """Unrouted pages in runs that belong together (one document of the plan), each with why it stayed."""
    unrouted = [p for p in pages if p.is_unrouted]
    groups = []
    for key, run in groupby(unrouted, key=lambda p: (p.group, p.reason, p.case_number)):
        run = list(run)
        groups.append(
            {
                "key": f"g{key[0] or 0}-{run[0].number}",
                "pages": run,
                "reason": run[0].get_reason_display(),
                "detail": run[0].detail,
                "case_number": key[2],
                "document_type": run[0].document_type,
            }
        )
    return groups


def _detail_context(request: HttpRequest, batch) -> dict:
    pages = selectors.scan_batch_pages(batch=batch)
    counts = selectors.scan_batch_counts(batch=batch)
    unsorted = selectors.scan_batch_unsorted_documents(batch=batch) if not batch.in_progress else []
    for document in unsorted:  # the pages beside the form, so the clerk sees what the document is
        document.batch_pages = [p for p in pages if p.document_id == document.pk and p.is_routed]
    return {
        "nav": "batches",
        "batch": batch,
        "pages": pages,
        "counts": counts,
        "groups": _unrouted_groups(pages),
        "unsorted": unsorted,
        "document_types": list(DocumentType.objects.all()),
        "open_cases": selectors.cases_accepting_documents(
            user=request.user, community_id=batch.front_office.community_id
        ).values_list("number", flat=True)[:200]
        if counts[P.UNROUTED]
        else [],
        "can_act": batch.front_office.community_id in access_for(request.user).clerk_community_ids,
    }


@require_GET
@front_office_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.scan_batch_get(user=request.user, pk=pk)
    return render(request, "frontoffice/batches/batch_detail.html", _detail_context(request, batch))


@require_GET
@front_office_required
def batch_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress box, polled by HTMX while the batch is read; once it is done the page reloads in full."""
    batch = selectors.scan_batch_get(user=request.user, pk=pk)
    if request.htmx and not batch.in_progress:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    if not request.htmx:
        return redirect("frontoffice:batch-detail", pk=pk)
    return render(
        request,
        "frontoffice/batches/batch_detail.html#progress",
        {"batch": batch, "counts": selectors.scan_batch_counts(batch=batch)},
    )


def _back(batch) -> HttpResponse:
    return redirect(reverse("frontoffice:batch-detail", args=[batch.pk]) + "#unrouted")


@require_POST
@front_office_required
def batch_assign(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.scan_batch_get(user=request.user, pk=pk)
    numbers = list(batch.pages.filter(status=P.UNROUTED).values_list("number", flat=True))
    form = AssignForm(request.POST, numbers=numbers)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return _back(batch)
    data = form.cleaned_data
    try:
        case = case_selectors.case_get_by_number(user=request.user, number=data["case_number"].strip().upper())
    except Http404:
        messages.error(request, _("No case %(number)s in your community.") % {"number": data["case_number"]})
        return _back(batch)
    try:
        batch_pages_assign(
            batch=batch, numbers=data["pages"], case=case, document_type=data["document_type"], by=request.user
        )
    except DomainError as e:
        messages.error(request, str(e.message))
    else:
        messages.success(
            request,
            _("%(count)d pages added to case %(number)s.") % {"count": len(data["pages"]), "number": case.number},
        )
    return _back(batch)


@require_POST
@front_office_required
def batch_discard(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.scan_batch_get(user=request.user, pk=pk)
    numbers = list(batch.pages.filter(status=P.UNROUTED).values_list("number", flat=True))
    form = PagesForm(request.POST, numbers=numbers)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return _back(batch)
    try:
        count = batch_pages_discard(batch=batch, numbers=form.cleaned_data["pages"], by=request.user)
    except DomainError as e:
        messages.error(request, str(e.message))
    else:
        messages.success(request, _("%(count)d pages discarded.") % {"count": count})
    return _back(batch)


@require_POST
@front_office_required
def batch_retry(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.scan_batch_get(user=request.user, pk=pk)
    try:
        create.batch_retry(batch=batch, by=request.user)
    except DomainError as e:
        messages.error(request, str(e.message))
    return redirect("frontoffice:batch-detail", pk=batch.pk)


@require_POST
@front_office_required
def batch_document_label(request: HttpRequest, pk: int, document_id: int) -> HttpResponse:
    """Give an unsorted document of this batch its type."""
    batch = selectors.scan_batch_get(user=request.user, pk=pk)
    if not batch.pages.filter(document_id=document_id).exists():
        raise Http404
    document = case_selectors.document_get(user=request.user, pk=document_id)
    form = LabelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the document type."))
    else:
        try:
            document_type = form.cleaned_data["document_type"]
            front.document_set_type(document=document, document_type=document_type, by=request.user)
        except DomainError as e:
            messages.error(request, str(e.message))
        else:
            messages.success(
                request,
                _("Document of case %(number)s labelled “%(type)s”.")
                % {"number": document.case.number, "type": form.cleaned_data["document_type"].name},
            )
    return redirect(reverse("frontoffice:batch-detail", args=[batch.pk]) + "#unsorted")


@require_GET
@front_office_required
def batch_page_thumbnail(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    batch = selectors.scan_batch_get(user=request.user, pk=pk)
    page = get_object_or_404(batch.pages, number=number)
    return file_response(stored=page.thumbnail.name, content_type="image/jpeg")


@require_GET
@front_office_required
def case_cover_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """The case's printable cover sheet (the case page's "Cover sheet" button)."""
    case = case_selectors.case_get(user=request.user, pk=pk)
    return file_response(
        content_type=PDF,
        content=sheets.cover_sheet_pdf(case=case, printed_by=request.user),
        filename=f"cover-{case.number}.pdf",
    )


@require_GET
@front_office_required
def separator_sheets(request: HttpRequest) -> HttpResponse:
    """Separator sheets to print: ``?document_type=<code>`` for one type, none for the whole set."""
    code = request.GET.get("document_type", "").strip()
    if code:
        document_type = get_object_or_404(DocumentType, code=code)
        return file_response(
            content_type=PDF,
            content=sheets.separator_sheets_pdf(document_types=[document_type], plain=False),
            filename=f"separator-{code}.pdf",
        )
    if request.GET.get("plain"):
        return file_response(
            content_type=PDF,
            content=sheets.separator_sheets_pdf(document_types=[], plain=True),
            filename="separator-patch-t.pdf",
        )
    return file_response(
        content_type=PDF,
        content=sheets.separator_sheets_pdf(document_types=list(DocumentType.objects.all())),
        filename="separators.pdf",
    )


def _scanner_folder(front_office) -> str:
    """The folder as the scanner is set up to see it: the network share (``SCAN_INBOX_SHARE``) and the folder
    under the inbox root, never the server's own path."""
    path = inbox.inbox_path(front_office)
    root = Path(settings.SCAN_INBOX_ROOT)
    relative = path.relative_to(root) if path.is_relative_to(root) else Path(path.name)
    share = settings.SCAN_INBOX_SHARE.rstrip("\\/")
    return "\\".join([share, *relative.parts]) if share else "/".join(relative.parts)
