"""The registries' pages: the health panel, asking again from the case page, the check at the desk."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases import clock
from cases.access import access_for
from cases.exceptions import DomainError
from registries import selectors, services
from registries.models import DeskCheck


@require_GET
@login_required
def health(request: HttpRequest) -> HttpResponse:
    """Per-registry health for the head of a back office and the ministry's administrator."""
    if not selectors.may_see_health(request.user):
        raise Http404
    return render(request, "registries/health.html", {"rows": selectors.registry_health()})


@require_POST
@login_required
def case_ask(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """Ask a registry again for a case (the clerk, after "not found" or a failure)."""
    case = selectors.case_for_registries(user=request.user, pk=pk)
    if case.community_id not in access_for(request.user).clerk_community_ids:
        raise Http404
    try:
        services.registry_query_ask(case=case, registry_code=code, by=request.user)
        messages.success(request, _("The registry has been asked again."))
    except DomainError as e:
        messages.error(request, str(e.message))
    return redirect(reverse("frontoffice:case-detail", args=[case.pk]) + "#upload")


def _records_context(applicant, identifier: str, user) -> dict:
    queries, views = selectors.applicant_access_records(applicant=applicant)
    check = DeskCheck.objects.filter(applicant=applicant).select_related("checked_by").first()
    return {
        "applicant": applicant,
        "queries": queries,
        "views": views,
        "check": check,
        "identifier": identifier,
        # A clerk who finds or registers the person gets the check at once (the page asks for it when it loads),
        # unless it was made today already; others see the last result only.
        "may_check": bool(access_for(user).clerk_front_office_ids),
        "checked_today": check is not None and timezone.localdate(check.checked_at) == clock.today(),
    }


@require_GET
@login_required
def applicant_data_access(request: HttpRequest, pk: int) -> HttpResponse:
    """The check at the desk and "who looked at my data" for staff who may see the person (HTMX part of the
    applicant page, or a page of its own without JavaScript)."""
    identifier = request.GET.get("identifier", "")
    applicant = selectors.applicant_for_staff(user=request.user, pk=pk, identifier=identifier)
    context = _records_context(applicant, identifier, request.user)
    if request.htmx:
        return render(request, "registries/partials/data_access.html", context)
    return render(request, "registries/applicant_data_access.html", context)


@require_POST
@login_required
def desk_check(request: HttpRequest, pk: int) -> HttpResponse:
    """Compare what was typed with ЄДДР and РТГ now, while the person is at the desk; the result is kept."""
    access = access_for(request.user)
    identifier = request.POST.get("identifier", "")
    applicant = selectors.applicant_for_staff(user=request.user, pk=pk, identifier=identifier)
    if not access.clerk_front_office_ids:
        raise Http404
    back = reverse("frontoffice:applicant-detail", args=[applicant.pk])
    if identifier:
        back += "?" + urlencode({"identifier": identifier})
    try:
        check = services.desk_check_run(
            applicant=applicant, by=request.user, front_office_id=sorted(access.clerk_front_office_ids)[0]
        )
    except DomainError as e:
        if request.htmx:  # the part again with the reason; it does not ask again by itself
            context = {**_records_context(applicant, identifier, request.user), "checked_today": True}
            return render(request, "registries/partials/data_access.html", {**context, "error": str(e.message)})
        messages.error(request, str(e.message))
        return redirect(back)
    if request.htmx:
        context = _records_context(applicant, identifier, request.user)
        response = render(request, "registries/partials/data_access.html", context)
        response["HX-Trigger"] = "registries-answered"  # the pre-screener's part on the page loads again
        return response
    if check.differences:
        messages.warning(request, _("The registries hold different data: see the check below."))
    else:
        messages.success(request, _("Checked against the registries."))
    return redirect(back + "#registry-records")
