"""Run a service's rule over facts: pick the version and parameters in force on the filing date, catch everything.

``evaluate_facts`` never raises: a missing rule or parameter, a rule that raises, a fact of the wrong type — each
becomes an ``error`` result with the reason, which sends the case to people. No ``exec``/``eval``: the rule is the
imported function of its reviewed module.
"""

import logging
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from eligibility import rules
from eligibility.facts import fact_rows
from eligibility.models import Evaluation, Parameter, RulePublication
from eligibility.rules.base import PASS, Facts, Params, ParamValue, RuleError, RuleVersion, Verdict, fact_label

logger = logging.getLogger(__name__)
OUT = Evaluation.Outcome


@dataclass
class Result:
    """What an evaluation found, ready to be stored (``Evaluation``) and shown."""

    service: str
    filing_date: date
    outcome: str
    rules_version: str = ""
    reason: str = ""
    amount: Decimal | None = None
    months: int | None = None
    facts: list = field(default_factory=list)
    parameters: list = field(default_factory=list)
    conditions: list = field(default_factory=list)
    steps: list = field(default_factory=list)
    registry_backed: bool = False

    @property
    def codes(self) -> list[tuple[str, str]]:
        return [(c["code"], c["result"]) for c in self.conditions]


def params_for(service: str, *, proposal: dict | None = None) -> Params:
    """The approved parameter rows of ``service`` (all dates: the rule picks the one in force on the date it asks),
    with a proposal laid over them for a dry run (``{code: [{"value", "valid_from", "valid_to", "reference"}]}``).
    """
    rows: dict[str, list[ParamValue]] = {}
    for p in Parameter.objects.filter(service=service).order_by("code", "-valid_from"):
        rows.setdefault(p.code, []).append(ParamValue(p.code, p.value, p.valid_from, p.valid_to, p.reference, p.pk))
    for code, proposed in (proposal or {}).items():
        extra = [
            ParamValue(
                code,
                Decimal(str(r["value"])),
                date.fromisoformat(r["valid_from"]),
                date.fromisoformat(r["valid_to"]) if r.get("valid_to") else None,
                r.get("reference", ""),
            )
            for r in proposed
        ]
        # A proposed row wins over the rows it overlaps: put it first.
        rows[code] = sorted(extra, key=lambda p: p.valid_from, reverse=True) + rows.get(code, [])
    return Params(rows=rows)


def published_version_for(service: str, on: date, *, published: dict[str, date] | None = None) -> RuleVersion:
    """The version of ``service`` in force on a filing date among the *published* ones: code that is in the tree but
    not published (``RulePublication``) never decides; a dry run may still replay it by name. ``published``: the
    service's published versions with their start dates, already read (``Reference``)."""
    if published is None:
        published = dict(
            RulePublication.objects.filter(service=service, status=RulePublication.Status.PUBLISHED).values_list(
                "version", "valid_from"
            )
        )
    published = {v: since for v, since in published.items() if since <= on}
    candidates = [v for v in rules.versions_of(service) if v.version in published and v.in_force(on)]
    if not candidates:
        raise RuleError("no_rule", f"no published rule version of {service} in force on {on.isoformat()}")
    return max(candidates, key=lambda v: (published[v.version], v.valid_from))


@dataclass
class Reference:
    """What every evaluation of a batch reads alike, read once for the batch: the published rule versions and the
    parameter rows of its services (two queries, whatever the number of cases)."""

    published: dict[str, dict[str, date]]
    rows: dict[str, dict[str, list[ParamValue]]]

    @classmethod
    def read(cls, services) -> "Reference":
        services = sorted(set(services))
        published: dict[str, dict[str, date]] = {s: {} for s in services}
        for service, version, since in RulePublication.objects.filter(
            service__in=services, status=RulePublication.Status.PUBLISHED
        ).values_list("service", "version", "valid_from"):
            published[service][version] = since
        rows: dict[str, dict[str, list[ParamValue]]] = {s: {} for s in services}
        for p in Parameter.objects.filter(service__in=services).order_by("service", "code", "-valid_from"):
            rows[p.service].setdefault(p.code, []).append(
                ParamValue(p.code, p.value, p.valid_from, p.valid_to, p.reference, p.pk)
            )
        return cls(published=published, rows=rows)

    def params(self, service: str) -> Params:
        """A fresh ``Params`` (its own record of the rows used) over the service's rows."""
        return Params(rows=self.rows.get(service, {}))


def evaluate_facts(
    facts: Facts,
    *,
    version: RuleVersion | None = None,
    params: Params | None = None,
    reference: Reference | None = None,
) -> Result:
    filed = facts.filing_date.value
    result = Result(service=facts.service, filing_date=filed, outcome=OUT.ERROR)
    try:
        published = reference.published.get(facts.service, {}) if reference is not None else None
        version = version or published_version_for(facts.service, filed, published=published)
        result.rules_version = version.version
        if params is None:
            params = reference.params(facts.service) if reference is not None else params_for(facts.service)
        verdict: Verdict = version.evaluate(facts, params)
    except RuleError as e:
        result.reason = e.detail
        result.facts = fact_rows(facts)
        return result
    except Exception as e:  # a rule that raises must never crash the robot nor decide anything
        logger.exception("rule %s failed", result.rules_version or facts.service)
        result.reason = (_("The rule could not be evaluated: %(error)s") % {"error": f"{type(e).__name__}: {e}"})[:300]
        result.facts = fact_rows(facts)
        return result
    child = None
    if facts.births.known and facts.births.value:
        child = max(facts.births.value, key=lambda b: b.birth_date)
    result.facts = fact_rows(facts, child if facts.service == "childbirth" else None)
    result.parameters = [p.as_dict() for p in {id(v): v for v in params.used.values()}.values()]
    result.conditions = [c.as_dict() for c in verdict.checks]
    result.steps = [s.as_dict() for s in verdict.steps]
    result.amount, result.months = verdict.amount, verdict.months
    result.outcome = {PASS: OUT.GRANT, "fail": OUT.FAIL, "unknown": OUT.UNKNOWN}[verdict.outcome]
    used = {c.fact for c in verdict.checks if c.fact}
    result.registry_backed = all(f.registry_backed for f in facts.all() if f.name in used)
    if result.outcome == OUT.GRANT and not result.registry_backed:
        result.reason = _("A fact comes from what the clerk typed, not from a registry: a person decides.")
    if result.outcome == OUT.UNKNOWN:
        missing = [c["fact"] for c in result.conditions if c["result"] == "unknown"]
        result.reason = (_("Missing: %(facts)s") % {"facts": ", ".join(_missing_text(facts, m) for m in missing)})[:300]
    if result.outcome == OUT.FAIL:
        result.reason = _("A refusal needs a person.")
    return result


def _missing_text(facts: Facts, name: str) -> str:
    fact = getattr(facts, name, None)
    label = fact_label(name)
    return f"{label} ({fact.missing})" if fact is not None and fact.missing else str(label)
