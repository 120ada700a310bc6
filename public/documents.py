"""The one place the applicant's phone upload stores documents.

It runs exactly the clerk's path: the kernel's ``cases.documents.document_add`` (the same inspection, duplicate
check, storage and page processing).
"""

from django.db import transaction
from django.utils.translation import gettext as _

from cases import lifecycle
from cases.documents import document_add
from cases.models import Document, DocumentType, InboxMessage
from cases.services import inbox_post
from public.links import LinkTarget


def document_add_from_link(
    *, target: LinkTarget, document_type: DocumentType | None, files, document: Document | None = None
) -> Document:
    """Store the person's files as one document of the link's case (or add their pages to ``document``, one of
    that case's: the phone page's second photo joins the first one's document), then tell the front office.

    The document is recorded as added by the clerk who opened the case (documents need a staff author); the
    timeline and the front office's inbox say it came from the applicant's phone."""
    case = target.case
    with transaction.atomic():
        before = document.pages.count() if document is not None else 0
        document = document_add(
            case=case, document_type=document_type, files=files, by=case.created_by, document=document
        )
        pages = document.pages.count() - before
        lifecycle.record(
            case, lifecycle.Action.PHONE_UPLOAD, by=None, note="", data={"document": document.pk, "pages": pages}
        )
        inbox_post(
            case=case,
            kind=InboxMessage.Kind.NEEDS_INFO,
            text=_("Pages the applicant sent by the phone link: %(pages)d (%(type)s). Check them and resubmit.")
            % {"pages": pages, "type": document_type.name if document_type else _("unsorted")},
        )
    return document
