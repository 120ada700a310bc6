"""Kernel services shared by the offices: case numbers, inbox entries, the file access log, idempotency keys."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cases import clock
from cases.exceptions import InvalidInput
from cases.models import AccessLogEntry, Case, CaseNumberSequence, Community, IdempotencyKey, InboxMessage


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
