"""Proactive support's writes (docs/proactive.md): reading the registries' event feed, finding what a person probably
qualifies for, offering it (consent first), and turning an accepted offer into a pre-filled application.

**The feed** is read by ``feed_poll`` (beat every ``PROACTIVE_FEED_SECONDS``; in the embedded default also when the
stand-in takes an event). Each page of events is stored, turned into offers and the cursor moved past it in *one*
transaction: a worker killed half-way commits nothing and the next run reads the same page again; an event id seen
before is the same event (``RegistryEvent.feed_id`` is unique), so nothing is offered twice. A malformed event, an
event about a person we do not know, an event behind the cursor: stored with the reason and skipped. The feed down:
the cursor stays, the failure is recorded on it, the next run retries. Nothing raises out of ``feed_poll``.

**Offers** (``proactive.machine.OFFERS``): detected with the rule version and its explanation (the eligibility rules
where the service has them), then offered — by message with a link when the person agreed to proactive informing,
otherwise on the front office's work list of the community of residence. Never for a service the person already has
an open or granted case of, or an open offer of.

**Accepting** makes the application and its case (channel *proactive*): the registries are asked at once, the
pre-filled application with the consent is filed as its page, and once the registries' extracts complete the package
the product submits it (``case_submit_by_product``) — the robot then decides where the service is automatic.
"""

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases import clock, deadlines, lifecycle
from cases.access import access_for
from cases.exceptions import DomainError, InvalidInput, LinkInvalid
from cases.lifecycle import CASES, Action
from cases.models import Applicant, Case, Community, FrontOffice, ServiceType
from cases.queue import enqueue_on_commit
from cases.services import application_of_one, case_number_next
from cases.services import system_user as kernel_system_user
from cases.statemachine import Change
from eligibility import rules
from eligibility.engine import evaluate_facts, params_for
from eligibility.rules.base import Birth, Fact, Facts, RuleError, Source, sentence
from notifications.models import Contact
from notifications.services import message_queue
from proactive import documents
from proactive.machine import OFFERS, OfferAction
from proactive.models import FeedCursor, ProactiveConsent, ProactiveOffer, RegistryEvent
from registries import events as feed
from registries.client import GatewayError
from registries.services import registry_queries_for_new_case

logger = logging.getLogger(__name__)
E = RegistryEvent
OS = ProactiveOffer.Status
S = Case.Status
CURSOR = "registry-events"
SYSTEM_USERNAME = "proactive"
RNOKPP = re.compile(r"^\d{10}$")
IBAN = re.compile(r"^UA\d{27}$")

# The measures an event points at. The first service of each list whose rules exist is evaluated by them.
EVENT_SERVICES = {
    E.Type.BIRTH: ("childbirth",),
    E.Type.DISABILITY: ("disability",),
    E.Type.PENSION: ("housing_subsidy",),
    E.Type.RESIDENCE: ("housing_subsidy",),
}


def system_user():
    """The user the product acts as when the person accepts online (it files the application form; it cannot sign
    in and holds no membership, so it never counts as front-office work)."""
    return kernel_system_user(SYSTEM_USERNAME, "Проактивна підтримка")


# --- the feed ---------------------------------------------------------------------------------------------------


@dataclass
class PollResult:
    stored: int = 0
    skipped: int = 0
    duplicates: int = 0
    offers: int = 0
    error: str = ""

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def feed_poll(*, limit: int = 100, max_pages: int = 50) -> PollResult:
    """Read the feed from the cursor until it is drained (or ``max_pages``). Never raises."""
    result = PollResult()
    for _page in range(max_pages):
        cursor, _created = FeedCursor.objects.get_or_create(name=CURSOR)
        start = cursor.position
        try:
            page = feed.feed_read(after=start, limit=limit)
        except GatewayError as e:
            FeedCursor.objects.filter(pk=cursor.pk).update(
                last_error=f"{e.code}: {e.detail}"[:300], failures=cursor.failures + 1, updated_at=clock.now()
            )
            logger.warning("registry event feed not read: %s", e.code)
            result.error = e.code
            return result
        try:
            more = _store_page(page, start=start, result=result)
        except Exception:  # a bug must not stop the beat job; the page is read again next time
            logger.exception("registry event page after %s not stored", start)
            result.error = "internal"
            return result
        if not more:
            break
    return result


def _store_page(page: feed.FeedPage, *, start: int, result: PollResult) -> bool:
    with transaction.atomic():
        cursor = FeedCursor.objects.select_for_update().get(name=CURSOR)
        if cursor.position != start:
            return True  # another reader moved it meanwhile: read again from where it is now
        position = cursor.position
        for raw in page.events:
            seq = raw["seq"]
            outcome = _store_event(raw, behind=seq <= position, query_id=page.query_id)
            if outcome is None:
                result.duplicates += 1
            elif outcome.status == E.Status.SKIPPED:
                result.skipped += 1
                result.stored += 1
            else:
                result.stored += 1
                result.offers += outcome.offers.count()
            position = max(position, seq)
        cursor.position = max(position, page.next)
        cursor.last_error, cursor.failures, cursor.updated_at = "", 0, clock.now()
        cursor.save(update_fields=["position", "last_error", "failures", "updated_at"])
    return page.more and bool(page.events)


def _skip(event: RegistryEvent, reason: str, note: str = "") -> RegistryEvent:
    event.status, event.reason, event.note = E.Status.SKIPPED, reason, note[:300]
    event.save()
    return event


def _date(value) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _store_event(raw: dict, *, behind: bool, query_id: str) -> RegistryEvent | None:
    """Store one event of the feed (part of the page's transaction); None when its id was stored before."""
    feed_id = str(raw.get("id") or f"seq-{raw['seq']}")[:100]
    if RegistryEvent.objects.filter(feed_id=feed_id).exists():
        return None
    kind = raw.get("type")
    rnokpp = str(raw.get("rnokpp") or "")
    event = RegistryEvent(
        feed_id=feed_id,
        seq=raw["seq"],
        type=kind if kind in E.Type.values and kind != E.Type.UNKNOWN else E.Type.UNKNOWN,
        rnokpp=rnokpp[:10] if RNOKPP.match(rnokpp) else "",
        occurred_on=_date(raw.get("occurred_on")),
        data={k: v for k, v in raw.items() if k in ("child", "address", "disability", "since")},
        status=E.Status.PROCESSED,
        query_id=query_id,
    )
    problem = _malformed(raw)
    if problem:
        return _skip(event, "garbage", problem)
    if behind:
        # Published behind a position already read: the feed's order was broken. Kept for a person to look at; an
        # offer from it could contradict what the later events said.
        return _skip(event, "out_of_order", f"seq {raw['seq']} arrived after the cursor had passed it")
    applicant = Applicant.objects.filter(rnokpp=event.rnokpp).select_related("registered_at").first()
    if applicant is None:
        return _skip(event, "unknown_person", "no applicant with this RNOKPP")
    event.applicant = applicant
    event.save()
    offers = offers_detect(applicant=applicant, event=event)
    if not offers:
        event.reason = "nothing_to_offer"
        event.save(update_fields=["reason"])
    return event


def _malformed(raw: dict) -> str:
    if raw.get("type") not in EVENT_SERVICES:
        return "unknown event type"
    if not RNOKPP.match(str(raw.get("rnokpp") or "")):
        return "rnokpp is not 10 digits"
    if raw["type"] == E.Type.BIRTH:
        child = raw.get("child")
        if not isinstance(child, dict) or not _date(child.get("birth_date")) or not child.get("birth_act"):
            return "a birth without the child's birth date and act"
    if raw["type"] == E.Type.DISABILITY:
        disability = raw.get("disability")
        if not isinstance(disability, dict) or disability.get("group") not in ("I", "II", "III"):
            return "a disability without its group"
    return ""


# --- detection ----------------------------------------------------------------------------------------------------


@dataclass
class Finding:
    service: ServiceType
    reason: str
    rules_version: str = ""
    explanation: list | None = None


def _already_has(applicant_id: int, service_ids: list[int]) -> set[int]:
    """Services the person has an open or granted case of, or an open offer of: never offered again."""
    cases = Case.objects.filter(applicant_id=applicant_id, service_type_id__in=service_ids)
    busy = set(cases.filter(status__in=Case.OPEN_STATUSES).values_list("service_type_id", flat=True))
    busy |= set(cases.filter(decision=Case.Decision.GRANTED).values_list("service_type_id", flat=True))
    busy |= set(
        ProactiveOffer.objects.filter(
            applicant_id=applicant_id, service_type_id__in=service_ids, status__in=ProactiveOffer.OPEN
        ).values_list("service_type_id", flat=True)
    )
    return busy


def _facts(service: str, applicant: Applicant, event: RegistryEvent) -> Facts:
    today = clock.today()
    registry = Source(kind="registry", registry="dracs", query_id=event.query_id, field=f"event:{event.feed_id}")
    births = []
    child = event.data.get("child") or {}
    if child:
        name = " ".join(p for p in (child.get("last_name"), child.get("first_name"), child.get("patronymic")) if p)
        births = [
            Birth(birth_date=date.fromisoformat(child["birth_date"]), birth_act=child["birth_act"], child_name=name)
        ]
    unknown = Source(kind="registry")
    return Facts(
        service=service,
        filing_date=Fact("filing_date", today, Source(kind="case", field="proactive.offer.detected_at")),
        applicant_birth_date=Fact("applicant_birth_date", applicant.birth_date, Source(kind="clerk")),
        subject_is_applicant=Fact("subject_is_applicant", True, registry),
        births=Fact("births", births, registry),
        # Nothing granted for this service (a granted case is never offered again): no earlier child on record.
        prior_grants=Fact("prior_grants", [], Source(kind="case", field="cases.Case.decision")),
        incomes=Fact("incomes", None, unknown, missing=_("asked once the offer is accepted")),
        family_members=Fact("family_members", None, unknown, missing=_("asked once the offer is accepted")),
        disability=Fact("disability", event.data.get("disability"), unknown),
        idp=Fact("idp", None, unknown, missing=_("asked once the offer is accepted")),
    )


def _hint(event: RegistryEvent) -> str:
    data = event.data
    if event.type == E.Type.BIRTH:
        return _("ДРАЦС registered the birth of a child on %(date)s") % {
            "date": _date(data["child"]["birth_date"]).strftime("%d.%m.%Y")
        }
    if event.type == E.Type.DISABILITY:
        return _("ЦБІ established disability group %(group)s") % {"group": data["disability"]["group"]}
    if event.type == E.Type.PENSION:
        return _("ПФУ started a pension; a household on a pension may be entitled to a housing subsidy")
    return _("A new registration of residence; a household may be entitled to a housing subsidy")


def findings_for(applicant: Applicant, event: RegistryEvent) -> list[Finding]:
    """What the event says the person probably qualifies for: the eligibility rules where the service has them (a
    rule that fails is not offered; one that passes or lacks facts the registries will give is), a hint otherwise."""
    codes = EVENT_SERVICES.get(event.type, ())
    services = {s.code: s for s in ServiceType.objects.filter(code__in=codes, active=True)}
    busy = _already_has(applicant.pk, [s.pk for s in services.values()])
    out = []
    for code in codes:
        service = services.get(code)
        if service is None or service.pk in busy:
            continue
        reason = _hint(event)
        if code not in rules.SERVICES:
            text = sentence(_("%(hint)s."), hint=reason)
            out.append(Finding(service, reason, "", [{"code": event.type, "result": "pass", "text": text}]))
            continue
        result = evaluate_facts(_facts(code, applicant, event))
        if result.outcome in ("fail", "error"):
            continue
        out.append(Finding(service, reason, result.rules_version, result.conditions))
    return out


def offers_detect(*, applicant: Applicant, event: RegistryEvent | None, findings: list[Finding] | None = None):
    """Make and offer what ``findings`` (default: the event's) name. Part of the caller's transaction."""
    findings = findings if findings is not None else findings_for(applicant, event)
    community_id = _community_of(applicant, event)
    made = []
    for finding in findings:
        try:
            with transaction.atomic():
                offer = ProactiveOffer.objects.create(
                    applicant=applicant,
                    service_type=finding.service,
                    community_id=community_id,
                    event=event,
                    source="event" if event is not None else "sweep",
                    rules_version=finding.rules_version,
                    explanation=finding.explanation or [],
                    reason=finding.reason[:300],
                    expires_on=clock.today() + timedelta(days=settings.PROACTIVE_OFFER_DAYS),
                )
        except IntegrityError:
            continue  # an open offer of this service already exists (a race with another reader)
        OFFERS.record(offer, OfferAction.DETECT, by=None, data={"event": event.feed_id if event else None})
        offer_deliver(offer=offer)
        made.append(offer)
    return made


def _community_of(applicant: Applicant, event: RegistryEvent | None) -> int:
    if event is not None and event.type == E.Type.RESIDENCE:
        katottg = (event.data.get("address") or {}).get("community_katottg")
        community = Community.objects.filter(katottg=katottg).values_list("pk", flat=True).first()
        if community:
            return community
    return applicant.registered_at.community_id


def consented(applicant_id: int) -> Contact | None:
    """The contact to tell the person on, if they agreed to proactive informing and can be reached."""
    if not ProactiveConsent.objects.filter(applicant_id=applicant_id, withdrawn_at__isnull=True).exists():
        return None
    contact = Contact.objects.filter(applicant_id=applicant_id).first()
    if contact is None or not contact.reachable or not (contact.phone or contact.email):
        return None
    return contact


def offer_link(token: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("proactive:public-offer", kwargs={"token": token})


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def offer_deliver(*, offer: ProactiveOffer) -> ProactiveOffer:
    """Consent first: a message with a link to the person who agreed to be told, the work list for everyone else."""
    contact = consented(offer.applicant_id)

    def change(a) -> Change:
        a.obj.offered_at = clock.now()
        if contact is None:
            a.obj.offered_via = ProactiveOffer.Via.WORK_LIST
            return Change(fields=("offered_at", "offered_via"), data={"via": "work_list"})
        token = secrets.token_urlsafe(24)
        a.obj.offered_via, a.obj.token_hash = ProactiveOffer.Via.MESSAGE, token_hash(token)
        with translation.override(contact.language):
            context = {
                "service": offer.service_type.name,
                "reason": offer.reason,
                "until": offer.expires_on.strftime("%d.%m.%Y"),
                "link": offer_link(token),
            }
        message = message_queue(
            case=None,
            recipient=contact.email if contact.channel == "email" else contact.phone,
            channel=contact.channel,
            template="proactive_offer",
            language=contact.language,
            context=context,
        )
        return Change(
            fields=("offered_at", "offered_via", "token_hash"), data={"via": "message", "message": message.pk}
        )

    return OFFERS.execute(offer, OfferAction.OFFER, by=None, change=change).obj


def consent_give(*, applicant: Applicant, by) -> ProactiveConsent:
    consent, _created = ProactiveConsent.objects.update_or_create(
        applicant=applicant, defaults={"given_at": clock.now(), "given_by": by, "withdrawn_at": None}
    )
    return consent


# --- accepting, declining, expiring ---------------------------------------------------------------------------------


def offer_by_token(token: str) -> ProactiveOffer:
    """The offer a message's link names (any state: the page says what became of it), or ``LinkInvalid``."""
    offer = (
        ProactiveOffer.objects.select_related("service_type", "applicant", "application")
        .filter(token_hash=token_hash(token or ""))
        .exclude(token_hash="")
        .first()
    )
    if offer is None:
        raise LinkInvalid()
    return offer


def _front_office_for(offer: ProactiveOffer, by) -> FrontOffice:
    mine = access_for(by).clerk_front_office_ids if by is not None else frozenset()
    offices = FrontOffice.objects.filter(community_id=offer.community_id).order_by("pk")
    office = offices.filter(pk__in=mine).first() or offices.first()
    if office is None:
        raise InvalidInput(_("The community has no front office to take the case."))
    return office


def _clean_consent(consent) -> tuple[str, str, str]:
    if not isinstance(consent, dict):
        raise InvalidInput(_("Say who agreed and how: consent.by and consent.channel."))
    by, channel, note = consent.get("by"), consent.get("channel"), consent.get("note") or ""
    errors = []
    if by not in ProactiveOffer.ConsentBy.values:
        errors.append(_("consent.by must be “applicant” or “representative”."))
    if channel not in ProactiveOffer.ConsentChannel.values:
        errors.append(
            _("consent.channel must be one of: %(values)s.")
            % {"values": ", ".join(ProactiveOffer.ConsentChannel.values)}
        )
    if not isinstance(note, str) or len(note) > 500:
        errors.append(_("consent.note must be text of at most 500 characters."))
    if by == ProactiveOffer.ConsentBy.REPRESENTATIVE and not (note or "").strip():
        errors.append(_("Name the representative and their authority in consent.note."))
    if errors:
        raise InvalidInput(" ".join(errors))
    return by, channel, note.strip()


def iban_clean(iban: str) -> str:
    value = re.sub(r"\s+", "", iban or "").upper()
    if not value:
        return ""
    if not IBAN.match(value):
        raise InvalidInput(_("An IBAN of a Ukrainian account is UA followed by 27 digits."))
    digits = "".join(str(int(ch, 36)) for ch in value[4:] + value[:4])
    if int(digits) % 97 != 1:
        raise InvalidInput(_("The IBAN's check digits do not match: check it for a typo."))
    return value


def offer_accept(*, offer: ProactiveOffer, by, consent: dict, iban: str = "") -> ProactiveOffer:
    """Accept with the person's consent (``by`` a clerk of the community, or None: the person online through the
    link). Makes the application and its case (channel *proactive*) and files the pre-filled application; the
    package goes to the back office once the registries' extracts complete it. Bad input leaves nothing."""
    consent_by, channel, note = _clean_consent(consent)
    iban = iban_clean(iban)
    if by is None and channel != ProactiveOffer.ConsentChannel.ONLINE:
        raise InvalidInput(_("Online acceptance is recorded as online."))
    saved: list[str] = []

    def change(a) -> Change:
        obj = a.obj
        creator = by or system_user()
        office = _front_office_for(obj, by)
        now = clock.now()
        obj.decided_at, obj.accepted_by = now, by
        obj.consent_by, obj.consent_channel, obj.consent_note = consent_by, channel, note
        number = case_number_next(community=office.community, year=now.year)
        application = application_of_one(
            applicant=obj.applicant,
            front_office=office,
            case_number=number,
            service_type=obj.service_type,
            by=creator,
            channel=Case.Channel.PROACTIVE,
        )
        case = Case.objects.create(
            number=number,
            application=application,
            applicant=obj.applicant,
            service_type=obj.service_type,
            front_office=office,
            community=office.community,
            back_office_id=office.community.back_office_id,
            channel=Case.Channel.PROACTIVE,
            created_by=creator,
            created_at=now,
            updated_at=now,
        )
        lifecycle.record(case, Action.OPEN, by=creator, note=_("From a proactive offer"), data={"offer": obj.pk})
        registry_queries_for_new_case(case=case, by=by)
        labels = dict(ProactiveOffer.ConsentBy.choices), dict(ProactiveOffer.ConsentChannel.choices)
        with translation.override("uk"):
            lines = documents.application_lines(
                offer=obj,
                consent_label=str(labels[0][consent_by]),
                channel_label=str(labels[1][channel]),
                note=note,
                by_label=by.get_full_name() or by.username
                if by is not None
                else "онлайн, за посиланням з повідомлення",
            )
        footer = [
            f"Пропозиція № {obj.pk}; правила {obj.rules_version or '—'}",
            "Сформовано програмою за згодою заявника.",
        ]
        image, thumb = documents.render_form(title="ЗАЯВА ПРО ПРИЗНАЧЕННЯ ДОПОМОГИ", lines=lines, footer=footer)
        doc = documents.file_page(
            case=case, type_code="application", image=image, thumbnail=thumb, name="application.jpg", by=creator
        )
        saved.extend(getattr(doc, "_saved", []))
        if iban:
            image, thumb = documents.render_form(
                title="РЕКВІЗИТИ РАХУНКУ ДЛЯ ВИПЛАТИ",
                lines=[f"Отримувач: {obj.applicant.full_name}", f"IBAN: {iban}"],
                footer=["Зазначено заявником під час надання згоди."],
            )
            doc = documents.file_page(
                case=case, type_code="bank", image=image, thumbnail=thumb, name="bank.jpg", by=creator
            )
            saved.extend(getattr(doc, "_saved", []))
        obj.application = application
        enqueue_on_commit(_submit_task(), case_id=case.pk)
        return Change(
            fields=("decided_at", "accepted_by", "consent_by", "consent_channel", "consent_note", "application"),
            note=note,
            data={"consent": {"by": consent_by, "channel": channel}, "application": application.number, "case": number},
        )

    try:
        return OFFERS.execute(offer, OfferAction.ACCEPT, by=by, change=change).obj
    except BaseException:
        for name in saved:
            default_storage.delete(name)
        raise


def _submit_task():
    from proactive.tasks import submit_case

    return submit_case


def offer_decline(*, offer: ProactiveOffer, by, reason: str) -> ProactiveOffer:
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason:
        raise InvalidInput(_("Give the reason the offer is declined."))
    if len(reason) > 500:
        raise InvalidInput(_("The reason is at most 500 characters."))

    def change(a) -> Change:
        a.obj.decline_reason, a.obj.decided_at = reason, clock.now()
        return Change(fields=("decline_reason", "decided_at"), note=reason)

    return OFFERS.execute(offer, OfferAction.DECLINE, by=by, change=change).obj


def offers_expire(*, today: date | None = None) -> int:
    """Open offers past their date expire (beat, daily). Set-based compare-and-set: one accepted meanwhile stays."""
    today = today or clock.today()
    due = ProactiveOffer.objects.filter(status__in=ProactiveOffer.OPEN, expires_on__lt=today).values_list(
        "pk", flat=True
    )
    ids = list(due[:5000])
    if not ids:
        return 0
    note = _("Not accepted by %(date)s.") % {"date": today.strftime("%d.%m.%Y")}
    return len(
        OFFERS.execute_many(ids, OfferAction.EXPIRE, by=None, note=note, skip=True, values={"decided_at": clock.now()})
    )


# --- the package goes on by itself --------------------------------------------------------------------------------


def case_submit_by_product(*, case_id: int) -> Case | None:
    """Pass a proactive draft on once its package is complete (the registries' extracts and the filed application);
    until then nothing happens and the next registry answer asks again. Idempotent."""
    case = Case.objects.select_related("service_type").filter(pk=case_id, channel=Case.Channel.PROACTIVE).first()
    if case is None or case.status != S.DRAFT or not lifecycle.package_complete(case):
        return None

    def change(a) -> Change:
        a.obj.submitted_at = a.obj.first_submitted_at = clock.now()
        a.obj.due_date = deadlines.decision_due(a.obj.service_type, clock.today())
        return Change(
            fields=("submitted_at", "first_submitted_at", "due_date"), note=_("Submitted from a proactive offer")
        )

    try:
        return CASES.execute(case, Action.SUBMIT, by=None, change=change).obj
    except DomainError as e:
        logger.info("proactive case %s not submitted: %s", case_id, e.code)
        return None


def today_local() -> date:
    return timezone.localdate(clock.now())


# --- the nightly sweep over known households ------------------------------------------------------------------------

SWEEP_REGISTRIES = ("dracs", "disability", "idp", "drfo", "pfu")


def low_income_minimum(today: date) -> Decimal | None:
    """The low-income rule's guaranteed minimum in force today (a dated parameter row, as the rule reads it), or
    None when no row is in force — then the sweep offers no low income rather than guess a threshold."""
    try:
        return params_for("low_income").value("guaranteed_minimum", today)
    except RuleError:
        return None


def _sweep_findings(answers: dict[str, dict], today: date, *, minimum: Decimal | None = None) -> dict[str, str]:
    """Service code → reason, from the newest answer of each registry about one person (pure, no queries).
    ``minimum``: the low-income rule's guaranteed minimum in force today (``low_income_minimum``); below it (the
    average monthly income, before the rule divides it by the family's members) low income and a housing subsidy
    are probably worth offering — a hint, the rule decides on the full facts once the person accepts."""
    found: dict[str, str] = {}
    for birth in (answers.get("dracs") or {}).get("births") or []:
        born = _date(birth.get("birth_date"))
        if born and 0 <= (today - born).days < 365:
            found["childbirth"] = _("ДРАЦС registered the birth of a child on %(date)s") % {
                "date": born.strftime("%d.%m.%Y")
            }
            break
    group = (answers.get("disability") or {}).get("group")
    if group:
        found["disability"] = _("ЦБІ established disability group %(group)s") % {"group": group}
    if (answers.get("idp") or {}).get("since"):
        found["idp_living"] = _("Registered as a displaced person since %(since)s") % {"since": answers["idp"]["since"]}
    months: dict[str, float] = {}
    seen = False
    for code in ("drfo", "pfu"):
        if code in answers:
            seen = True
            for row in answers[code].get("income") or []:
                try:
                    months[str(row.get("month"))] = months.get(str(row.get("month")), 0.0) + float(row.get("amount"))
                except (TypeError, ValueError):
                    continue
    if seen and minimum is not None:
        average = sum(months.values()) / len(months) if months else 0.0
        if average < float(minimum):
            reason = _("ДРФО/ПФУ show an average income of %(amount)s UAH a month, below the subsistence minimum") % {
                "amount": f"{average:.0f}"
            }
            found["low_income"] = found["housing_subsidy"] = reason
    return found


def offers_sweep(*, chunk: int = 20000) -> int:
    """Nightly: from the registries' answers already on file (the newest of each registry per person), offer what
    people probably qualify for and have neither applied for, nor received, nor been offered. Set-based: the
    answers are read in chunks of people, the exclusions as two sets, the offers and their history written in bulk;
    people who agreed to proactive informing are told one by one (a message each), everyone else goes onto the work
    list with one UPDATE. Returns the number of offers made."""
    from registries.models import RegistryQuery

    today = clock.today()
    minimum = low_income_minimum(today)
    services = {s.code: s for s in ServiceType.objects.filter(active=True)}
    by_id = {s.pk: s.code for s in services.values()}
    busy = {
        (a, by_id.get(s))
        for a, s in Case.objects.filter(
            Q(status__in=Case.OPEN_STATUSES) | Q(decision=Case.Decision.GRANTED)
        ).values_list("applicant_id", "service_type_id")
    }
    busy |= {
        (a, by_id.get(s))
        for a, s in ProactiveOffer.objects.filter(status__in=ProactiveOffer.OPEN).values_list(
            "applicant_id", "service_type_id"
        )
    }
    community_of = dict(FrontOffice.objects.values_list("pk", "community_id"))
    expires = today + timedelta(days=settings.PROACTIVE_OFFER_DAYS)
    made = 0
    applicant_ids = list(
        RegistryQuery.objects.filter(status=RegistryQuery.Status.ANSWERED)
        .values_list("applicant_id", flat=True)
        .distinct()
        .order_by("applicant_id")
    )
    for start in range(0, len(applicant_ids), chunk):
        ids = applicant_ids[start : start + chunk]
        rows = (
            RegistryQuery.objects.filter(
                applicant_id__in=ids, status=RegistryQuery.Status.ANSWERED, registry__code__in=SWEEP_REGISTRIES
            )
            .order_by("applicant_id", "registry__code", "-answered_at", "-pk")
            .values_list("applicant_id", "registry__code", "answer")
        )
        answers: dict[int, dict[str, dict]] = {}
        for applicant_id, code, answer in rows.iterator(chunk_size=5000):
            answers.setdefault(applicant_id, {}).setdefault(code, answer or {})
        offices = dict(Applicant.objects.filter(pk__in=list(answers)).values_list("pk", "registered_at_id"))
        new = []
        for applicant_id, known in answers.items():
            for code, reason in _sweep_findings(known, today, minimum=minimum).items():
                if code in services and (applicant_id, code) not in busy:
                    busy.add((applicant_id, code))
                    new.append(
                        ProactiveOffer(
                            applicant_id=applicant_id,
                            service_type=services[code],
                            community_id=community_of[offices[applicant_id]],
                            source="sweep",
                            reason=reason[:300],
                            expires_on=expires,
                            explanation=[
                                {
                                    "code": "registry_answer",
                                    "result": "pass",
                                    "text": sentence(_("%(hint)s."), hint=reason),
                                }
                            ],
                        )
                    )
        if not new:
            continue
        with transaction.atomic():
            created = ProactiveOffer.objects.bulk_create(new, batch_size=2000)
            if not all(o.pk for o in created):  # a database that does not return ids (not PostgreSQL/SQLite)
                created = list(
                    ProactiveOffer.objects.filter(source="sweep", status=OS.DETECTED, detected_at__gte=today)
                )
            OFFERS.history.objects.bulk_create(
                [
                    OFFERS.history(
                        offer=o,
                        action=OfferAction.DETECT,
                        from_status=OS.DETECTED,
                        to_status=OS.DETECTED,
                        data={"sweep": True},
                    )
                    for o in created
                ],
                batch_size=2000,
            )
            told = set(
                ProactiveConsent.objects.filter(
                    applicant_id__in={o.applicant_id for o in created}, withdrawn_at__isnull=True
                ).values_list("applicant_id", flat=True)
            )
            listed = [o.pk for o in created if o.applicant_id not in told]
            for i in range(0, len(listed), 5000):
                OFFERS.execute_many(
                    listed[i : i + 5000],
                    OfferAction.OFFER,
                    by=None,
                    skip=True,
                    values={"offered_via": ProactiveOffer.Via.WORK_LIST, "offered_at": clock.now()},
                    data={"via": "work_list"},
                )
            for offer in created:
                if offer.applicant_id in told:
                    offer_deliver(offer=offer)
        made += len(created)
    return made
