"""Writes of the outbox: contacts (with consent), queueing messages, sending them, delivery reports, sweeping.

A message is queued in the transaction that decided to send it and sent after commit by
``notifications.send_message``; the row says what is pending, so a lost nudge or a provider that is down loses
nothing: ``message_requeue_stale`` (Celery beat) sends queued messages again.
"""

import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils import translation as dj_translation

from cases import clock
from cases.models import Applicant, Case, CaseEvent
from cases.queue import enqueue_on_commit, send
from notifications import texts
from notifications.models import Channel, Contact, Message
from notifications.phones import validate_ua_mobile
from notifications.providers import ProviderRejected, ProviderUnavailable, provider_for

logger = logging.getLogger(__name__)
M = Message.Status

# Other apps add facts to a message's words (the public app: the phone link of a request for information).
# ``fn(case, event) -> dict``; registered from an AppConfig.ready().
CONTEXT_HOOKS: dict[str, list[Callable[[Case, CaseEvent], dict]]] = {}


def register_context(template: str, fn: Callable[[Case, CaseEvent], dict]) -> None:
    hooks = CONTEXT_HOOKS.setdefault(template, [])
    if fn not in hooks:
        hooks.append(fn)


# --- Contacts -------------------------------------------------------------------------------------------------


@transaction.atomic
def contact_set(
    *,
    applicant: Applicant,
    by,
    phone: str = "",
    email: str = "",
    channel: str = Channel.SMS,
    language: str = "uk",
    consent: bool,
) -> Contact:
    """Record how the person agreed to be reached. Without ``consent`` the contact is kept but nothing is sent."""
    from django.core.exceptions import ValidationError

    errors = {}
    normalized = ""
    if phone:
        try:
            normalized = validate_ua_mobile(phone)
        except ValidationError as e:
            errors["phone"] = e.messages
    if channel in (Channel.SMS, Channel.VIBER) and not phone:
        errors["phone"] = [dj_translation.gettext("Give a phone number for SMS or Viber.")]
    if channel == Channel.EMAIL and not email:
        errors["email"] = [dj_translation.gettext("Give an e-mail address.")]
    if language not in dict(settings.LANGUAGES):
        errors["language"] = [dj_translation.gettext("Unknown language.")]
    if errors:
        raise ValidationError(errors)
    now = clock.now()
    contact, _created = Contact.objects.select_for_update().get_or_create(applicant=applicant)
    contact.phone, contact.email, contact.channel, contact.language = normalized, email, channel, language
    if consent:
        contact.consent_at, contact.consent_by, contact.opted_out_at = now, by, None
    elif contact.consent_at is not None and contact.opted_out_at is None:
        contact.opted_out_at = now  # consent withdrawn: an opt-out
    contact.updated_at = now
    contact.full_clean(exclude=["applicant"])
    contact.save()
    return contact


@transaction.atomic
def contact_opt_out(*, applicant: Applicant) -> None:
    """The person asked not to be messaged: nothing more is queued for them (codes they ask for still go)."""
    Contact.objects.filter(applicant=applicant, opted_out_at__isnull=True).update(
        opted_out_at=clock.now(), updated_at=clock.now()
    )


# --- Queueing ---------------------------------------------------------------------------------------------------


def message_queue(
    *,
    case: Case | None,
    event: CaseEvent | None = None,
    recipient: str,
    channel: str,
    template: str,
    language: str,
    context: dict,
    secret: bool = False,
    expires_at=None,
) -> Message:
    """Write the message and send it once the transaction commits."""
    from notifications.tasks import send_message

    message = Message.objects.create(
        case=case,
        event=event,
        recipient=recipient,
        channel=channel,
        template=template,
        language=language,
        text=texts.render(template, language, context),
        secret=secret,
        expires_at=expires_at,
    )
    enqueue_on_commit(send_message, message_id=message.pk)
    return message


def _reachable_contact(case: Case) -> Contact | None:
    return _reachable_contacts({case.applicant_id}).get(case.applicant_id)


def _reachable_contacts(applicant_ids) -> dict[int, Contact]:
    """The reachable contact of each of these applicants (one query), by applicant id."""
    out = {}
    for contact in Contact.objects.filter(applicant_id__in=list(applicant_ids)):
        if not contact.reachable:
            continue
        if (contact.channel == Channel.EMAIL and contact.email) or contact.phone:
            out[contact.applicant_id] = contact
    return out


def contact_reachable(*, case: Case) -> Contact | None:
    """The person's contact when they agreed to messages and did not opt out, with an address for its channel."""
    return _reachable_contact(case)


def _local_date(d) -> str:
    return d.strftime("%d.%m.%Y") if d else "—"


EVENT_TEMPLATES = {"submit": "submitted", "request_info": "info_requested"}


def template_for_event(event: CaseEvent) -> str | None:
    """Which message a timeline event sends: submit, a request for information, and the decision once final
    (``decide`` straight to decided, or ``approve_refusal``). A refusal waiting for the head's approval sends
    nothing yet. The decided message also says the notice is ready to collect: in this product the notice can be
    handed over from the moment of the decision, so "decided" and "ready to hand over" are one message."""
    if event.action in EVENT_TEMPLATES:
        return EVENT_TEMPLATES[event.action]
    if event.to_status == Case.Status.DECIDED and event.from_status != Case.Status.DECIDED:
        return "decided"
    return None


def notify_for_event(*, event: CaseEvent) -> Message | None:
    """Queue the applicant's message for a committed timeline event, if it calls for one and they agreed to it.
    Idempotent per event: a second call for the same event queues nothing."""
    return notify_for_events(events=[event]).get(event.pk)


def notify_for_events(*, events: list[CaseEvent]) -> dict[int, Message]:
    """``notify_for_event`` for the committed timeline events of one transaction (the robot's batch decides hundreds
    of cases at once): the events that call for a message, their cases and the applicants' contacts are read in two
    queries whatever their number (an event that did not commit — a savepoint rolled back — is not found and sends
    nothing); each message is what ``notify_for_event`` would queue. Idempotent per event. Returns the messages
    queued, by event pk."""
    wanted = {e.pk: (e, template) for e in events if (template := template_for_event(e)) is not None}
    if not wanted:
        return {}
    cases = {
        case_id: case
        for case_id, case in (
            (row.case_id, row.case)
            for row in CaseEvent.objects.filter(pk__in=list(wanted)).select_related(
                "case__service_type", "case__front_office", "case__applicant"
            )
        )
    }
    contacts = _reachable_contacts({c.applicant_id for c in cases.values()})
    prepared = []
    for event, template in wanted.values():
        case = cases.get(event.case_id)
        contact = contacts.get(case.applicant_id) if case is not None else None
        if contact is None:
            continue
        with dj_translation.override(contact.language):
            context = {
                "number": case.number,
                "service": case.service_type.name,
                "office": case.front_office.name,
                "due": _local_date(case.due_date),
                "url": settings.PUBLIC_BASE_URL.rstrip("/") + "/status/",
                "decision": case.get_decision_display(),
                "missing": (event.note or "")[:120].rstrip(" ."),
                "until": _local_date(timezone.localdate() + timedelta(days=settings.PUBLIC_UPLOAD_LINK_DAYS)),
                "link": "",
            }
            for hook in CONTEXT_HOOKS.get(template, []):
                context.update(hook(case, event))
        recipient = contact.email if contact.channel == Channel.EMAIL else contact.phone
        prepared.append((case, event, contact, template, recipient, context))
    if not prepared:
        return {}
    queued = {}
    with transaction.atomic():
        sent = set(Message.objects.filter(event__in=[p[1].pk for p in prepared]).values_list("event_id", flat=True))
        for case, event, contact, template, recipient, context in prepared:
            if event.pk in sent:
                continue
            queued[event.pk] = message_queue(
                case=case,
                event=event,
                recipient=recipient,
                channel=contact.channel,
                template=template,
                language=contact.language,
                context=context,
            )
    return queued


# --- Sending ------------------------------------------------------------------------------------------------------


def message_send(*, message_id: int) -> str:
    """One attempt at a queued message: "sent", "failed", "retry" (provider unavailable; it stays queued) or
    "skip" (not queued any more: a repeated task). The row is locked for the attempt, so two workers never both
    send it."""
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.status != M.QUEUED:
            return "skip"
        now = clock.now()
        if message.expires_at and message.expires_at <= now:
            message.status, message.last_error = M.FAILED, "expired before it could be sent"
            message.save(update_fields=["status", "last_error"])
            return "failed"
        provider = provider_for(message.channel)
        message.attempts += 1
        message.provider = provider.name
        try:
            accepted = provider.send(message)
        except ProviderUnavailable as e:
            message.last_error = str(e)[:300]
            if message.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
                message.status = M.FAILED
            message.save(update_fields=["attempts", "provider", "last_error", "status"])
            logger.warning("message %s not sent (attempt %s): %s", message.pk, message.attempts, message.last_error)
            return "failed" if message.status == M.FAILED else "retry"
        except ProviderRejected as e:
            message.status, message.last_error = M.FAILED, str(e)[:300]
            message.save(update_fields=["attempts", "provider", "last_error", "status"])
            logger.warning("message %s refused by %s: %s", message.pk, provider.name, message.last_error)
            return "failed"
        message.status, message.sent_at, message.last_error = M.SENT, now, ""
        message.provider_message_id = accepted.provider_message_id
        message.save(update_fields=["attempts", "provider", "last_error", "status", "sent_at", "provider_message_id"])
        return "sent"


def message_requeue_stale(*, older_than_seconds: int | None = None, limit: int = 500) -> int:
    """Send again the queued messages whose nudge never reached a worker or whose provider was down."""
    from notifications.tasks import send_message

    seconds = settings.NOTIFY_STALE_SECONDS if older_than_seconds is None else older_than_seconds
    now = clock.now()
    ids = list(
        Message.objects.filter(status=M.QUEUED, queued_at__lt=now - timedelta(seconds=seconds))
        .order_by("queued_at")
        .values_list("pk", flat=True)[:limit]
    )
    sent = [pk for pk in ids if send(send_message, message_id=pk)]
    Message.objects.filter(pk__in=sent).update(queued_at=now)
    return len(sent)


def message_poll_delivery(*, limit: int = 200) -> int:
    """Ask each provider what became of the messages it accepted; delivered or failed ones move on."""
    changed = 0
    rows = list(
        Message.objects.filter(status=M.SENT).exclude(provider__in=["", "outbox", "email"]).order_by("sent_at")[:limit]
    )
    by_provider: dict[str, list[Message]] = {}
    for m in rows:
        by_provider.setdefault(m.channel if m.channel == Channel.EMAIL else "sms", []).append(m)
    for channel, messages in by_provider.items():
        provider = provider_for(channel)
        try:
            statuses = provider.statuses([m.provider_message_id for m in messages])
        except ProviderUnavailable as e:
            logger.warning("delivery reports unavailable: %s", e)
            continue
        now = clock.now()
        for m in messages:
            status = statuses.get(m.provider_message_id)
            if status == "delivered":
                changed += Message.objects.filter(pk=m.pk, status=M.SENT).update(status=M.DELIVERED, delivered_at=now)
            elif status == "failed":
                changed += Message.objects.filter(pk=m.pk, status=M.SENT).update(
                    status=M.FAILED, last_error="not delivered (provider's report)"
                )
    return changed
