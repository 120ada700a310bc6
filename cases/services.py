"""Kernel services shared by the offices: case numbers, inbox entries, the file access log, idempotency keys,
and the checks every write of an applicant's data goes through."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from cases import clock
from cases.access import access_for
from cases.exceptions import InvalidInput, NotPermitted
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
from cases.validators import (
    ID_CARD_RE,
    passport_kind_for,
    passport_number_normalised,
    phone_normalised,
    rnokpp_birth_date,
    rnokpp_is_valid,
    validate_phone,
)

# The error code of "this person is already registered": the UI links the message to the existing person.
APPLICANT_EXISTS = "applicant_exists"
APPLICANT_FIELDS = (
    "last_name",
    "first_name",
    "patronymic",
    "birth_date",
    "rnokpp",
    "unzr",
    "passport_kind",
    "passport_number",
    "address",
    "phone",
)


def _applicant_taken(applicant: Applicant) -> dict[str, list[ValidationError]]:
    """Our uniqueness rules as field errors naming the person on file (never the database's constraint text)."""
    others = Applicant.objects.exclude(pk=applicant.pk) if applicant.pk else Applicant.objects.all()
    errors: dict[str, list[ValidationError]] = {}
    if applicant.rnokpp and (found := others.filter(rnokpp=applicant.rnokpp).only("pk").first()):
        errors["rnokpp"] = [
            ValidationError(
                _("A person with this RNOKPP is already registered."),
                code=APPLICANT_EXISTS,
                params={"applicant": found.pk, "identifier": applicant.rnokpp},
            )
        ]
    if applicant.passport_number and (
        found := others.filter(passport_kind=applicant.passport_kind, passport_number=applicant.passport_number)
        .only("pk")
        .first()
    ):
        errors["passport_number"] = [
            ValidationError(
                _("A person with this document number is already registered."),
                code=APPLICANT_EXISTS,
                params={"applicant": found.pk, "identifier": applicant.passport_number},
            )
        ]
    return errors


def applicant_prepare(applicant: Applicant) -> None:
    """Fill in what the identifiers tell, then check the person: raises ``ValidationError`` with one message per
    field. The date of birth comes from a valid RNOKPP when it is blank, the document kind from the number's shape
    when none is chosen, and a booklet series typed in Latin look-alikes is written in Cyrillic."""
    applicant.rnokpp = (applicant.rnokpp or "").strip() or None
    applicant.passport_number = passport_number_normalised(applicant.passport_number)
    if applicant.passport_number and not applicant.passport_kind:
        applicant.passport_kind = passport_kind_for(applicant.passport_number)
    if applicant.birth_date is None and applicant.rnokpp and rnokpp_is_valid(applicant.rnokpp):
        applicant.birth_date = rnokpp_birth_date(applicant.rnokpp)
    applicant.phone = phone_normalised(applicant.phone)
    errors: dict[str, list] = {}
    try:
        applicant.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as e:
        errors = {field: list(e.error_dict[field]) for field in e.error_dict}
    try:
        validate_phone(applicant.phone)
    except ValidationError as e:
        errors.setdefault("phone", e.error_list)
    if applicant.passport_kind == Applicant.PassportKind.BOOKLET and ID_CARD_RE.fullmatch(applicant.passport_number):
        errors["passport_number"] = [
            ValidationError(
                _("Nine digits is the number of an ID card, not of a passport booklet: choose “ID card”."),
                code="passport_kind_mismatch",
            )
        ]
    for field, taken in _applicant_taken(applicant).items():
        errors.setdefault(field, taken)
    if errors:
        # GOV.UK's rule: one message per field, the first that applies (a field validator and clean() may agree).
        raise ValidationError({field: found[:1] for field, found in errors.items()})


def applicant_save(applicant: Applicant, *, update_fields=None) -> None:
    """Save a prepared applicant; a registration racing ours for the same number answers as a field error."""
    try:
        with transaction.atomic():
            applicant.save(update_fields=update_fields)
    except IntegrityError:
        taken = _applicant_taken(applicant)
        raise ValidationError(taken or _("The person could not be saved: please send the form again.")) from None


def applicant_may_edit(*, applicant: Applicant, user) -> bool:
    """Clerks of the community that registered the person, or that has a case of theirs, may correct their data."""
    communities = set(access_for(user).clerk_community_ids)
    if not communities:
        return False
    return (
        applicant.registered_at.community_id in communities
        or applicant.cases.filter(community_id__in=communities).exists()
    )


def applicant_update(*, applicant: Applicant, by, data: dict) -> Applicant:
    """Correct a person's data (same checks as a registration); raises ``ValidationError`` with field errors."""
    if not applicant_may_edit(applicant=applicant, user=by):
        raise NotPermitted(_("Only a clerk of the person's community can change their data."))
    for name in APPLICANT_FIELDS:
        if name in data:
            setattr(applicant, name, data[name])
    applicant_prepare(applicant)
    applicant_save(applicant, update_fields=APPLICANT_FIELDS)
    return applicant


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


def inbox_post_many(entries) -> list[InboxMessage]:
    """``inbox_post`` for many ``(case, kind, text)`` at once: one INSERT. Part of the caller's transaction."""
    return InboxMessage.objects.bulk_create(
        [InboxMessage(front_office_id=c.front_office_id, case=c, kind=kind, text=text) for c, kind, text in entries]
    )


def inbox_mark_read(*, message: InboxMessage, by) -> None:
    if message.read_at is None:
        message.read_at = clock.now()
        message.read_by = by
        message.save(update_fields=["read_at", "read_by"])


def inbox_mark_all_read(*, messages, by) -> int:
    """Mark every unread entry of ``messages`` (a queryset already scoped to what ``by`` may see) as read."""
    return messages.filter(read_at__isnull=True).update(read_at=clock.now(), read_by=by)


def access_log_record(*, user, case: Case, what: str, object_id: int | None = None) -> None:
    AccessLogEntry.objects.create(user=user, case=case, what=what, object_id=object_id)


IDEMPOTENCY_KEY_MAX = 100  # IdempotencyKey.key


def idempotency_key_clean(key: str | None) -> str | None:
    """A client's Idempotency-Key as it is stored: surrounding spaces stripped, ``None`` when empty. A key longer than
    the column is refused (``InvalidInput``: a 400 with its code in the API, a message in the UI), never cut: two
    long keys sharing their first 100 characters would otherwise count as one request."""
    key = (key or "").strip()
    if len(key) > IDEMPOTENCY_KEY_MAX:
        raise InvalidInput(_("The Idempotency-Key is longer than 100 characters."), field="idempotency_key")
    return key or None


def idempotent_case(*, user, key: str | None, action: str) -> Case | None:
    """The case a previous request with this Idempotency-Key acted on, if any. Call first in a keyed write: it also
    refuses an over-long key (``idempotency_key_clean``) before anything changes."""
    key = idempotency_key_clean(key)
    if not key:
        return None
    found = IdempotencyKey.objects.filter(user=user, key=key, action=action).select_related("case").first()
    return found.case if found else None


def idempotency_remember(*, user, key: str | None, action: str, case: Case) -> None:
    """Store the key inside the caller's transaction: a concurrent duplicate fails on the unique constraint."""
    if key := idempotency_key_clean(key):
        IdempotencyKey.objects.create(user=user, key=key, action=action, case=case)


def system_user(username: str, first_name):
    """The user a part of the product acts as (the robot, renewals, proactive support): created by its app's data
    migration, made here when a database lacks it (a test that flushes users). It cannot sign in and holds no role.
    Safe when several workers ask at once: the unique username makes one, the others read it."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user
    user = User(username=username, first_name=str(first_name), is_active=True)
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # made by a concurrent call
        return User.objects.get(username=username)
    return user
