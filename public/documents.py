"""The one place the applicant's phone upload stores documents.

It must run exactly the clerk's path: the same inspection, duplicate check, storage and page processing. That
path is ``document_add``, which today lives in ``frontoffice.services``; the public app may not import an office
(import-linter), so it is reached through ``settings.PUBLIC_DOCUMENT_ADD`` (a dotted path). When the kernel has
its own ``document_add`` (e.g. ``cases.documents.document_add``), point the setting there — nothing else changes.
"""

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from cases import lifecycle
from cases.models import Document, DocumentType, InboxMessage
from cases.services import inbox_post
from public.links import LinkTarget


def document_add_from_link(*, target: LinkTarget, document_type: DocumentType | None, files) -> Document:
    """Store the person's files as one document of the link's case, then tell the front office.

    The document is recorded as added by the clerk who opened the case (documents need a staff author); the
    timeline and the front office's inbox say it came from the applicant's phone."""
    document_add = import_string(settings.PUBLIC_DOCUMENT_ADD)
    case = target.case
    with transaction.atomic():
        document = document_add(case=case, document_type=document_type, files=files, by=case.created_by)
        pages = document.pages.count()
        lifecycle.record(case, "phone_upload", by=None, note="", data={"document": document.pk, "pages": pages})
        inbox_post(
            case=case,
            kind=InboxMessage.Kind.NEEDS_INFO,
            text=_("Pages the applicant sent by the phone link: %(pages)d (%(type)s). Check them and resubmit.")
            % {"pages": pages, "type": document_type.name if document_type else _("unsorted")},
        )
    return document
