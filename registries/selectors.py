"""Reads, scoped like the kernel's selectors: a case's or a person's queries only for who may see them (else 404)."""

import math
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Max, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import clock
from cases.access import access_for
from cases.models import AccessLogEntry, Applicant, Case, ChecklistItem, Membership
from cases.selectors import applicant_get, case_visible
from registries.models import Registry, RegistryQuery

Q_ = RegistryQuery.Status
RECENT = 50


def registry_list() -> QuerySet[Registry]:
    return Registry.objects.filter(enabled=True).prefetch_related("stands_for")


def case_queries(*, case: Case) -> list[RegistryQuery]:
    """Every query serving a case (its application's; ``case`` comes from a scoped selector), newest first, with
    registry and types."""
    return list(
        RegistryQuery.objects.for_case(case)
        .select_related("registry")
        .prefetch_related(Prefetch("registry__stands_for"))
        .order_by("-asked_at", "-pk")
    )


def latest_by_registry(queries: list[RegistryQuery]) -> dict[str, RegistryQuery]:
    """The newest query per registry code (``queries`` newest first)."""
    latest: dict[str, RegistryQuery] = {}
    for query in queries:
        latest.setdefault(query.registry.code, query)
    return latest


def applicant_for_staff(*, user, pk: int, identifier: str = "") -> Applicant:
    """The applicant if the user may see them: in scope, or (a clerk) found by the exact identifier the person
    presented, as the front office's applicant page allows. 404 otherwise."""
    from django.http import Http404

    from cases.selectors import applicant_find_by_identifier

    try:
        return applicant_get(user=user, pk=pk)
    except Http404:
        identifier = identifier.strip()
        if identifier:
            found = applicant_find_by_identifier(user=user, rnokpp=identifier) if identifier.isdigit() else None
            found = found or applicant_find_by_identifier(user=user, passport_number=identifier)
            if found is not None and found.pk == pk:
                return found
        raise


def applicant_access_records(*, applicant: Applicant) -> tuple[list[RegistryQuery], list[AccessLogEntry]]:
    """Every registry query and every file view about the person (call with an applicant the user may see)."""
    queries = list(
        RegistryQuery.objects.filter(applicant=applicant)
        .select_related("registry", "asked_by", "front_office", "case", "application")
        .prefetch_related("registry__stands_for")
        .order_by("-asked_at", "-pk")
    )
    with_served(queries)
    views = list(
        AccessLogEntry.objects.filter(case__applicant=applicant).select_related("user", "case").order_by("-at", "-pk")
    )
    return queries, views


def applicant_data_access(*, user, pk: int) -> tuple[Applicant, list[RegistryQuery], list[AccessLogEntry]]:
    """Who looked at the person's data: every registry query and every file view of their cases. Only staff who may
    see the person get it (``applicant_get`` is the scope, a 404 otherwise)."""
    applicant = applicant_get(user=user, pk=pk)
    return (applicant, *applicant_access_records(applicant=applicant))


def case_for_registries(*, user, pk: int) -> Case:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(case_visible(user=user).select_related("applicant", "front_office"), pk=pk)


def may_see_health(user) -> bool:
    """The head of a back office and the ministry's administrator watch the registries' health."""
    access = access_for(user)
    return bool(access.head_back_office_ids) or Membership.Role.MINISTRY_ADMIN in access.ministry_roles


# --- health ---------------------------------------------------------------------------------------------------------


HEALTH_LABELS = {
    "up": gettext_lazy("up"),
    "degraded": gettext_lazy("degraded"),
    "down": gettext_lazy("down"),
    "unknown": gettext_lazy("no recent queries"),
}


def _p95(values: list[int]) -> int | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def health_of(registry: Registry, *, now=None) -> dict:
    """up / degraded / down (or unknown: nothing asked lately) from the registry's recent attempts.

    An attempt counts as ok when the registry answered (found or not), as a failure when it carries an error code
    (failed, overdue, or queued again after a failed attempt). Down: the last three attempts failed or at least half
    of the recent ones did; degraded: more than one in ten failed or p95 latency is over 3 s."""
    now = now or clock.now()
    since = now - timedelta(minutes=settings.REGISTRY_HEALTH_WINDOW_MINUTES)
    recent = list(
        RegistryQuery.objects.filter(registry=registry, sent_at__gte=since)
        .exclude(status=Q_.SENT, error_code="")
        .order_by("-sent_at", "-pk")
        .values("status", "error_code", "latency_ms", "error_detail")[:RECENT]
    )
    results = [(r["status"] in (Q_.ANSWERED, Q_.NOT_FOUND) and r["error_code"] in ("", "not_found"), r) for r in recent]
    last_ok_at = RegistryQuery.objects.filter(registry=registry, status__in=[Q_.ANSWERED, Q_.NOT_FOUND]).aggregate(
        m=Max("answered_at")
    )["m"]
    latencies = [r["latency_ms"] for ok, r in results if ok and r["latency_ms"] is not None]
    p95 = _p95(latencies)
    failures = [r for ok, r in results if not ok]
    if not results:
        status = "unknown"
    elif (len(results) >= 3 and all(not ok for ok, _ in results[:3])) or len(failures) * 2 >= len(results):
        status = "down"
    elif len(failures) * 10 > len(results) or (p95 is not None and p95 > 3000):
        status = "degraded"
    else:
        status = "up"
    return {
        "registry": registry,
        "code": registry.code,
        "name": registry.name,
        "short_name": registry.short_name,
        "status": status,
        "status_label": str(HEALTH_LABELS[status]),
        "last_ok_at": last_ok_at,
        "p95_ms": p95,
        "recent": len(results),
        "failures": len(failures),
        "last_error": failures[0]["error_code"] if failures else "",
    }


def registry_health() -> list[dict]:
    return [health_of(registry) for registry in registry_list()]


DOWN_KEY = "registries:down"


def down_registries_cached() -> list[dict]:
    """Registries a checklist relies on that are down now, as the last outcomes left them (no query: every
    front-office page shows it). ``refresh_health`` keeps it after every attempt."""
    return list((cache.get(DOWN_KEY) or {}).values())


def marked_down(code: str) -> bool:
    return code in (cache.get(DOWN_KEY) or {})


def refresh_health(registry: Registry) -> dict:
    """Recompute one registry's health after an attempt and keep the "down" list for the banner."""
    health = health_of(registry)
    down = dict(cache.get(DOWN_KEY) or {})
    if health["status"] == "down" and registry.stands_for.exists():
        down[registry.code] = {
            "code": registry.code,
            "short_name": registry.short_name,
            "name": registry.name_uk,
            "last_error": health["last_error"],
        }
    else:
        down.pop(registry.code, None)
    cache.set(DOWN_KEY, down, settings.REGISTRY_HEALTH_WINDOW_MINUTES * 60)
    return health


def with_served(queries: list[RegistryQuery]) -> list[RegistryQuery]:
    """Set ``served_cases`` on each query: the cases whose package its answer serves — the cases of its application
    whose checklist names a type the registry stands in for (the question's purposes), else the case it was asked
    for. Two queries whatever the number of rows."""
    app_ids = {q.application_id for q in queries if q.application_id}
    by_app: dict[int, list[Case]] = {}
    needs: dict[int, set[int]] = {}
    if app_ids:
        cases = list(
            Case.objects.filter(application_id__in=app_ids)
            .exclude(status=Case.Status.WITHDRAWN)
            .select_related("service_type")
            .order_by("pk")
        )
        for case in cases:
            by_app.setdefault(case.application_id, []).append(case)
        rows = ChecklistItem.document_types.through.objects.filter(
            checklistitem__service_type_id__in={c.service_type_id for c in cases}
        ).values_list("checklistitem__service_type_id", "documenttype_id")
        for service_id, type_id in rows:
            needs.setdefault(service_id, set()).add(type_id)
    for q in queries:
        stands = {t.pk for t in q.registry.stands_for.all()}
        served = [c for c in by_app.get(q.application_id, []) if needs.get(c.service_type_id, set()) & stands]
        q.served_cases = served or ([q.case] if q.case_id else [])
    return queries


def queries_for_the_person(*, cases) -> list[dict]:
    """ "Who looked at my data" on the applicant's status page (public.data_access source): every question asked of a
    registry for these cases — which registry, on whose behalf, when and for what purpose."""
    cases = list(cases)
    scope = Q(case__in=cases)
    app_ids = {c.application_id for c in cases if c.application_id}
    if app_ids:
        scope |= Q(application_id__in=app_ids)
    queries = list(
        RegistryQuery.objects.filter(scope)
        .select_related("registry", "case__service_type", "front_office")
        .prefetch_related("registry__stands_for")
        .order_by("-asked_at", "-pk")[:200]
    )
    with_served(queries)
    rows = []
    for q in queries:
        served = [c for c in q.served_cases if c in cases] or q.served_cases
        if not served:
            continue
        rows.append(
            {
                "at": q.asked_at,
                "case": ", ".join(c.number for c in served),
                "office": q.front_office.name if q.front_office else _("the system"),
                "what": _("your record in %(registry)s") % {"registry": q.registry.name},
                "purpose": (
                    _("renewing your benefit: %(service)s")
                    if q.trigger == RegistryQuery.Trigger.RENEWAL
                    else _("checking your application: %(service)s")
                )
                % {"service": ", ".join(c.service_type.name for c in served)},
            }
        )
    return rows
