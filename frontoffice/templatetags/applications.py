"""One application for several services on the applicant's page (issue 13): the form that opens it and the
pre-screener's suggestions, each a partial of its own so the page's template only includes them."""

from django import template
from django.db.models import Prefetch

from cases.models import Bundle, BundleService
from frontoffice import prescreen, selectors
from frontoffice.application_forms import ApplicationOpenForm

register = template.Library()


@register.inclusion_tag("frontoffice/partials/application_open.html", takes_context=True)
def application_open_form(context, applicant):
    request = context["request"]
    offices = selectors.clerk_front_offices(user=request.user)
    items = Prefetch("items", queryset=BundleService.objects.select_related("service_type"))
    bundles = list(Bundle.objects.filter(active=True).prefetch_related(items))
    return {
        "applicant": applicant,
        "form": ApplicationOpenForm(front_offices=offices),
        "bundles": bundles,
        "can_open": bool(offices),
        "identifier": request.GET.get("identifier") or request.POST.get("identifier", ""),
        "csrf_token": context.get("csrf_token"),
    }


def suggestions_context(applicant, application=None, *, identifier: str = "") -> dict:
    """What the suggestions part shows; ``waiting``: questions for the pre-screener are still pending (the part
    asks again in a few seconds)."""
    suggestions = prescreen.suggestions_for(applicant, application=application)
    if application is None and suggestions:
        application = prescreen.open_application(applicant)
    return {
        "applicant": applicant,
        "application": application,
        "suggestions": suggestions,
        "waiting": prescreen.waiting_on_registries(applicant),
        "identifier": identifier,
    }


@register.inclusion_tag("frontoffice/partials/suggestions.html", takes_context=True)
def application_suggestions(context, applicant, application=None):
    """Services the household probably qualifies for; with an application still being assembled, one click adds
    a case to it, else one click opens an application with that service."""
    request = context.get("request")
    identifier = (request.GET.get("identifier") or "") if request else ""
    return {
        **suggestions_context(applicant, application, identifier=identifier),
        "csrf_token": context.get("csrf_token"),
    }
