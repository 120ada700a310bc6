"""One application for several services (issue 13): opening it, adding a service, scanning evidence once, and one
submit that submits every complete case.

Each service is still its own case (its own checklist, back office, deadline, decision and fee); the application is
the visit that groups them. Opening is all or nothing (one transaction). Submitting is not: each case is submitted
through the lifecycle executor in a transaction and an event of its own (``frontoffice.services.case_submit``), so a
case that is not complete stays a draft and never holds the others back.
"""

import hashlib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _

from cases import clock
from cases.checklist import document_type_ids, missing_items
from cases.exceptions import (
    BundleNotAllowed,
    DocumentTypeNotNeeded,
    DomainError,
    InvalidInput,
    ServiceChosenTwice,
    TransitionNotAllowed,
)
from cases.lifecycle import EDITABLE
from cases.models import (
    Applicant,
    Application,
    ApplicationSignature,
    Bundle,
    Case,
    ChecklistItem,
    Document,
    DocumentType,
    FrontOffice,
    ServiceType,
)
from frontoffice import services as front

S = Case.Status


@dataclass(frozen=True)
class Signatory:
    """Another adult who signs the application (the second parent of a bundle for both parents)."""

    full_name: str
    rnokpp: str = ""
    role: str = ""


@dataclass
class Submitted:
    """What one submit did to one case: submitted now (or before), or left a draft with what is missing."""

    case: Case
    missing: list[ChecklistItem] = field(default_factory=list)
    error: str = ""


def _age(applicant: Applicant) -> int:
    today, born = clock.today(), applicant.birth_date
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def bundle_check(*, bundle: Bundle, applicant: Applicant, role: str, signatories: Sequence[Signatory]) -> str:
    """The role the applicant applies as, or ``BundleNotAllowed`` saying why they may not apply for ``bundle``."""
    if not bundle.active:
        raise BundleNotAllowed(_("This bundle of services is no longer offered."))
    roles = list(bundle.roles or [])
    role = role or (roles[0] if roles else Bundle.Role.ANY)
    if role not in roles and Bundle.Role.ANY not in roles:
        allowed = ", ".join(str(Bundle.Role(r).label) for r in roles if r in Bundle.Role.values)
        raise BundleNotAllowed(
            _("“%(bundle)s” may be asked for by: %(allowed)s.") % {"bundle": bundle.name, "allowed": allowed}
        )
    if _age(applicant) < bundle.min_applicant_age:
        raise BundleNotAllowed(
            _("“%(bundle)s” may be asked for from the age of %(age)d.")
            % {"bundle": bundle.name, "age": bundle.min_applicant_age}
        )
    if role == Bundle.Role.BOTH_PARENTS and not any(s.full_name.strip() for s in signatories):
        raise BundleNotAllowed(_("Both parents apply: the second parent must sign the application too."))
    return role


def _chosen(services: Sequence[ServiceType], bundle: Bundle | None) -> tuple[list[ServiceType], list[str]]:
    """The services chosen and the codes offered. With a bundle and no choice, its services ticked by default."""
    offered = []
    if bundle is not None:
        items = list(bundle.items.select_related("service_type"))
        offered = [item.service_type.code for item in items]
        if not services:
            services = [item.service_type for item in items if item.chosen_by_default]
        outside = [s.code for s in services if s.code not in offered]
        if outside:
            raise InvalidInput(
                _("Not a service of “%(bundle)s”: %(codes)s.") % {"bundle": bundle.name, "codes": ", ".join(outside)}
            )
    services = list(services)
    if not services:
        raise InvalidInput(_("Choose at least one service."))
    codes = [s.code for s in services]
    twice = sorted({c for c in codes if codes.count(c) > 1})
    if twice:
        raise ServiceChosenTwice(
            _("The same service is chosen twice in one application: %(codes)s.") % {"codes": ", ".join(twice)}
        )
    return services, offered or codes


@transaction.atomic
def application_open(
    *,
    applicant: Applicant,
    front_office: FrontOffice,
    services: Sequence[ServiceType],
    bundle: Bundle | None = None,
    by,
    duplicate_reason: str = "",
    role: str = "",
    signatories: Sequence[Signatory] = (),
    channel: str = Case.Channel.IN_PERSON,
) -> Application:
    """Open one application with a draft case per chosen service. All or nothing: a service chosen twice, a service
    with an open case of the person and no reason (``DuplicateOpenCase``), a bundle the person may not apply for —
    each raises and leaves no application, no case and no number taken."""
    front._require_clerk_of(front_office, by)
    services, offered = _chosen(services, bundle)
    if bundle is not None:
        role = bundle_check(bundle=bundle, applicant=applicant, role=role, signatories=signatories)
    elif role and role not in Bundle.Role.values:
        raise InvalidInput(_("Unknown role."))
    application = Application.objects.create(
        # Numbered after its first case once that has its number (below), in this same transaction.
        number=f"new-{uuid.uuid4().hex}",
        applicant=applicant,
        front_office=front_office,
        community=front_office.community,
        channel=channel,
        bundle=bundle,
        role=role,
        offered_services=offered,
        chosen_services=[s.code for s in services],
        consent_at=clock.now(),
        created_by=by,
    )
    cases = [
        front.case_open(
            applicant=applicant,
            service_type=service,
            front_office=front_office,
            by=by,
            channel=channel,
            duplicate_reason=duplicate_reason,
            application=application,
        )
        for service in services
    ]
    application.number = Application.number_for(cases[0].number)
    application.save(update_fields=["number"])
    if len(cases) > 1:
        _share_evidence(application, cases)
    ApplicationSignature.objects.create(
        application=application,
        full_name=applicant.full_name,
        rnokpp=applicant.rnokpp or "",
        role=role,
        is_applicant=True,
    )
    for signatory in signatories:
        if signatory.full_name.strip():
            ApplicationSignature.objects.create(
                application=application,
                full_name=signatory.full_name.strip(),
                rnokpp=signatory.rnokpp,
                role=signatory.role or role,
            )
    return application


@transaction.atomic
def application_add_service(*, application: Application, service: ServiceType, by, duplicate_reason: str = "") -> Case:
    """Add a case for ``service`` to the application (the pre-screener's one click). The application's row is
    locked so two clicks cannot add the same service twice."""
    front._require_clerk_of(application.front_office, by)
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.cases.filter(service_type=service).exclude(status__in=[S.WITHDRAWN]).exists():
        raise ServiceChosenTwice(_("“%(service)s” is already in this application.") % {"service": service.name})
    case = front.case_open(
        applicant=application.applicant,
        service_type=service,
        front_office=application.front_office,
        by=by,
        channel=application.channel,
        duplicate_reason=duplicate_reason,
        application=application,
    )
    application.chosen_services = [*application.chosen_services, service.code]
    application.save(update_fields=["chosen_services"])
    _share_evidence(application, [case])
    return case


def _share_evidence(application: Application, cases: list[Case]) -> None:
    """Mark every case of an application of several as seeing the others' documents (cases.checklist)."""
    Case.objects.filter(application=application, shares_evidence=False).update(shares_evidence=True)
    for case in cases:
        case.shares_evidence = True


def cases_needing(application: Application, document_type: DocumentType) -> list[Case]:
    """The cases of the application whose checklist names ``document_type``, oldest first."""
    cases = list(application.cases.select_related("service_type").order_by("pk"))
    return [case for case in cases if document_type.pk in document_type_ids(case)]


def application_document_add(
    *, application: Application, document_type: DocumentType, files: Iterable[File], by
) -> Document:
    """Scan a document once for the application: it is stored in the first case still with the front office that
    needs its type, and every other case of the application needing that type sees the same document (see
    ``cases.checklist.documents_for``). A type no case needs is refused; nothing is stored."""
    front._require_clerk_of(application.front_office, by)
    needing = cases_needing(application, document_type)
    if not needing:
        raise DocumentTypeNotNeeded(
            _("No service of this application needs “%(type)s”.") % {"type": document_type.name}
        )
    home = next((case for case in needing if case.status in EDITABLE), None)
    if home is None:
        raise TransitionNotAllowed(_("Every case that needs this document has already gone to the back office."))
    return front.document_add(case=home, document_type=document_type, files=files, by=by)


def _case_key(key: str, case: Case) -> str:
    """One Idempotency-Key per case of a repeated application submit (the kernel keeps one key per case)."""
    return f"app-{hashlib.sha256(key.encode()).hexdigest()[:32]}-{case.pk}"


def application_submit(*, application: Application, by, idempotency_key: str | None = None) -> list[Submitted]:
    """Submit every complete draft case, each in its own transaction and event; the incomplete stay drafts, with
    what is missing. A repeated request (same key, or a double click) submits nothing twice."""
    front._require_clerk_of(application.front_office, by)
    results = []
    for case in application.cases.select_related("service_type").order_by("pk"):
        if case.status != S.DRAFT:
            results.append(Submitted(case=case))
            continue
        key = _case_key(idempotency_key, case) if idempotency_key else None
        try:
            case = front.case_submit(case=case, by=by, idempotency_key=key)
        except DomainError as e:
            results.append(Submitted(case=case, missing=missing_items(case), error=str(e.message)))
            continue
        results.append(Submitted(case=case))
    return results
