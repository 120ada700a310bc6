"""``Facts`` from a case: its dates, its applicant, and the answered registry queries that serve the case.

A registry is asked once per application (``RegistryQuery.objects.for_case``: the application's queries, and the
case's own from before they were shared); the latest query of each registry counts. Each fact records its source:
the registry, our query id, the evidence page filed from the answer (when the answer came while the package was being
assembled) or the case field.
A registry not asked, still pending, failed or overdue makes its facts unknown, with the reason named.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db.models import JSONField, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case, Page
from eligibility.rules.base import Birth, Fact, Facts, IncomeRow, Source, lazy_text
from registries.catalog import REGISTRIES
from registries.models import RegistryQuery

Q_ = RegistryQuery.Status


def filing_date(case: Case) -> date:
    """The date the application was filed: first submission, or (a draft) the day it was opened."""
    return timezone.localdate(case.first_submitted_at or case.created_at)


# The first page of the evidence filed from an answer (documents in their order, then pages), in the same query.
_first_page = Subquery(
    Page.objects.filter(document__registry_queries=OuterRef("pk"))
    .order_by("document__case", "document__position", "document__pk", "position", "pk")
    .values("pk")[:1]
)


def _latest_queries(case: Case) -> dict[str, RegistryQuery]:
    return _latest_queries_for([case])[case.pk]


def _latest_queries_for(cases: list[Case]) -> dict[int, dict[str, RegistryQuery]]:
    """For each case, the latest query of each registry that serves it — one query for all the cases (their own
    queries and their applications'), each row with its first evidence page."""
    latest: dict[int, dict[str, RegistryQuery]] = {c.pk: {} for c in cases}
    if not cases:
        return latest
    by_application: dict[int, list[int]] = {}
    for c in cases:
        if c.application_id is not None:
            by_application.setdefault(c.application_id, []).append(c.pk)
    served = Q(case_id__in=[c.pk for c in cases])
    if by_application:
        served |= Q(application_id__in=list(by_application))
    rows = (
        RegistryQuery.objects.filter(served)
        .select_related("registry")
        .annotate(first_page_id=_first_page)
        .order_by("asked_at", "pk")
    )
    for q in rows:
        targets = set(by_application.get(q.application_id, ())) if q.application_id is not None else set()
        if q.case_id in latest:
            targets.add(q.case_id)
        for pk in targets:
            latest[pk][q.registry.code] = q
    return latest


# The registries' short names from the catalogue, for a registry never asked (no query row to read it from).
SHORT_NAMES = {spec["code"]: spec["short_name"] for spec in REGISTRIES}


def _why(registry: str, query: RegistryQuery | None):
    """Why a registry's facts are missing: a text rendered in the language it is read in (``lazy_text``)."""
    if query is None:
        return lazy_text(_("%(registry)s was not asked"), registry=SHORT_NAMES.get(registry, registry))
    if query.status in RegistryQuery.PENDING:
        return lazy_text(_("%(registry)s has not answered yet"), registry=query.registry.short_name)
    if query.status == Q_.OVERDUE:
        return lazy_text(_("%(registry)s did not answer in time"), registry=query.registry.short_name)
    return lazy_text(
        _("%(registry)s failed to answer (%(code)s)"),
        registry=query.registry.short_name,
        code=query.error_code or query.status,
    )


def _source(query: RegistryQuery, field: str) -> Source:
    return Source(
        kind="registry",
        registry=query.registry.code,
        query_id=str(query.query_id),
        page_id=query.first_page_id,
        field=field,
    )


def _answered(latest, code: str, name: str, field: str, read, *, not_found=None) -> Fact:
    """A fact read from registry ``code``'s answer by ``read(answer)``; unknown unless answered (or not found)."""
    query = latest.get(code)
    if query is not None and query.status == Q_.ANSWERED:
        return Fact(name, read(query.answer or {}), _source(query, field))
    if query is not None and query.status == Q_.NOT_FOUND:
        return Fact(name, not_found, _source(query, field), missing="" if not_found is not None else _why(code, query))
    source = Source(kind="registry", registry=code, query_id=str(query.query_id) if query else "", field=field)
    return Fact(name, None, source, missing=_why(code, query))


def _births(answer: dict) -> list[Birth]:
    births = []
    for b in answer.get("births") or []:
        name = " ".join(p for p in (b.get("last_name"), b.get("first_name"), b.get("patronymic")) if p)
        births.append(Birth(birth_date=date.fromisoformat(b["birth_date"]), birth_act=b["birth_act"], child_name=name))
    return births


def _incomes(code: str):
    def read(answer: dict) -> list[IncomeRow]:
        rows = []
        for r in answer.get("income") or []:
            try:
                amount = Decimal(r["amount"])
            except (InvalidOperation, KeyError, TypeError):
                continue
            rows.append(IncomeRow(month=r.get("month", ""), amount=amount, source=r.get("source", ""), registry=code))
        return rows

    return read


def _prior_grants(case: Case) -> Fact:
    return _prior_grants_for([case])[case.pk]


def _prior_grants_for(cases: list[Case]) -> dict[int, Fact]:
    """For each case, the birth acts of its applicant's other granted cases of the same service, from their latest
    evaluations — one query for all the cases. A granted case whose child is not on record makes the fact unknown
    (a person checks it)."""
    from eligibility.models import Evaluation

    source = Source(kind="case", field="cases.Case.decision")
    if not cases:
        return {}
    latest_facts = (
        Evaluation.objects.filter(case=OuterRef("pk")).exclude(facts=[]).order_by("-at", "-pk").values("facts")[:1]
    )
    granted = (
        Case.objects.filter(
            applicant_id__in={c.applicant_id for c in cases},
            service_type_id__in={c.service_type_id for c in cases},
            decision=Case.Decision.GRANTED,
        )
        .annotate(evaluated=Subquery(latest_facts, output_field=JSONField()))
        .order_by("pk")
        .values_list("pk", "applicant_id", "service_type_id", "evaluated")
    )
    earlier: dict[tuple[int, int], list[tuple[int, list]]] = {}
    for pk, applicant_id, service_type_id, facts in granted:
        earlier.setdefault((applicant_id, service_type_id), []).append((pk, facts))
    out = {}
    for case in cases:
        acts: list[str] = []
        fact = None
        for pk, facts in earlier.get((case.applicant_id, case.service_type_id), ()):
            if pk == case.pk:
                continue
            act = next((f.get("value", {}).get("birth_act") for f in facts or [] if f.get("name") == "child"), None)
            if not act:
                fact = Fact("prior_grants", None, source, missing=_("an earlier grant whose child is not on record"))
                break
            acts.append(act)
        out[case.pk] = fact or Fact("prior_grants", acts, source)
    return out


def facts_for(case: Case) -> Facts:
    """The facts of one case: the batch of one."""
    facts = facts_for_cases([case])[case.pk]
    if isinstance(facts, Exception):
        raise facts
    return facts


def facts_for_cases(cases: list[Case]) -> dict[int, Facts | Exception]:
    """The facts of many cases (each with its service and applicant loaded) in two queries whatever their number:
    the registry answers that serve them, and the earlier grants of their applicants. A case whose facts cannot be
    built (an answer of the wrong shape) gets the exception instead, so the others go on."""
    latest = _latest_queries_for(cases)
    childbirth = [c for c in cases if c.service_type.code == "childbirth"]
    prior = _prior_grants_for(childbirth)
    out: dict[int, Facts | Exception] = {}
    for case in cases:
        try:
            out[case.pk] = _facts(case, latest[case.pk], prior.get(case.pk))
        except Exception as e:  # one case's bad data must not spoil the batch
            out[case.pk] = e
    return out


def _facts(case: Case, latest: dict[str, RegistryQuery], prior: Fact | None) -> Facts:
    applicant = case.applicant
    filed = filing_date(case)
    date_field = "cases.Case.first_submitted_at" if case.first_submitted_at else "cases.Case.created_at"
    births = _answered(latest, "dracs", "births", "births", _births, not_found=[])
    asked_about_applicant = [q for q in latest.values() if q.status == Q_.ANSWERED]
    if asked_about_applicant:
        subject = Fact(
            "subject_is_applicant",
            all(q.applicant_id == applicant.pk for q in asked_about_applicant),
            _source(latest["dracs"], "subject.rnokpp") if "dracs" in latest else _source(asked_about_applicant[0], ""),
        )
    else:
        subject = Fact("subject_is_applicant", None, Source(kind="registry"), missing=_("no registry has answered"))
    incomes = _answered(latest, "drfo", "incomes", "income", _incomes("drfo"), not_found=[])
    if incomes.known and latest.get("pfu") is not None:
        pfu = _answered(latest, "pfu", "incomes", "income", _incomes("pfu"), not_found=[])
        incomes = pfu if not pfu.known else Fact("incomes", incomes.value + pfu.value, incomes.source)
    eddr = latest.get("eddr")
    if eddr is not None and eddr.status == Q_.ANSWERED:
        children = births.value if births.known and "dracs" in latest else []
        under_18 = [b for b in children if (filed - b.birth_date).days < 18 * 365.25]
        members = Fact("family_members", 1 + len(under_18), _source(eddr, "rnokpp + dracs.births"))
    else:
        members = _answered(latest, "eddr", "family_members", "rnokpp", lambda a: 1)
    return Facts(
        service=case.service_type.code,
        filing_date=Fact("filing_date", filed, Source(kind="case", field=date_field)),
        applicant_birth_date=Fact(
            "applicant_birth_date", applicant.birth_date, Source(kind="clerk", field="cases.Applicant.birth_date")
        ),
        subject_is_applicant=subject,
        births=births,
        prior_grants=prior if prior is not None else Fact("prior_grants", [], Source(kind="case")),
        incomes=incomes,
        family_members=members,
        disability=_answered(latest, "disability", "disability", "group", lambda a: a or None, not_found={}),
        idp=_answered(latest, "idp", "idp", "since", lambda a: a or None, not_found={}),
    )


def fact_rows(facts: Facts, verdict_child=None) -> list[dict]:
    """The facts as stored on an evaluation: name, value (JSON), source, and why it is missing."""
    rows = []
    for f in facts.all():
        rows.append({"name": f.name, "value": _json(f.value), "source": f.source.as_dict(), "missing": str(f.missing)})
    if verdict_child is not None:
        rows.append(
            {
                "name": "child",
                "value": _json(verdict_child),
                "source": facts.births.source.as_dict(),
                "missing": "",
            }
        )
    return rows


def _json(value):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if hasattr(value, "__dataclass_fields__"):
        return {k: _json(getattr(value, k)) for k in value.__dataclass_fields__}
    return value
