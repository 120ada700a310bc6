"""A service's checklist measured against a case's documents: what is there, what is missing.

A document filed from a registry's answer (``Document.Origin.REGISTRY``) satisfies its item whatever the item's
minimum page count: the registry's extract is the evidence, and no scan is needed.

Evidence once (an application of several services, ``cases.models.application``): a document belongs to the case it
was scanned into, and every other case of the same application sees it when its checklist names the document's type
(``documents_for``). Nothing is copied: the same rows and files are referenced. A registry's answer filed in one case
counts for the others the same way (an application has one applicant, so it is about the same person).
"""

from dataclasses import dataclass, field

from django.db.models import Q

from cases.models import Case, ChecklistItem, Document, Page


@dataclass
class ChecklistLine:
    item: ChecklistItem
    documents: list[Document] = field(default_factory=list)
    page_count: int = 0

    @property
    def registry_documents(self) -> list[Document]:
        return [d for d in self.documents if d.origin == Document.Origin.REGISTRY]

    @property
    def satisfied_by(self) -> str | None:
        """``"registry"`` (an answer stands in), ``"documents"`` (enough pages were brought) or None (neither)."""
        if self.registry_documents:
            return "registry"
        if self.page_count >= self.item.min_pages:
            return "documents"
        return None

    @property
    def registry_codes(self) -> list[str]:
        return sorted({d.registry_code for d in self.registry_documents})

    @property
    def satisfied(self) -> bool:
        return not self.item.required or self.satisfied_by is not None


def checklist_for(case: Case, documents: list[Document] | None = None) -> list[ChecklistLine]:
    """One line per checklist item of the case's service. A document counts towards every item that names its
    type. Pass ``documents`` (with ``pages`` prefetched) to avoid queries; otherwise they are loaded."""
    items = _items(case)
    if documents is None:
        documents = documents_for(case)
    lines = []
    for item in items:
        type_ids = {t.pk for t in item.document_types.all()}
        line = ChecklistLine(item=item)
        for document in documents:
            if document.document_type_id in type_ids:
                line.documents.append(document)
                line.page_count += len(document.pages.all())
        lines.append(line)
    return lines


def in_checklist_order(case: Case, documents: list[Document]) -> list[Document]:
    """``documents`` in the order of the service's checklist (then unlisted types, then unsorted pages), not the
    order in which parallel uploads happened to finish. Within one checklist item, the order they were added."""
    rank: dict[int, int] = {}
    for index, item in enumerate(case.service_type.checklist.prefetch_related("document_types")):
        for document_type in item.document_types.all():
            rank.setdefault(document_type.pk, index)
    unlisted = len(rank) + 1
    return sorted(
        documents,
        key=lambda d: (
            rank.get(d.document_type_id, unlisted) if d.document_type_id else unlisted + 1,
            d.position,
            d.pk,
        ),
    )


def missing_items(case: Case, documents: list[Document] | None = None) -> list[ChecklistItem]:
    return [line.item for line in checklist_for(case, documents) if not line.satisfied]


def pages_not_ready(case: Case) -> int:
    if "documents" in getattr(case, "_prefetched_objects_cache", {}):
        return sum(not page.is_ready for document in documents_for(case) for page in document.pages.all())
    return Page.objects.filter(page_scope(case)).exclude(status=Page.Status.READY).count()


def document_type_ids(case: Case) -> set[int]:
    """The document types the case's checklist names."""
    return {t.pk for item in _items(case) for t in item.document_types.all()}


def shared_documents(case: Case) -> list[Document]:
    """Documents of the other cases of the case's application whose type this case's checklist names (one query,
    two when any is found), with their types and pages."""
    if case.application_id is None or not case.shares_evidence:
        return []
    cached = getattr(case, "_shared_documents", None)
    if cached is None:
        cached = list(
            Document.objects.filter(
                case__application_id=case.application_id, document_type_id__in=document_type_ids(case)
            )
            .exclude(case_id=case.pk)
            .select_related("document_type")
            .prefetch_related("pages")
            .order_by("case_id", "position", "pk")
        )
        case._shared_documents = cached
    return cached


def documents_for(case: Case) -> list[Document]:
    """The case's own documents (the prefetched ones where the caller loaded them) and those it shares."""
    return _documents(case) + shared_documents(case)


def page_scope(case: Case) -> Q:
    """The pages of the case's package: its own and those of the documents it shares."""
    q = Q(document__case=case)
    if case.application_id is not None and case.shares_evidence:
        q |= Q(
            document__case__application_id=case.application_id, document__document_type_id__in=document_type_ids(case)
        )
    return q


def _items(case: Case) -> list[ChecklistItem]:
    """The service's checklist, read once per case object (the guards and the page both ask for it)."""
    cached = getattr(case, "_checklist_items", None)
    if cached is None or cached[0] != case.service_type_id:
        cached = (case.service_type_id, list(case.service_type.checklist.prefetch_related("document_types")))
        case._checklist_items = cached
    return cached[1]


def _documents(case: Case) -> list[Document]:
    """The case's own documents with their pages: the prefetched ones where the caller loaded them."""
    if "documents" in getattr(case, "_prefetched_objects_cache", {}):
        return list(case.documents.all())
    return list(case.documents.prefetch_related("pages"))
