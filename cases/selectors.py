"""Reads, always scoped to what the user may see (docs/product.md §2). Anything outside the scope is a 404.

A front-office user (clerk, supervisor) sees the cases of their community; a back-office user the cases routed
to their back office once submitted; ministry staff see no case, applicant or document at all.
"""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from cases.access import Access, access_for
from cases.models import Applicant, Case, Document, Page, SourceFile


def case_scope(access: Access) -> Q | None:
    """The Q that selects the cases ``access`` may see, or None for none."""
    parts = []
    if access.community_ids:
        parts.append(Q(community_id__in=access.community_ids))
    if access.back_office_ids:
        parts.append(Q(back_office_id__in=access.back_office_ids, first_submitted_at__isnull=False))
    if not parts:
        return None
    q = parts[0]
    for part in parts[1:]:
        q |= part
    return q


def case_visible(*, user) -> QuerySet[Case]:
    scope = case_scope(access_for(user))
    return Case.objects.none() if scope is None else Case.objects.filter(scope)


def case_list(*, user, filters: dict | None = None) -> QuerySet[Case]:
    qs = case_visible(user=user).select_related(
        "applicant", "service_type", "front_office", "community", "back_office", "assignee"
    )
    filters = filters or {}
    if status := filters.get("status"):
        qs = qs.filter(status__in=status if isinstance(status, list | tuple) else [status])
    if service := filters.get("service_type"):
        qs = qs.filter(service_type__code=service)
    if community := filters.get("community"):
        qs = qs.filter(community_id=community)
    if front_office := filters.get("front_office"):
        qs = qs.filter(front_office_id=front_office)
    if applicant := filters.get("applicant"):
        qs = qs.filter(applicant_id=applicant)
    if number := filters.get("number"):
        qs = qs.filter(number__icontains=number)
    return qs


def case_get(*, user, pk: int) -> Case:
    return get_object_or_404(case_list(user=user), pk=pk)


def case_get_by_number(*, user, number: str) -> Case:
    return get_object_or_404(case_list(user=user), number=number)


def applicant_visible(*, user) -> QuerySet[Applicant]:
    """Applicants registered in the user's community or with a case the user may see."""
    access = access_for(user)
    scope = case_scope(access)
    if scope is None:
        return Applicant.objects.none()
    q = Q(pk__in=Case.objects.filter(scope).values("applicant_id"))
    if access.community_ids:
        q |= Q(registered_at__community_id__in=access.community_ids)
    return Applicant.objects.filter(q)


def applicant_get(*, user, pk: int) -> Applicant:
    return get_object_or_404(applicant_visible(user=user), pk=pk)


def applicant_find_by_identifier(*, user, rnokpp: str = "", passport_number: str = "") -> Applicant | None:
    """Exact lookup by RNOKPP or document number across the country, for front-office users only.

    One applicant per RNOKPP: a clerk must find the person even if they first applied elsewhere, rather than
    register them twice. Only an exact identifier the applicant presented reveals the record.
    """
    if not access_for(user).is_front:
        return None
    if rnokpp:
        return Applicant.objects.filter(rnokpp=rnokpp).first()
    if passport_number:
        return Applicant.objects.filter(passport_number=passport_number.upper()).first()
    return None


def _applications_visible(user) -> QuerySet:
    """The applications of the cases the user may see: a document scanned into one case of an application is
    evidence for its other cases too (cases.checklist.documents_for), so whoever may see one of them may see it."""
    return case_visible(user=user).exclude(application__isnull=True).values("application_id")


def document_get(*, user, pk: int) -> Document:
    visible = Q(case__in=case_visible(user=user)) | Q(case__application_id__in=_applications_visible(user))
    return get_object_or_404(Document.objects.filter(visible).select_related("case"), pk=pk)


def page_get(*, user, pk: int) -> Page:
    visible = Q(document__case__in=case_visible(user=user)) | Q(
        document__case__application_id__in=_applications_visible(user)
    )
    return get_object_or_404(Page.objects.filter(visible).select_related("document__case", "source"), pk=pk)


def source_file_get(*, user, pk: int) -> SourceFile:
    visible = Q(case__in=case_visible(user=user)) | Q(case__application_id__in=_applications_visible(user))
    return get_object_or_404(SourceFile.objects.filter(visible).select_related("case"), pk=pk)


def case_documents(*, case: Case) -> list[Document]:
    """The case's documents with their pages and types, in order, then those it shares with the other cases of its
    application (cases.checklist.documents_for)."""
    from cases.checklist import shared_documents

    return list(case.documents.select_related("document_type").prefetch_related("pages")) + shared_documents(case=case)


def case_detail_queryset(*, user):
    """Cases with everything the detail page and API show, in a fixed number of queries."""
    from django.db.models import Prefetch

    from cases.models import CaseEvent

    return case_list(user=user).prefetch_related(
        Prefetch("documents", queryset=Document.objects.select_related("document_type").prefetch_related("pages")),
        Prefetch("events", queryset=CaseEvent.objects.select_related("actor")),
        "refusal_grounds",
    )


def access_log_visible(*, user):
    """File views of cases the user oversees: a community supervisor their community's, a back-office head their back
    office's. Everyone else sees none (clerks and specialists are the ones being logged)."""
    from cases.models import AccessLogEntry

    access = access_for(user)
    q = Q(pk__in=[])
    if access.supervisor_community_ids:
        q |= Q(case__community_id__in=access.supervisor_community_ids)
    if access.head_back_office_ids:
        q |= Q(case__back_office_id__in=access.head_back_office_ids)
    if not (access.supervisor_community_ids or access.head_back_office_ids):
        return AccessLogEntry.objects.none()
    return AccessLogEntry.objects.filter(q).select_related("user", "case")


def access_log_list(*, user, number: str = "", username: str = ""):
    entries = access_log_visible(user=user)
    if number:
        entries = entries.filter(case__number__icontains=number.strip())
    if username:
        entries = entries.filter(user__username__iexact=username.strip())
    return entries.order_by("-at", "-pk")


def application_visible(*, user) -> QuerySet:
    """Applications of the user's communities (the front office takes them; another community's are a 404)."""
    from cases.models import Application

    access = access_for(user)
    if not access.community_ids:
        return Application.objects.none()
    return Application.objects.filter(community_id__in=access.community_ids)


def application_get(*, user, pk: int):
    """One application with its cases (service, numbers, deadlines) and signatures, in three queries."""
    from django.db.models import Prefetch

    return get_object_or_404(
        application_visible(user=user)
        .select_related("applicant", "front_office", "community", "bundle")
        .prefetch_related(
            Prefetch("cases", queryset=Case.objects.select_related("service_type", "back_office").order_by("pk")),
            "signatures",
        ),
        pk=pk,
    )
