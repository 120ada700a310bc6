"""The clerk's pages for one application for several services (issue 13): opening it from the applicant's page
(a life event or single services), scanning each document once, adding a suggested service, one submit, one receipt.

Function views like ``frontoffice.views``: parse, call one service of ``frontoffice.applications``, redirect.
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases.checklist import documents_for, missing_items
from cases.exceptions import DomainError, DuplicateOpenCase
from cases.models import DocumentType
from cases.selectors import application_get
from frontoffice import applications, pdf, prescreen, selectors
from frontoffice.application_forms import ApplicationOpenForm, ServiceAddForm
from frontoffice.templatetags.applications import suggestions_context
from frontoffice.views import _chosen, _pdf_response, front_office_required


@require_POST
@front_office_required
def application_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open an application for the applicant ``pk`` from the form on their page."""
    applicant = selectors.applicant_for_clerk(user=request.user, pk=pk, identifier=request.POST.get("identifier", ""))
    offices = selectors.clerk_front_offices(user=request.user)
    if not offices:
        raise Http404
    form = ApplicationOpenForm(request.POST, front_offices=offices)
    if not form.is_valid():
        messages.error(request, _("Check the services chosen."))
        return redirect("frontoffice:applicant-detail", pk=pk)
    data = form.cleaned_data
    signatories = []
    if data["second_signatory"].strip():
        signatories.append(applications.Signatory(full_name=data["second_signatory"]))
    try:
        application = applications.application_open(
            applicant=applicant,
            front_office=_chosen(offices, data.get("front_office")),
            services=list(data["services"]),
            bundle=data["bundle"],
            role=data["role"],
            signatories=signatories,
            by=request.user,
            duplicate_reason=data["duplicate_reason"],
        )
    except DuplicateOpenCase as e:
        messages.error(
            request,
            _("%(message)s Open cases: %(numbers)s.")
            % {"message": e.message, "numbers": ", ".join(e.extra.get("existing", []))},
        )
        return redirect("frontoffice:applicant-detail", pk=pk)
    except DomainError as e:
        messages.error(request, e.message)
        return redirect("frontoffice:applicant-detail", pk=pk)
    messages.success(request, _("Application %(number)s is opened.") % {"number": application.number})
    return redirect("frontoffice:application-detail", pk=application.pk)


def _needed_types(cases) -> list[DocumentType]:
    """Every document type a case of the application names, in checklist order, once."""
    seen: dict[int, DocumentType] = {}
    for case in cases:
        for item in case.service_type.checklist.all():
            for document_type in item.document_types.all():
                seen.setdefault(document_type.pk, document_type)
    return list(seen.values())


@require_GET
@front_office_required
def applicant_suggestions(request: HttpRequest, pk: int) -> HttpResponse:
    """The pre-screener's part of the applicant's (or an application's) page, again: loaded when the registries
    answer (the check at the desk says so) and every few seconds while questions for it are still pending."""
    identifier = request.GET.get("identifier", "")
    applicant = selectors.applicant_for_clerk(user=request.user, pk=pk, identifier=identifier)
    application = None
    if request.GET.get("application", "").isdigit():
        application = application_get(user=request.user, pk=int(request.GET["application"]))
        if application.applicant_id != applicant.pk:
            raise Http404
    context = suggestions_context(applicant, application, identifier=identifier)
    return render(request, "frontoffice/partials/suggestions.html", {**context, "csrf_token": get_token(request)})


@require_GET
@front_office_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The visit: its cases (each with what it still needs), one upload per document type, submit and receipt."""
    application = application_get(user=request.user, pk=pk)
    cases = list(application.cases.all())
    documents: dict[int, object] = {}
    for case in cases:
        case.missing = missing_items(case)
        for document in documents_for(case):
            documents.setdefault(document.pk, document)
    return render(
        request,
        "frontoffice/application_detail.html",
        {
            "application": application,
            "cases": cases,
            "documents": list(documents.values()),
            "needed_types": _needed_types(cases),
            "suggestions": prescreen.suggestions_for(application.applicant, application=application),
            "nav": "cases",
        },
    )


@require_POST
@front_office_required
def application_documents(request: HttpRequest, pk: int) -> HttpResponse:
    """One form, one file field per document type: each chosen file is scanned once for the whole application."""
    application = application_get(user=request.user, pk=pk)
    added = 0
    for document_type in DocumentType.objects.all():
        files = request.FILES.getlist(f"file_{document_type.code}")
        if not files:
            continue
        try:
            applications.application_document_add(
                application=application, document_type=document_type, files=files, by=request.user
            )
        except DomainError as e:
            messages.error(request, f"{document_type.name}: {e.message}")
        else:
            added += 1
    if added:
        messages.success(request, _("Documents received: %(n)d.") % {"n": added})
    return redirect("frontoffice:application-detail", pk=pk)


@require_POST
@front_office_required
def application_add_service(request: HttpRequest, pk: int) -> HttpResponse:
    """The pre-screener's one click: a case of the suggested service in the same application."""
    application = application_get(user=request.user, pk=pk)
    form = ServiceAddForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unknown or inactive service."))
        return redirect("frontoffice:application-detail", pk=pk)
    try:
        case = applications.application_add_service(
            application=application,
            service=form.cleaned_data["service"],
            by=request.user,
            duplicate_reason=form.cleaned_data["duplicate_reason"],
        )
    except DomainError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, _("Case %(number)s is added.") % {"number": case.number})
    return redirect("frontoffice:application-detail", pk=pk)


@require_POST
@front_office_required
def application_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Submit every complete case; the page then lists which went and what the others still need."""
    application = application_get(user=request.user, pk=pk)
    try:
        results = applications.application_submit(
            application=application, by=request.user, idempotency_key=request.POST.get("idempotency_key") or None
        )
    except DomainError as e:
        messages.error(request, e.message)
        return redirect("frontoffice:application-detail", pk=pk)
    waiting = [r for r in results if r.missing or r.error]
    gone = len(results) - len(waiting)
    messages.success(request, _("Cases with the back office: %(n)d.") % {"n": gone})
    for result in waiting:
        messages.warning(
            request, _("%(number)s stays a draft: %(why)s") % {"number": result.case.number, "why": result.error}
        )
    return redirect("frontoffice:application-detail", pk=pk)


@require_GET
@front_office_required
def application_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    application = application_get(user=request.user, pk=pk)
    return _pdf_response(pdf.application_receipt_pdf(application), f"receipt-{application.number}.pdf")
