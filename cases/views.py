"""Kernel pages: the home dispatcher, file downloads that check access, a health probe."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.http import require_GET

from cases import selectors
from cases.access import access_for
from cases.areas import home_for
from cases.files import PDF, file_response
from cases.services import access_log_record


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each user to the home of their first area (``cases.areas``); a user with no role is told so."""
    area = home_for(request.user)
    if area is not None:
        return redirect(area.url_name)
    return render(request, "cases/no_role.html", status=403)


@require_GET
@login_required
def page_image(request: HttpRequest, pk: int) -> HttpResponse:
    page = selectors.page_get(user=request.user, pk=pk)
    access_log_record(user=request.user, case=page.document.case, what="page", object_id=page.pk)
    return file_response(stored=page.image.name, content_type="image/jpeg")


@require_GET
@login_required
def page_thumbnail(request: HttpRequest, pk: int) -> HttpResponse:
    page = selectors.page_get(user=request.user, pk=pk)
    return file_response(stored=page.thumbnail.name, content_type="image/jpeg")


@require_GET
@login_required
def source_file(request: HttpRequest, pk: int) -> HttpResponse:
    source = selectors.source_file_get(user=request.user, pk=pk)
    access_log_record(user=request.user, case=source.case, what="original", object_id=source.pk)
    extension = source.file.name.rsplit(".", 1)[-1]
    return file_response(
        stored=source.file.name,
        content_type=source.content_type,
        filename=f"original-{source.pk}.{extension}",
        inline=False,
    )


@require_GET
@login_required
def case_package_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk)
    access_log_record(user=request.user, case=case, what="package_pdf")
    return file_response(stored=case.package_pdf.name, content_type=PDF, filename=f"{case.number}.pdf")


@require_GET
@login_required
def access_log(request: HttpRequest) -> HttpResponse:
    """Who looked at which applicant's files, and when: for community supervisors and back-office heads."""
    access = access_for(request.user)
    if not (access.supervisor_community_ids or access.head_back_office_ids):
        raise Http404
    number, username = request.GET.get("number", ""), request.GET.get("user", "")
    page = Paginator(selectors.access_log_list(user=request.user, number=number, username=username), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "cases/access_log.html", {"page": page, "number": number, "username": username})


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    """404 for a URL no route matches: JSON under /api/ (clients parse it), the usual page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "not_found", "detail": str(_("Not found."))}, status=404)
    return defaults.page_not_found(request, exception)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "permission_denied", "detail": str(_("Not allowed."))}, status=403)
    return defaults.permission_denied(request, exception)


def csrf_rerender(view):
    """Mark a form view that can show its posted data again when the CSRF check refused the post.

    The view is then called with ``request.csrf_failed`` set: it must render the form from ``request.POST`` and
    act on nothing. Only the form is shown again; the user reads it and sends it with a fresh token."""
    view.csrf_rerender = True
    return view


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A post refused by the CSRF check (a sign-in in another tab, an expired session): never Django's page.

    Signed-in users of a form marked ``csrf_rerender`` get that form back with what they typed; the login form
    keeps the user name; everything else gets a translated page with a way back. The API answers JSON."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"code": "csrf_failed", "detail": str(_("CSRF check failed: reload and try again."))}, status=403
        )
    try:
        match = resolve(request.path_info)
    except Resolver404:
        match = None
    if match is not None and match.url_name == "login":
        from django.contrib.auth.forms import AuthenticationForm

        form = AuthenticationForm(request, initial={"username": request.POST.get("username", "")})
        context = {"form": form, "next": request.POST.get("next", ""), "csrf_failed": True}
        return render(request, "registration/login.html", context, status=403)
    if match is not None and getattr(match.func, "csrf_rerender", False) and request.user.is_authenticated:
        request.csrf_failed = True
        response = match.func(request, *match.args, **match.kwargs)
        response.status_code = 403
        return response
    referer = request.headers.get("Referer", "")
    back = referer if url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}) else ""
    return render(request, "csrf_failure.html", {"back": back}, status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "server_error", "detail": str(_("Something went wrong on our side."))}, status=500)
    return defaults.server_error(request)


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
