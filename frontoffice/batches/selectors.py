"""Batch scanning's reads, scoped like cases: a front-office user sees the batches of their community's offices."""

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from cases.access import access_for
from cases.models import Case, Document
from cases.selectors import case_list
from frontoffice.models import ScanBatch, ScanBatchPage

P = ScanBatchPage.Status


def scan_batch_list(*, user) -> QuerySet[ScanBatch]:
    community_ids = access_for(user).community_ids
    if not community_ids:
        return ScanBatch.objects.none()
    return (
        ScanBatch.objects.filter(front_office__community_id__in=community_ids)
        .select_related("front_office", "created_by")
        .annotate(
            routed_count=Count("pages", filter=Q(pages__status=P.ROUTED)),
            unrouted_count=Count("pages", filter=Q(pages__status=P.UNROUTED)),
        )
        .order_by("-created_at", "-pk")  # aggregate queries ignore Meta.ordering
    )


def scan_batch_get(*, user, pk: int) -> ScanBatch:
    return get_object_or_404(scan_batch_list(user=user), pk=pk)


def scan_batch_pages(*, batch: ScanBatch) -> list[ScanBatchPage]:
    """Every page with where it went, in stack order (one query)."""
    return list(batch.pages.select_related("case", "document__document_type", "document_type").order_by("number"))


def scan_batch_counts(*, batch: ScanBatch) -> dict[str, int]:
    rows = batch.pages.values_list("status").annotate(n=Count("pk"))
    counts = {status: 0 for status in P.values}
    counts.update(dict(rows))
    return counts


def scan_batch_unsorted_documents(*, batch: ScanBatch) -> list[Document]:
    """Documents this batch made without a type that are still unsorted, for the clerk to label."""
    ids = batch.pages.filter(status=P.ROUTED, document__document_type__isnull=True).values("document_id")
    return list(
        Document.objects.filter(pk__in=ids)
        .select_related("case")
        .annotate(page_count=Count("pages"))
        .order_by("case__number", "position")
    )


def cases_accepting_documents(*, user, community_id: int) -> QuerySet[Case]:
    """The community's cases the clerk may still add documents to (drafts, waiting for information)."""
    return case_list(user=user, filters={"status": [Case.Status.DRAFT, Case.Status.NEEDS_INFO]}).filter(
        community_id=community_id
    )
