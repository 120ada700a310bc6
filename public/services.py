"""The status page's writes: asking for a code, opening a session with it, ending it.

The answer to a code request is the same whether or not the receipt and phone match; what differs (a code sent,
or not) is visible only to the phone's owner. Limits count every request — per receipt, per phone, per address —
and a receipt locks after ``PUBLIC_CODE_MAX_FAILURES`` wrong codes within the window.
"""

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Sum

from cases import clock
from cases.access import access_for
from cases.exceptions import InvalidCode, InvalidInput, NotPermitted, TooManyRequests, TransitionNotAllowed
from cases.models import Applicant, Case
from notifications.models import Channel, Contact, Message
from notifications.phones import normalize_phone
from notifications.services import message_queue
from public.models import StatusChallenge, StatusSession

logger = logging.getLogger(__name__)


def _code_hash(challenge_id: int, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{challenge_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _clean_receipt(receipt: str) -> str:
    return (receipt or "").strip().upper()[:40]


def applicant_phones(applicant: Applicant) -> set[str]:
    """The numbers the person is known by: the consented contact and the phone in the applicant record."""
    phones = {normalize_phone(applicant.phone)}
    contact = Contact.objects.filter(applicant=applicant).first()
    if contact is not None and contact.phone:
        phones.add(contact.phone)
    phones.discard(None)
    return phones


def _window_start():
    return clock.now() - timedelta(minutes=settings.PUBLIC_CODE_WINDOW_MINUTES)


def _failures(receipt: str) -> int:
    since = _window_start()
    return StatusChallenge.objects.filter(receipt=receipt, created_at__gte=since).aggregate(n=Sum("failures"))["n"] or 0


@transaction.atomic
def status_code_request(*, receipt: str, phone: str, address: str | None) -> None:
    """Send a one-time code if ``receipt`` is a case of the person with ``phone``. Raises ``TooManyRequests`` over
    a limit (the same for existing and made-up receipts); otherwise returns nothing, whatever the match."""
    receipt = _clean_receipt(receipt)
    normalized = normalize_phone(phone) or (phone or "").strip()[:16]
    since = _window_start()
    recent = StatusChallenge.objects.filter(created_at__gte=since)
    if (
        recent.filter(receipt=receipt).count() >= settings.PUBLIC_CODES_PER_RECEIPT
        or recent.filter(phone=normalized).count() >= settings.PUBLIC_CODES_PER_PHONE
        or (address and recent.filter(address=address).count() >= settings.PUBLIC_CODES_PER_ADDRESS)
        or _failures(receipt) >= settings.PUBLIC_CODE_MAX_FAILURES
    ):
        raise TooManyRequests()
    now = clock.now()
    case = Case.objects.select_related("applicant").filter(number=receipt).first()
    matches = case is not None and normalize_phone(phone) in applicant_phones(case.applicant)
    challenge = StatusChallenge.objects.create(
        receipt=receipt,
        phone=normalized,
        address=address,
        applicant=case.applicant if matches else None,
        created_at=now,
        expires_at=now + timedelta(minutes=settings.PUBLIC_CODE_MINUTES),
    )
    if not matches:
        logger.info("status code asked for a receipt and phone that do not match (challenge %s)", challenge.pk)
        return
    code = f"{secrets.randbelow(10**6):06d}"
    challenge.code_hash = _code_hash(challenge.pk, code)
    challenge.save(update_fields=["code_hash"])
    contact = Contact.objects.filter(applicant=case.applicant).first()
    message_queue(
        case=case,
        recipient=normalized,
        channel=Channel.SMS,
        template="status_code",
        language=contact.language if contact else settings.LANGUAGE_CODE,
        context={"code": code, "minutes": settings.PUBLIC_CODE_MINUTES},
        secret=True,
        expires_at=challenge.expires_at,
    )


def status_session_open(*, receipt: str, phone: str, code: str) -> tuple[str, StatusSession]:
    """Exchange a valid code for a session token (shown once). Wrong, expired, used, or for another receipt or
    phone: ``InvalidCode``, counted towards the receipt's lockout; locked: ``TooManyRequests``."""
    receipt = _clean_receipt(receipt)
    normalized = normalize_phone(phone) or (phone or "").strip()[:16]
    code = (code or "").strip()
    with transaction.atomic():
        if _failures(receipt) >= settings.PUBLIC_CODE_MAX_FAILURES:
            raise TooManyRequests(_locked_message())
        now = clock.now()
        challenge = (
            StatusChallenge.objects.select_for_update()
            .filter(receipt=receipt, phone=normalized, created_at__gte=_window_start())
            .order_by("-created_at", "-pk")
            .first()
        )
        valid = (
            challenge is not None
            and challenge.code_hash
            and challenge.used_at is None
            and challenge.expires_at > now
            and code.isdigit()
            and hmac.compare_digest(challenge.code_hash, _code_hash(challenge.pk, code))
        )
        if not valid:
            if challenge is not None:
                StatusChallenge.objects.filter(pk=challenge.pk).update(failures=challenge.failures + 1)
            else:
                # A guess with no code asked for still counts against the receipt.
                StatusChallenge.objects.create(
                    receipt=receipt, phone=normalized, created_at=now, expires_at=now, failures=1
                )
            failed = InvalidCode()
        else:
            challenge.used_at = now
            challenge.save(update_fields=["used_at"])
            token = secrets.token_urlsafe(32)
            session = StatusSession.objects.create(
                token_hash=_token_hash(token),
                applicant_id=challenge.applicant_id,
                receipt=receipt,
                created_at=now,
                expires_at=now + timedelta(minutes=settings.PUBLIC_SESSION_MINUTES),
            )
            return token, session
    raise failed


def _locked_message():
    from django.utils.translation import gettext as _

    return _("Too many wrong codes for this receipt. Try again in an hour.")


def status_session_get(*, token: str) -> StatusSession | None:
    """The live session for ``token``, or None (unknown or expired)."""
    if not token:
        return None
    return (
        StatusSession.objects.select_related("applicant")
        .filter(token_hash=_token_hash(token), expires_at__gt=clock.now())
        .first()
    )


def status_session_end(*, token: str) -> None:
    StatusSession.objects.filter(token_hash=_token_hash(token)).update(expires_at=clock.now())


@transaction.atomic
def remote_link_send(*, case: Case, by) -> Message:
    """An application taken by phone (channel *remote*): send the person the link to photograph their documents.
    Only a clerk of the case's community, only while it is a draft, only to a contact who agreed to messages."""
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from public.links import upload_url

    if case.community_id not in access_for(by).clerk_community_ids:
        raise NotPermitted(_("Only a clerk of the case's community can send the link."))
    if case.channel != Case.Channel.REMOTE or case.status != Case.Status.DRAFT:
        raise TransitionNotAllowed(_("The link is for applications taken by phone, while they are drafts."))
    contact = Contact.objects.filter(applicant_id=case.applicant_id).first()
    if contact is None or not contact.reachable or not (contact.phone or contact.email):
        raise InvalidInput(_("Record the applicant's phone and consent to messages first."))
    until = timezone.localdate() + timedelta(days=settings.PUBLIC_UPLOAD_LINK_DAYS)
    return message_queue(
        case=case,
        recipient=contact.email if contact.channel == Channel.EMAIL else contact.phone,
        channel=contact.channel,
        template="remote_link",
        language=contact.language,
        context={
            "office": case.front_office.name,
            "service": case.service_type.name,
            "until": until.strftime("%d.%m.%Y"),
            "link": upload_url(case=case),
        },
    )
