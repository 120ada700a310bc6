from .applicants import Applicant
from .application import Application, ApplicationSignature, Bundle, BundleService
from .case import (
    AccessLogEntry,
    Case,
    CaseEvent,
    CaseNumberSequence,
    IdempotencyKey,
    InboxMessage,
    InfoRequest,
)
from .catalog import ChecklistItem, DocumentType, Holiday, RefusalGround, ServiceType
from .documents import Document, Page, PageEvent, SourceFile
from .organisation import BackOffice, Community, FrontOffice, Membership, Region, User

__all__ = [
    "AccessLogEntry",
    "Applicant",
    "Application",
    "ApplicationSignature",
    "BackOffice",
    "Bundle",
    "BundleService",
    "Case",
    "CaseEvent",
    "CaseNumberSequence",
    "ChecklistItem",
    "Community",
    "Document",
    "DocumentType",
    "FrontOffice",
    "Holiday",
    "IdempotencyKey",
    "InboxMessage",
    "InfoRequest",
    "Membership",
    "Page",
    "PageEvent",
    "RefusalGround",
    "Region",
    "ServiceType",
    "SourceFile",
    "User",
]
