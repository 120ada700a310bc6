"""Reads, scoped to what the user may see."""

from django.db.models import Q, QuerySet

from cases.access import access_for
from cases.models import Case, DocumentType
from renewals.models import Renewal


def renewals_needing_person(*, user, limit: int = 20) -> QuerySet[Renewal]:
    """The clerk's list: renewals the robot could not grant whose person has no consent to messages, in the
    communities the user serves as clerk or supervisor, while the renewal case is open; soonest-ending first."""
    communities = access_for(user).community_ids
    if not communities:
        return Renewal.objects.none()
    return (
        Renewal.objects.filter(
            told=Renewal.Told.FRONT_OFFICE,
            case__community_id__in=communities,
            case__status__in=Case.OPEN_STATUSES,
        )
        .select_related("case__applicant", "case__service_type", "previous__grant_term")
        .order_by("previous__grant_term__ends", "pk")[:limit]
    )


def renewal_links(*, case: Case) -> dict:
    """What the case page shows: the grant this case renews, and the renewal opened for this case. One query, and
    none for a case that is neither a renewal nor a grant (nothing can link to it)."""
    links = {"renews": None, "renewed_by": None, "renewal": None}
    if case.channel != Case.Channel.RENEWAL and case.decision != Case.Decision.GRANTED:
        return links
    rows = Renewal.objects.filter(Q(case=case) | Q(previous=case)).select_related("case", "previous")
    for row in rows:
        if row.case_id == case.pk:
            links["renews"], links["renewal"] = row.previous, row
        else:
            links["renewed_by"] = row.case
    return links


def document_type_names(codes) -> dict[str, str]:
    """The names of document types by code, in the active language (one query)."""
    return {t.code: str(t.name) for t in DocumentType.objects.filter(code__in=set(codes))} if codes else {}
