"""The applicant's pages: plain HTML forms, no JavaScript needed, small enough for an old phone on a slow line.

/status/ → code by SMS → 15 minutes of the person's cases, their decisions and who looked at their data.
/status/upload/<link>/ → photograph and send the documents a request for information asks for.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.exceptions import DomainError, LinkInvalid
from cases.files import PDF, file_response
from cases.lifecycle import notice_ready
from cases.pdf import decision_notice_pdf
from public import documents, links, selectors, services
from public.api import client_address
from public.forms import CodeForm, CodeRequestForm, PhoneUploadForm

SESSION_KEY = "public_status_token"
PENDING_KEY = "public_status_pending"


def _session(request: HttpRequest):
    return services.status_session_get(token=request.session.get(SESSION_KEY, ""))


@require_http_methods(["GET", "POST"])
def status_start(request: HttpRequest) -> HttpResponse:
    if _session(request) is not None:
        return redirect("public:cases")
    form = CodeRequestForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.status_code_request(**form.cleaned_data, address=client_address(request))
        except DomainError as e:
            form.add_error(None, str(e.message))
            status = e.status
        else:
            request.session[PENDING_KEY] = form.cleaned_data
            return redirect("public:code")
    return render(request, "public/status_start.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def status_code(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING_KEY)
    if not pending:
        return redirect("public:start")
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            token, _session_row = services.status_session_open(**pending, code=form.cleaned_data["code"])
        except DomainError as e:
            form.add_error("code", str(e.message))
            status = {401: 400}.get(e.status, e.status)  # the page shows the form again: no HTTP challenge
        else:
            request.session.cycle_key()
            request.session[SESSION_KEY] = token
            request.session.pop(PENDING_KEY, None)
            return redirect("public:cases")
    return render(request, "public/status_code.html", {"form": form, "receipt": pending["receipt"]}, status=status)


@require_GET
def status_cases(request: HttpRequest) -> HttpResponse:
    session = _session(request)
    if session is None:
        messages.info(request, _("Your 15 minutes are over, or you have not signed in yet. Ask for a new code."))
        return redirect("public:start")
    overview = selectors.status_overview(session=session)
    return render(request, "public/status_cases.html", {"overview": overview, "session": session})


@require_GET
def status_notice(request: HttpRequest, number: str) -> HttpResponse:
    session = _session(request)
    if session is None:
        return redirect("public:start")
    case = selectors.session_case_get(session=session, number=number)
    if not notice_ready(case):
        return redirect("public:cases")
    return file_response(
        content=decision_notice_pdf(case), content_type=PDF, filename=f"decision-{case.number}.pdf", inline=False
    )


@require_POST
def status_leave(request: HttpRequest) -> HttpResponse:
    services.status_session_end(token=request.session.pop(SESSION_KEY, ""))
    return redirect("public:start")


@require_http_methods(["GET", "POST"])
def phone_upload(request: HttpRequest, token: str) -> HttpResponse:
    try:
        target = links.upload_link_check(token=token)
    except LinkInvalid as e:
        return render(request, "public/upload_closed.html", {"reason": e.message}, status=404)
    case = target.case
    # What to show as asked for: the request's items (a request may name none), or a remote draft's checklist; the
    # type choice offers those items' types, or the whole checklist's when the request named none.
    items = target.items
    choices = items or list(case.service_type.checklist.prefetch_related("document_types"))
    types = {t.pk: t for item in choices for t in item.document_types.all()}
    form = PhoneUploadForm(request.POST if request.method == "POST" else None, document_types=list(types.values()))
    status = 200
    if request.method == "POST" and form.is_valid():
        files = request.FILES.getlist("files")
        try:
            if not files:
                raise DomainError(_("Take a photo or choose a file first."))
            documents.document_add_from_link(
                target=target, document_type=form.cleaned_data["document_type"], files=files
            )
        except DomainError as e:
            form.add_error(None, str(e.message))
            status = 400
        else:
            messages.success(request, _("Received. The front office will check the pages and pass them on."))
            return redirect("public:upload", token=token)
    context = {"form": form, "case": case, "target": target, "items": items, "token": token}
    return render(request, "public/upload.html", context, status=status)
