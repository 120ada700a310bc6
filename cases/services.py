"""Kernel services shared by the offices: case numbers, inbox entries, the file access log, idempotency keys."""

from django.db import IntegrityError, transaction

from cases import clock
from cases.models import (
    AccessLogEntry,
    Applicant,
    Application,
    ApplicationSignature,
    Case,
    CaseNumberSequence,
    Community,
    FrontOffice,
    IdempotencyKey,
    InboxMessage,
    ServiceType,
)


def case_number_next(*, community: Community, year: int) -> str:
    """The next number ``<KATOTTG>-<year>-<seq>`` of a community. Call inside ``transaction.atomic``: the
    sequence row stays locked until the caller's transaction ends, so numbers are gapless and unique."""
    try:
        with transaction.atomic():
            CaseNumberSequence.objects.get_or_create(community=community, year=year)
    except IntegrityError:
        pass  # another transaction created the row first; the lock below waits for it
    sequence = CaseNumberSequence.objects.select_for_update().get(community=community, year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"{community.katottg}-{year}-{sequence.last:06d}"


def application_of_one(
    *,
    applicant: Applicant,
    front_office: FrontOffice,
    case_number: str,
    service_type: ServiceType,
    by,
    channel: str = "in_person",
) -> Application:
    """The application a single case is opened in: numbered after the case, the applicant its one signatory.
    Part of the caller's transaction (``frontoffice.services.case_open``)."""
    application = Application.objects.create(
        number=Application.number_for(case_number),
        applicant=applicant,
        front_office=front_office,
        community=front_office.community,
        channel=channel,
        offered_services=[service_type.code],
        chosen_services=[service_type.code],
        consent_at=clock.now(),
        created_by=by,
    )
    ApplicationSignature.objects.create(
        application=application, full_name=applicant.full_name, rnokpp=applicant.rnokpp or "", is_applicant=True
    )
    return application


def inbox_post(*, case: Case, kind: str, text: str = "") -> InboxMessage:
    """Tell the case's front office something (needs info, decided). Part of the caller's transaction."""
    return InboxMessage.objects.create(front_office_id=case.front_office_id, case=case, kind=kind, text=text)


def inbox_mark_read(*, message: InboxMessage, by) -> None:
    if message.read_at is None:
        message.read_at = clock.now()
        message.read_by = by
        message.save(update_fields=["read_at", "read_by"])


def access_log_record(*, user, case: Case, what: str, object_id: int | None = None) -> None:
    AccessLogEntry.objects.create(user=user, case=case, what=what, object_id=object_id)


def idempotent_case(*, user, key: str | None, action: str) -> Case | None:
    """The case a previous request with this Idempotency-Key acted on, if any."""
    if not key:
        return None
    found = IdempotencyKey.objects.filter(user=user, key=key, action=action).select_related("case").first()
    return found.case if found else None


def idempotency_remember(*, user, key: str | None, action: str, case: Case) -> None:
    """Store the key inside the caller's transaction: a concurrent duplicate fails on the unique constraint."""
    if key:
        IdempotencyKey.objects.create(user=user, key=key[:100], action=action, case=case)
