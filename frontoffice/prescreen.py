"""The pre-screener at the desk (issue 13): the services a household probably qualifies for, each with the reason in
plain words and how much of its checklist is already here.

A suggestion is only a hint for the clerk; it decides nothing. Its reasons come from the state registries' answers
already in (``registries.models.RegistryQuery``: ДРАЦС births, ДРФО/ПФУ income, ЦБІ disability, ВПО status) through
``RULES``: small functions of the person's ``Facts``. **The seam for the eligibility rules**: when the
``eligibility`` app's rules exist, add a function to ``RULES`` that asks them (``rule(facts) -> [Hint]``); nothing
else changes. Services the person already has an open case for are never offered.

Two indexed queries per applicant (their answered registry queries, their open cases), and two for their open
application and its evidence when a service is suggested, whatever the size of the register; the catalogue (what
the registries stand in for, the services and their checklists) is read once per process (``catalogue``).
"""

import datetime
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from cases import clock
from cases.models import Applicant, Application, Case, ChecklistItem, Document, ServiceType

# Below this average monthly income per month (UAH) low income is probably worth asking for: the subsistence minimum
# for an able-bodied person in 2026 (Law on the State Budget of Ukraine for 2026) — a hint only, the back office
# decides on the family's full declaration.
LOW_INCOME_MONTHLY = Decimal("3328")
# A birth recorded this many days ago or less is "recent": the birth assistance is asked for within 12 months.
RECENT_BIRTH_DAYS = 365


@dataclass
class Facts:
    """What the registries said about one person, newest answer of each registry."""

    applicant: Applicant
    answers: dict[str, dict] = field(default_factory=dict)  # registry code → normalised answer
    answered_types: set[int] = field(default_factory=set)  # document types an answered registry stands in for


@dataclass(frozen=True)
class Hint:
    service: str  # service code
    reason: str


@dataclass
class Suggestion:
    service: ServiceType
    reason: str
    satisfied: int
    required: int


def _recent_births(facts: Facts) -> list[dict]:
    births = (facts.answers.get("dracs") or {}).get("births") or []
    today = clock.today()
    recent = []
    for birth in births:
        try:
            born = datetime.date.fromisoformat(str(birth.get("birth_date", "")))
        except ValueError:
            continue
        if 0 <= (today - born).days <= RECENT_BIRTH_DAYS:
            recent.append({**birth, "born": born})
    return recent


def births_rule(facts: Facts) -> Iterable[Hint]:
    for birth in _recent_births(facts)[:1]:
        yield Hint(
            "childbirth",
            _("ДРАЦС records a child born on %(date)s: the birth assistance is asked for within a year.")
            % {"date": birth["born"].strftime("%d.%m.%Y")},
        )


def _monthly_income(facts: Facts) -> Decimal | None:
    months: dict[str, Decimal] = {}
    seen = False
    for code in ("drfo", "pfu"):
        answer = facts.answers.get(code)
        if answer is None:
            continue
        seen = True
        for line in answer.get("income") or []:
            try:
                amount = Decimal(str(line.get("amount", "0")))
            except InvalidOperation:
                continue
            months[str(line.get("month", ""))] = months.get(str(line.get("month", "")), Decimal(0)) + amount
    if not seen:
        return None
    return (sum(months.values(), Decimal(0)) / len(months)) if months else Decimal(0)


def income_rule(facts: Facts) -> Iterable[Hint]:
    income = _monthly_income(facts)
    if income is None or income >= LOW_INCOME_MONTHLY:
        return
    reason = _("ДРФО/ПФУ show an average income of %(amount)s UAH a month, below the subsistence minimum.") % {
        "amount": f"{income:.0f}"
    }
    yield Hint("low_income", reason)
    yield Hint("housing_subsidy", reason)


def disability_rule(facts: Facts) -> Iterable[Hint]:
    answer = facts.answers.get("disability")
    if answer and answer.get("group"):
        yield Hint(
            "disability",
            _("ЦБІ records disability group %(group)s since %(since)s.")
            % {"group": answer["group"], "since": answer.get("since") or "—"},
        )


def idp_rule(facts: Facts) -> Iterable[Hint]:
    answer = facts.answers.get("idp")
    if answer and answer.get("since"):
        yield Hint(
            "idp_living",
            _("Registered as a displaced person since %(since)s: the living allowance may be asked for.")
            % {"since": answer["since"]},
        )


# The rules asked in order; the first reason for a service is the one shown. Add the eligibility rules here.
RULES: list[Callable[[Facts], Iterable[Hint]]] = [births_rule, income_rule, disability_rule, idp_rule]


# The catalogue the pre-screener reads on every call (what each registry stands in for, each service and its
# required checklist items) changes only in the admin: it is read once per process and kept this many seconds.
CATALOGUE_SECONDS = 60
_catalogue: dict = {"at": None}


@dataclass
class _Catalogue:
    registry_codes: dict[int, str]  # registry id → code
    stands_for: dict[int, set[int]]  # registry id → document type ids
    services: dict[str, ServiceType]  # active services by code
    required: dict[int, list[set[int]]]  # service id → one set of document type ids per required item


def catalogue_forget(**kwargs) -> None:
    """Read the catalogue afresh on the next call (this process saved a service, a checklist item or a registry;
    other processes see the change within ``CATALOGUE_SECONDS``)."""
    _catalogue.update(value=None, at=None)


def connect_catalogue_signals() -> None:
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from registries.models import Registry

    for model in (ServiceType, ChecklistItem, Registry):
        post_save.connect(catalogue_forget, sender=model, dispatch_uid=f"prescreen.forget.save.{model.__name__}")
        post_delete.connect(catalogue_forget, sender=model, dispatch_uid=f"prescreen.forget.delete.{model.__name__}")
    for through in (Registry.stands_for.through, ChecklistItem.document_types.through):
        m2m_changed.connect(catalogue_forget, sender=through, dispatch_uid=f"prescreen.forget.m2m.{through.__name__}")


def catalogue() -> _Catalogue:
    from registries.models import Registry

    now = time.monotonic()
    cached = _catalogue.get("value")
    if cached is not None and now - _catalogue["at"] < CATALOGUE_SECONDS:
        return cached
    stands_for: dict[int, set[int]] = {}
    for registry_id, type_id in Registry.stands_for.through.objects.values_list("registry_id", "documenttype_id"):
        stands_for.setdefault(registry_id, set()).add(type_id)
    required: dict[int, list[set[int]]] = {}
    for item in ChecklistItem.objects.filter(required=True).prefetch_related("document_types").order_by("pk"):
        required.setdefault(item.service_type_id, []).append({t.pk for t in item.document_types.all()})
    value = _Catalogue(
        registry_codes=dict(Registry.objects.values_list("pk", "code")),
        stands_for=stands_for,
        services={s.code: s for s in ServiceType.objects.filter(active=True)},
        required=required,
    )
    _catalogue.update(value=value, at=now)
    return value


def facts_for(applicant: Applicant) -> Facts:
    """The newest answer of each registry about the person (one query; the catalogue is kept per process)."""
    from registries.models import RegistryQuery

    facts = Facts(applicant=applicant)
    known = catalogue()
    answered = (
        RegistryQuery.objects.filter(applicant=applicant, status=RegistryQuery.Status.ANSWERED)
        .order_by("-answered_at", "-pk")
        .values_list("registry_id", "answer")
    )
    for registry_id, answer in answered[:50]:
        code = known.registry_codes.get(registry_id)
        if code is None:
            continue
        facts.answers.setdefault(code, answer or {})
        facts.answered_types |= known.stands_for.get(registry_id, set())
    return facts


def waiting_on_registries(applicant: Applicant) -> bool:
    """A question the pre-screener reads is still pending for the person (its answer may add a suggestion)."""
    from registries.models import RegistryQuery
    from registries.services import PRESCREEN_REGISTRIES

    return RegistryQuery.objects.filter(
        applicant=applicant, status__in=RegistryQuery.PENDING, registry__code__in=PRESCREEN_REGISTRIES
    ).exists()


def open_application(applicant: Applicant) -> Application | None:
    """The person's application still being assembled (with a draft case), newest first."""
    return (
        Application.objects.filter(applicant=applicant, cases__status=Case.Status.DRAFT)
        .order_by("-created_at", "-pk")
        .first()
    )


def suggestions_for(applicant: Applicant, *, application: Application | None = None) -> list[Suggestion]:
    """The services the person probably qualifies for and has no open case of, with how many of each one's
    required checklist items are already satisfied by the documents of ``application`` (default: their open one)
    or by the registries' answers."""
    facts = facts_for(applicant)
    hints: dict[str, str] = {}
    for rule in RULES:
        for hint in rule(facts):
            hints.setdefault(hint.service, hint.reason)
    if not hints:
        return []
    open_codes = set(
        Case.objects.filter(applicant=applicant, status__in=Case.OPEN_STATUSES).values_list(
            "service_type__code", flat=True
        )
    )
    known = catalogue()
    codes = [code for code in hints if code not in open_codes and code in known.services]
    if not codes:
        return []
    if application is None:
        application = open_application(applicant)
    here = set(facts.answered_types)
    if application is not None:
        here |= set(
            Document.objects.filter(case__application=application, document_type__isnull=False)
            .values_list("document_type_id", flat=True)
            .distinct()
        )
    result = []
    for code in codes:
        service = known.services[code]
        own = known.required.get(service.pk, [])
        satisfied = sum(bool(types & here) for types in own)
        result.append(Suggestion(service=service, reason=hints[code], satisfied=satisfied, required=len(own)))
    return result
