"""Registries on other apps' pages: a checklist line's registry state, the outage banner, "who looked at my data"."""

from django import template

from registries import selectors
from registries.models import Registry, RegistryQuery

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


@register.inclusion_tag("registries/partials/data_access_slot.html", takes_context=True)
def applicant_data_access(context, applicant) -> dict:
    """A place on the applicant page that loads the check at the desk and "who looked at my data" (HTMX, with a
    link without JavaScript): the page itself makes no query for them."""
    request = context.get("request")
    identifier = (request.GET.get("identifier") or request.POST.get("identifier") or "") if request else ""
    return {"applicant": applicant, "identifier": identifier}
