"""Reads of proactive support, scoped to what the user may see: offers belong to the front-office staff of the
person's community of residence (clerks act on them; supervisors see them)."""

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from cases.access import access_for
from proactive.models import ProactiveOffer


def offer_list(*, user, filters: dict | None = None) -> QuerySet[ProactiveOffer]:
    communities = access_for(user).community_ids
    qs = ProactiveOffer.objects.filter(community_id__in=communities).select_related(
        "applicant", "service_type", "event", "community", "application"
    )
    filters = filters or {}
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("service"):
        qs = qs.filter(service_type__code=filters["service"])
    return qs.order_by("-detected_at", "-pk")


def offer_get(*, user, pk) -> ProactiveOffer:
    offer = offer_list(user=user).filter(pk=pk).first()
    if offer is None:
        raise Http404
    return offer


def work_list(*, user) -> QuerySet[ProactiveOffer]:
    """What the front office has to act on: offers waiting on its list (people who did not agree to messages) first,
    then those sent by message and not yet answered."""
    return offer_list(user=user, filters={"status": ProactiveOffer.Status.OFFERED}).order_by(
        "offered_via", "detected_at"
    )


def detections_for_the_person(*, cases) -> list[dict]:
    """ "Who looked at my data": every time the product found a measure for the person from a registry event (a
    ``settings.PUBLIC_DATA_ACCESS_SOURCES`` entry of the status page)."""
    applicant_ids = {c.applicant_id for c in cases}
    rows = (
        ProactiveOffer.objects.filter(applicant_id__in=applicant_ids)
        .select_related("service_type", "event")
        .order_by("-detected_at", "-pk")[:100]
    )
    return [
        {
            "at": o.detected_at,
            "case": o.service_type.name,
            "office": _("Proactive support (the social protection system)"),
            "what": _("a registry event: %(event)s") % {"event": o.event.get_type_display()}
            if o.event_id
            else _("the registries' answers on file"),
            "purpose": _("finding support you may be entitled to: %(service)s") % {"service": o.service_type.name},
        }
        for o in rows
    ]
