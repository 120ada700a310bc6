"""The clerk's pages. Function views: parse input, call one service, render. Rules live in the services.

HTMX enhances, never replaces: every action is a plain form POST that redirects back to the case page; with
HTMX the same POST answers the case's package partial instead (``{% partialdef package %}``).
"""

import uuid
from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases import clock
from cases.access import access_for, access_required
from cases.checklist import checklist_for, documents_for, in_checklist_order
from cases.exceptions import DomainError, DuplicateOpenCase
from cases.files import PDF, file_response
from cases.lifecycle import CASES, Action
from cases.models import Applicant, Case, DocumentType, FrontOffice
from cases.pages import PAGES
from cases.selectors import document_get, page_get
from cases.services import (
    APPLICANT_EXISTS,
    APPLICANT_FIELDS,
    applicant_may_edit,
    applicant_prepare,
    inbox_mark_all_read,
    inbox_mark_read,
)
from cases.services import applicant_update as services_kernel_update
from cases.views import csrf_rerender
from frontoffice import pdf, selectors, services
from frontoffice.forms import (
    ApplicantForm,
    CaseOpenForm,
    ContactForm,
    ReasonForm,
    RegisterForm,
    SearchForm,
    UploadForm,
)
from notifications import services as notification_services
from notifications.models import Channel, Contact

S = Case.Status
POLL_SECONDS = 2
INBOX_SHOWN = 5  # the home page shows the newest few; the work lists come first


# Only users with a front-office role (clerk, community supervisor) reach these pages; others get 404.
front_office_required = access_required(lambda access: access.is_front)


# --- Home ---------------------------------------------------------------------------------------------------------


@require_GET
@front_office_required
def home(request: HttpRequest) -> HttpResponse:
    """The clerk's day: the inbox, packages late for submission, cases waiting on us, decisions to hand over."""
    board = selectors.clerk_board(user=request.user)
    inbox = list(board.inbox[: INBOX_SHOWN + 1])
    return render(
        request,
        "frontoffice/home.html",
        {
            "board": board,
            "inbox": inbox[:INBOX_SHOWN],
            "inbox_more": board.inbox.count() - INBOX_SHOWN if len(inbox) > INBOX_SHOWN else 0,
            "can_register": bool(selectors.clerk_front_offices(user=request.user)),
            "nav": "home",
        },
    )


@require_POST
@front_office_required
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    inbox_mark_all_read(messages=selectors.inbox_unread(user=request.user), by=request.user)
    return redirect("frontoffice:home")


@require_POST
@front_office_required
def inbox_read(request: HttpRequest, pk: int) -> HttpResponse:
    message = selectors.inbox_message_get(user=request.user, pk=pk)
    inbox_mark_read(message=message, by=request.user)
    if request.POST.get("open"):
        return redirect("frontoffice:case-detail", pk=message.case_id)
    return redirect("frontoffice:home")


# --- Applicants ---------------------------------------------------------------------------------------------------


@require_GET
@front_office_required
def applicant_search(request: HttpRequest) -> HttpResponse:
    """Find the person: by RNOKPP, by passport / ID-card number, or by name and date of birth. A valid RNOKPP that
    nobody has goes straight to the registration, the number filled in (a wrong check digit is said first)."""
    form = SearchForm(request.GET or None)
    results, identifier = None, ""
    if form.asked:
        data = form.cleaned_data
        results = list(selectors.applicant_search(user=request.user, **data)[: selectors.LIST_LIMIT])
        identifier = data["rnokpp"] or data["passport_number"]
        if not results and data["rnokpp"] and selectors.clerk_front_offices(user=request.user):
            messages.info(request, _("Nobody with this RNOKPP is registered yet: register the person."))
            return redirect(reverse("frontoffice:applicant-new") + "?" + urlencode({"rnokpp": data["rnokpp"]}))
    return render(
        request,
        "frontoffice/applicant_search.html",
        {
            "form": form,
            "results": results,
            "identifier": identifier,
            "register_query": request.GET.urlencode(),
            "can_register": bool(selectors.clerk_front_offices(user=request.user)),
            "nav": "applicants",
        },
    )


def _refused_post(request: HttpRequest) -> dict | None:
    """The posted data when the CSRF check refused the post (cases.views.csrf_failure): shown again, not acted on."""
    if not getattr(request, "csrf_failed", False):
        return None
    return {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}


@csrf_rerender
@require_http_methods(["GET", "POST"])
@front_office_required
def applicant_new(request: HttpRequest) -> HttpResponse:
    """Register a person and, when a service is chosen, open their case on the same screen (one transaction:
    either both are saved or neither). Field errors come back from the services next to their fields."""
    offices = selectors.clerk_front_offices(user=request.user)
    if not offices:
        raise Http404
    initial = {k: v for k, v in request.GET.items() if k in ("rnokpp", "passport_number", "last_name", "first_name")}
    if request.GET.get("birth_date"):
        initial["birth_date"] = request.GET["birth_date"]
    refused = _refused_post(request)
    if refused is not None:
        form = RegisterForm(initial=refused, front_offices=offices)
    else:
        form = RegisterForm(request.POST or None, initial=initial, front_offices=offices)
    if request.method == "POST" and refused is None and form.is_valid():
        front_office = _chosen(offices, form.cleaned_data.get("front_office"))
        service_type = form.cleaned_data.get("service_type")
        try:
            with transaction.atomic():
                applicant = services.applicant_register(
                    by=request.user, front_office=front_office, data=form.applicant_data()
                )
                case = None
                if service_type is not None:
                    case = services.case_open(
                        applicant=applicant,
                        service_type=service_type,
                        front_office=front_office,
                        by=request.user,
                        channel=form.cleaned_data["channel"] or Case.Channel.IN_PERSON,
                    )
        except ValidationError as e:
            _errors_to_form(form, e)
        except DomainError as e:
            form.add_error("service_type" if service_type else None, e.message)
        else:
            if case is None:
                messages.success(request, _("Registered: %(name)s.") % {"name": applicant.full_name})
                return redirect("frontoffice:applicant-detail", pk=applicant.pk)
            messages.success(
                request,
                _("Registered: %(name)s. Case %(number)s is opened: add the documents.")
                % {"name": applicant.full_name, "number": case.number},
            )
            return redirect("frontoffice:case-detail", pk=case.pk)
    elif request.method == "POST" and refused is None:
        _all_errors_at_once(form)
    return render(
        request,
        "frontoffice/applicant_new.html",
        {
            "form": form,
            "nav": "applicants",
            "csrf_failed": refused is not None,
            "service": selectors.service_with_checklist(pk=form["service_type"].value()),
        },
    )


def _all_errors_at_once(form) -> None:
    """The form stopped at a field it could not parse: run the service's checks on the rest (saving nothing), so
    every field in error is named at once rather than one round trip each."""
    data = {name: form.cleaned_data.get(name) for name in APPLICANT_FIELDS if name not in form.errors}
    try:
        applicant_prepare(Applicant(**data))
    except ValidationError as e:
        for field, errors in e.error_dict.items():
            if field in form.fields and field not in form.errors:
                form.add_error(field, errors[0])


def _errors_to_form(form, error: ValidationError) -> None:
    """A service's field errors beside their fields; "already registered" links to the person on file."""
    by_field = error.error_dict.items() if hasattr(error, "error_dict") else [(None, error.error_list)]
    for field, errors in by_field:
        for err in errors:
            message = next(iter(err))
            if err.code == APPLICANT_EXISTS:
                url = reverse("frontoffice:applicant-detail", args=[err.params["applicant"]])
                url += "?" + urlencode({"identifier": err.params["identifier"]})
                message = format_html('{} <a href="{}">{}</a>', message, url, _("Open the person's page"))
            form.add_error(field if field in form.fields else None, message)


def _chosen(offices: list[FrontOffice], pk) -> FrontOffice:
    return next((fo for fo in offices if str(fo.pk) == str(pk)), offices[0])


@csrf_rerender
@require_http_methods(["GET", "POST"])
@front_office_required
def applicant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The person, their cases here, and opening a new case (a second open case of a service needs a reason)."""
    identifier = request.POST.get("identifier") or request.GET.get("identifier", "")
    applicant = selectors.applicant_for_clerk(user=request.user, pk=pk, identifier=identifier)
    offices = selectors.clerk_front_offices(user=request.user)
    refused = _refused_post(request)
    if refused is not None:
        form = CaseOpenForm(initial=refused, front_offices=offices)
    else:
        form = CaseOpenForm(request.POST or None, initial={"identifier": identifier}, front_offices=offices)
    duplicates = []
    if request.method == "POST" and refused is None:
        if not offices:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                case = services.case_open(
                    applicant=applicant,
                    service_type=data["service_type"],
                    front_office=_chosen(offices, data.get("front_office")),
                    by=request.user,
                    channel=data["channel"],
                    duplicate_reason=data["duplicate_reason"],
                )
            except DuplicateOpenCase as e:
                numbers = e.extra.get("existing", [])
                visible = selectors.cases_by_number(user=request.user, numbers=numbers)
                duplicates = [(number, visible.get(number)) for number in numbers]
                form.add_error("duplicate_reason", e.message)
            except DomainError as e:
                form.add_error(None, e.message)
            else:
                messages.success(request, _("Case %(number)s is opened.") % {"number": case.number})
                return redirect("frontoffice:case-detail", pk=case.pk)
    cases = list(selectors.applicant_cases(user=request.user, applicant=applicant)[: selectors.LIST_LIMIT])
    chosen = form["service_type"].value()
    return render(
        request,
        "frontoffice/applicant_detail.html",
        {
            "applicant": applicant,
            "form": form,
            "cases": cases,
            "duplicates": duplicates,
            "can_open": bool(offices),
            "can_edit": applicant_may_edit(applicant=applicant, user=request.user),
            "contact": Contact.objects.select_related("consent_by").filter(applicant=applicant).first(),
            "csrf_failed": refused is not None,
            "service": selectors.service_with_checklist(pk=chosen),
            "nav": "applicants",
        },
    )


@csrf_rerender
@require_http_methods(["GET", "POST"])
@front_office_required
def applicant_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct the person's data (a clerk of their community); the same checks as a registration."""
    applicant = selectors.applicant_for_clerk(user=request.user, pk=pk)
    if not applicant_may_edit(applicant=applicant, user=request.user):
        raise Http404
    current = {name: getattr(applicant, name) for name in APPLICANT_FIELDS}
    refused = _refused_post(request)
    if refused is not None:
        form = ApplicantForm(initial=refused)
    else:
        form = ApplicantForm(request.POST or None, initial=current)
    if request.method == "POST" and refused is None:
        if form.is_valid():
            try:
                services_kernel_update(applicant=applicant, by=request.user, data=form.applicant_data())
            except ValidationError as e:
                _errors_to_form(form, e)
            except DomainError as e:
                form.add_error(None, e.message)
            else:
                messages.success(request, _("The person's data are saved."))
                return redirect("frontoffice:applicant-detail", pk=applicant.pk)
        else:
            _all_errors_at_once(form)
    return render(
        request,
        "frontoffice/applicant_edit.html",
        {"form": form, "applicant": applicant, "nav": "applicants", "csrf_failed": refused is not None},
    )


@csrf_rerender
@require_http_methods(["GET", "POST"])
@front_office_required
def applicant_contact(request: HttpRequest, pk: int) -> HttpResponse:
    """The person's phone or e-mail for messages and their consent (who recorded it, when), or their opt-out."""
    applicant = selectors.applicant_for_clerk(user=request.user, pk=pk)
    if not applicant_may_edit(applicant=applicant, user=request.user):
        raise Http404
    contact = Contact.objects.select_related("consent_by").filter(applicant=applicant).first()
    current = {"phone": applicant.phone, "channel": Channel.SMS, "language": "uk", "consent": False}
    if contact is not None:
        current = {
            "phone": contact.phone,
            "email": contact.email,
            "channel": contact.channel,
            "language": contact.language,
            "consent": contact.reachable,
        }
    refused = _refused_post(request)
    form = ContactForm(initial=refused) if refused is not None else ContactForm(request.POST or None, initial=current)
    if request.method == "POST" and refused is None:
        if request.POST.get("action") == "opt_out":
            notification_services.contact_opt_out(applicant=applicant)
            messages.success(request, _("No more messages will be sent to this person."))
            return redirect("frontoffice:applicant-detail", pk=applicant.pk)
        if form.is_valid():
            data = form.cleaned_data
            try:
                notification_services.contact_set(
                    applicant=applicant,
                    by=request.user,
                    phone=data["phone"],
                    email=data["email"],
                    channel=data["channel"],
                    language=data["language"],
                    consent=data["consent"],
                )
            except ValidationError as e:
                _errors_to_form(form, e)
            else:
                messages.success(request, _("The contact for messages is saved."))
                return redirect("frontoffice:applicant-detail", pk=applicant.pk)
    return render(
        request,
        "frontoffice/applicant_contact.html",
        {
            "form": form,
            "applicant": applicant,
            "contact": contact,
            "nav": "applicants",
            "csrf_failed": refused is not None,
        },
        status=400 if form.errors else 200,
    )


@require_GET
@front_office_required
def service_checklist(request: HttpRequest) -> HttpResponse:
    """What a service asks for, shown while the clerk chooses it."""
    service = selectors.service_with_checklist(pk=request.GET.get("service_type", ""))
    return render(request, "frontoffice/partials/checklist_preview.html", {"service": service})


# --- Cases --------------------------------------------------------------------------------------------------------


@require_GET
@front_office_required
def case_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    number = request.GET.get("number", "")
    cases = selectors.clerk_case_list(user=request.user, status=status if status in S.values else "", number=number)
    page = Paginator(cases, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "frontoffice/case_list.html",
        {"page": page, "status": status, "number": number, "statuses": S.choices, "nav": "cases"},
    )


def _package_context(request: HttpRequest, case: Case, *, error: str = "") -> dict:
    documents = documents_for(case)
    lines = checklist_for(case, documents)
    pages = [p for d in documents for p in d.pages.all()]
    for page in pages:
        page.actions = PAGES.available_actions(page, request.user)
    info_request = selectors.open_info_request(case)
    requested = {item.pk for item in info_request.items.all()} if info_request else set()
    offered = CASES.offered(case, request.user)
    return {
        "case": case,
        "documents": documents,
        "lines": lines,
        "requested": requested,
        "info_request": info_request,
        "pending": any(p.is_waiting for p in pages),
        "poll_seconds": POLL_SECONDS,
        "actions": {action for action, blocked in offered.items() if blocked is None},
        "blocked": {action: blocked.message for action, blocked in offered.items() if blocked is not None},
        "submit_blocked": next((offered[a].message for a in (Action.SUBMIT, Action.RESUBMIT) if offered.get(a)), ""),
        "document_types": list(DocumentType.objects.all()),
        "idempotency_key": uuid.uuid4().hex,
        "error": error,
    }


@require_GET
@front_office_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The case: checklist with an upload zone per item, documents and pages, the clerk's actions, the timeline."""
    case = selectors.case_page_get(user=request.user, pk=pk)
    context = _package_context(request, case)
    context["withdraw_form"] = ReasonForm()
    context["nav"] = "cases"
    return render(request, "frontoffice/case_detail.html", context)


@require_GET
@front_office_required
def case_package(request: HttpRequest, pk: int) -> HttpResponse:
    """The part of the case page that changes while pages are processed (polled by HTMX)."""
    return _render_package(request, pk)


def _render_package(request: HttpRequest, pk: int, *, error: str = "") -> HttpResponse:
    case = selectors.case_page_get(user=request.user, pk=pk)
    context = _package_context(request, case, error=error)
    context["oob"] = True
    return render(request, "frontoffice/case_detail.html#package", context)


def _after_action(request: HttpRequest, case_id: int, error: str = "") -> HttpResponse:
    """HTMX: the refreshed package (with the error, if any). Plain POST: back to the case page with a message."""
    if request.htmx:
        return _render_package(request, case_id, error=error)
    if error:
        messages.error(request, error)
    return redirect("frontoffice:case-detail", pk=case_id)


@require_POST
@front_office_required
def document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """One document from one or more files. The upload script asks for JSON (per-file progress happens in the
    browser); a plain form gets a redirect with a message."""
    case = selectors.case_for_write(user=request.user, pk=pk)
    wants_json = "application/json" in request.headers.get("Accept", "")
    form = UploadForm(request.POST)
    files = request.FILES.getlist("file")
    error = ""
    if not form.is_valid():
        error = _("Choose a document type from the list.")
    elif not files:
        error = _("Choose at least one file.")
    else:
        try:
            document = services.document_add(
                case=case, document_type=form.cleaned_data["document_type"], files=files, by=request.user
            )
        except DomainError as e:
            error = str(e.message)
    if wants_json:
        if error:
            return JsonResponse({"detail": error}, status=400)
        return JsonResponse({"document": document.pk, "pages": document.pages.count()}, status=201)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Uploaded: the pages are being processed."))
    return redirect(reverse("frontoffice:case-detail", args=[case.pk]) + "#documents")


PAGE_ACTIONS = {"rotate", "up", "down", "delete", "retry"}


@require_POST
@front_office_required
def page_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in PAGE_ACTIONS:
        raise Http404
    page = page_get(user=request.user, pk=pk)
    case_id = page.document.case_id
    try:
        if action == "rotate":
            services.page_rotate(page=page, by=request.user, degrees=90)
        elif action == "up":
            services.page_move(page=page, by=request.user, position=max(1, page.position - 1))
        elif action == "down":
            services.page_move(page=page, by=request.user, position=page.position + 1)
        elif action == "delete":
            services.page_delete(page=page, by=request.user)
        else:
            services.page_retry(page=page, by=request.user)
    except DomainError as e:
        return _after_action(request, case_id, str(e.message))
    return _after_action(request, case_id)


@require_POST
@front_office_required
def document_set_type(request: HttpRequest, pk: int) -> HttpResponse:
    document = document_get(user=request.user, pk=pk)
    document_type = DocumentType.objects.filter(code=request.POST.get("document_type", "")).first()
    if document_type is None:
        return _after_action(request, document.case_id, _("Choose a document type from the list."))
    try:
        services.document_set_type(document=document, document_type=document_type, by=request.user)
    except DomainError as e:
        return _after_action(request, document.case_id, str(e.message))
    return _after_action(request, document.case_id)


def _transition(request: HttpRequest, pk: int, run, success: str) -> HttpResponse:
    case = selectors.case_for_write(user=request.user, pk=pk)
    try:
        run(case)
    except DomainError as e:
        messages.error(request, e.message)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, success)
    return redirect("frontoffice:case-detail", pk=pk)


@require_POST
@front_office_required
def case_submit(request: HttpRequest, pk: int) -> HttpResponse:
    key = request.POST.get("idempotency_key") or None  # checked by the service
    return _transition(
        request,
        pk,
        lambda case: services.case_submit(case=case, by=request.user, idempotency_key=key),
        _("Submitted to the back office. Print the receipt for the applicant."),
    )


@require_POST
@front_office_required
def case_resubmit(request: HttpRequest, pk: int) -> HttpResponse:
    key = request.POST.get("idempotency_key") or None  # checked by the service
    note = request.POST.get("note", "")
    return _transition(
        request,
        pk,
        lambda case: services.case_resubmit(case=case, by=request.user, note=note, idempotency_key=key),
        _("Resubmitted to the back office."),
    )


@require_POST
@front_office_required
def case_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _transition(
        request,
        pk,
        lambda case: services.case_withdraw(case=case, by=request.user, reason=reason),
        _("The application is withdrawn."),
    )


@require_POST
@front_office_required
def case_hand_over(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(
        request,
        pk,
        lambda case: services.case_hand_over(case=case, by=request.user),
        _("Recorded: the applicant received the decision. The case is closed."),
    )


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    return file_response(content=content, content_type=PDF, filename=filename)


@require_GET
@front_office_required
def case_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """The applicant's receipt: printable PDF with a QR code of the case number."""
    case = selectors.case_page_get(user=request.user, pk=pk)
    if (refused := CASES.why_not(case, Action.PRINT_RECEIPT, request.user)) is not None:
        messages.error(request, refused.message)
        return redirect("frontoffice:case-detail", pk=pk)
    return _pdf_response(pdf.receipt_pdf(case), f"receipt-{case.number}.pdf")


@require_POST
@front_office_required
def case_submit_print(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Submit and print the receipt": the same submission as ``case_submit``, then the receipt page, which opens
    the browser's print dialog. A refused submission goes back to the case page with the reason."""
    case = selectors.case_for_write(user=request.user, pk=pk)
    key = request.POST.get("idempotency_key", "")[:100] or None
    try:
        services.case_submit(case=case, by=request.user, idempotency_key=key)
    except DomainError as e:
        messages.error(request, e.message)
        return redirect("frontoffice:case-detail", pk=pk)
    return redirect(reverse("frontoffice:case-receipt-page", args=[pk]) + "?print=1")


@require_GET
@front_office_required
def case_receipt_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The receipt as a printable page: ``?print=1`` opens the print dialog (static/js/print.js, CSP-safe)."""
    case = selectors.case_page_get(user=request.user, pk=pk)
    if (refused := CASES.why_not(case, Action.PRINT_RECEIPT, request.user)) is not None:
        messages.error(request, refused.message)
        return redirect("frontoffice:case-detail", pk=pk)
    documents = in_checklist_order(case, list(case.documents.all()))
    lines = [(d, len(d.pages.all())) for d in documents]
    return render(
        request,
        "frontoffice/receipt.html",
        {
            "case": case,
            "lines": lines,
            "total": sum(n for _d, n in lines),
            "print": request.GET.get("print") == "1",
            "received": case.first_submitted_at,
            "nav": "cases",
        },
    )


@require_GET
@front_office_required
def case_decision_notice(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_page_get(user=request.user, pk=pk)
    if (refused := CASES.why_not(case, Action.PRINT_NOTICE, request.user)) is not None:
        messages.error(request, refused.message)
        return redirect("frontoffice:case-detail", pk=pk)
    return _pdf_response(pdf.decision_notice_pdf(case), f"decision-{case.number}.pdf")


# --- Transfer register --------------------------------------------------------------------------------------------


@require_GET
@front_office_required
def transfer_register(request: HttpRequest) -> HttpResponse:
    """Per front office and day: the packages passed to the back office, printable (HTML and PDF)."""
    offices = selectors.register_front_offices(user=request.user)
    if not offices:
        raise Http404
    own = access_for(request.user).clerk_front_office_ids
    office = _chosen(offices, request.GET.get("front_office") or next((fo.pk for fo in offices if fo.pk in own), None))
    try:
        day = date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day = clock.today()
    lines = selectors.transfer_register(user=request.user, front_office=office, day=day)
    if request.GET.get("format") == "pdf":
        content = pdf.transfer_register_pdf(front_office=office, day=day, lines=lines)
        return _pdf_response(content, f"register-{office.code}-{day.isoformat()}.pdf")
    return render(
        request,
        "frontoffice/transfer_register.html",
        {
            "offices": offices,
            "office": office,
            "day": day,
            "lines": lines,
            "total_pages": sum(line.pages for line in lines),
            "nav": "register",
        },
    )
