"""Registries on other apps' pages: a checklist line's registry state, the outage banner, "who looked at my data"."""

from django import template

from registries import selectors
from registries.models import DeskCheck, Registry, RegistryQuery

register = template.Library()


def _case_state(case) -> tuple[dict, dict]:
    """(newest query per registry code, registries per document type id), cached on the case for the page."""
    state = getattr(case, "_registry_state", None)
    if state is None:
        latest = selectors.latest_by_registry(selectors.case_queries(case=case))
        by_type: dict[int, list[Registry]] = {}
        for registry in Registry.objects.filter(enabled=True).prefetch_related("stands_for"):
            for t in registry.stands_for.all():
                by_type.setdefault(t.pk, []).append(registry)
        state = case._registry_state = (latest, by_type)
    return state


@register.simple_tag
def registry_line_state(case, line) -> dict:
    """What the registries say about one checklist line: ``{"from": [registry], "queries": [(registry, query)]}``."""
    latest, by_type = _case_state(case)
    registries = []
    for t in line.item.document_types.all():
        for registry in by_type.get(t.pk, []):
            if registry not in registries:
                registries.append(registry)
    codes = set(line.registry_codes)
    return {
        "from": [r for r in registries if r.code in codes],
        "queries": [(r, latest.get(r.code)) for r in registries if r.code in latest],
        "pending": any(
            q.status in RegistryQuery.PENDING for r, q in ((r, latest.get(r.code)) for r in registries) if q
        ),
    }


@register.inclusion_tag("registries/partials/banner.html")
def registry_banner() -> dict:
    return {"down": selectors.down_registries_cached()}


@register.inclusion_tag("registries/partials/data_access.html", takes_context=True)
def applicant_data_access(context, applicant) -> dict:
    request = context.get("request")
    _, queries, views = selectors.applicant_data_access(user=request.user, pk=applicant.pk)
    return {
        "applicant": applicant,
        "queries": queries,
        "views": views,
        "check": DeskCheck.objects.filter(applicant=applicant).first(),
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
