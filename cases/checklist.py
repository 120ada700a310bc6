"""A service's checklist measured against a case's documents: what is there, what is missing."""

from dataclasses import dataclass, field

from cases.models import Case, ChecklistItem, Document, Page


@dataclass
class ChecklistLine:
    item: ChecklistItem
    documents: list[Document] = field(default_factory=list)
    page_count: int = 0

    @property
    def satisfied(self) -> bool:
        return not self.item.required or self.page_count >= self.item.min_pages


def checklist_for(case: Case, documents: list[Document] | None = None) -> list[ChecklistLine]:
    """One line per checklist item of the case's service. A document counts towards every item that names its
    type. Pass ``documents`` (with ``pages`` prefetched) to avoid queries; otherwise they are loaded."""
    items = list(case.service_type.checklist.prefetch_related("document_types"))
    if documents is None:
        documents = list(case.documents.prefetch_related("pages"))
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
    return Page.objects.filter(document__case=case).exclude(status=Page.Status.READY).count()
