"""What every rule works with: typed facts with their sources, dated parameters, and the verdict it returns.

A rule is a pure function ``(facts, params) -> Verdict``: no database, no clock, no I/O. Everything it may read is
in ``Facts`` (built by ``eligibility.facts`` from the case, the applicant and the case's registry answers) and in
``Params`` (the parameter rows in force, loaded by ``eligibility.engine``). The same inputs always give the same
verdict, which is what makes golden cases and dry runs possible.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy

PASS, FAIL, UNKNOWN = "pass", "fail", "unknown"


class RuleError(Exception):
    """A rule cannot be evaluated (a missing parameter, a fact of the wrong type): the case goes to people."""

    def __init__(self, code: str, detail: str):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Source:
    """Where a fact comes from: a registry answer (query id, the evidence page filed from it), the case's own data,
    or a field the clerk typed about the applicant."""

    kind: str  # "registry" | "case" | "clerk"
    registry: str = ""
    query_id: str = ""
    page_id: int | None = None
    field: str = ""

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v not in ("", None)}


@dataclass(frozen=True)
class Fact:
    """One input. ``value`` is None when it is not known; ``missing`` then says why (not asked, pending, failed…)."""

    name: str
    value: Any
    source: Source
    missing: str = ""

    @property
    def known(self) -> bool:
        return self.value is not None and not self.missing

    @property
    def registry_backed(self) -> bool:
        return self.source.kind in ("registry", "case")


@dataclass(frozen=True)
class Birth:
    """A child's birth record as ДРАЦС returned it."""

    birth_date: date
    birth_act: str
    child_name: str


@dataclass(frozen=True)
class IncomeRow:
    month: str  # "YYYY-MM"
    amount: Decimal
    source: str
    registry: str


@dataclass(frozen=True)
class Facts:
    """Everything a rule may know about a case. Each attribute is a ``Fact`` (value + source)."""

    service: str
    filing_date: Fact  # date
    applicant_birth_date: Fact  # date
    subject_is_applicant: Fact  # bool: the registry answers are about this applicant (asked by their identifier)
    births: Fact  # list[Birth] (ДРАЦС)
    prior_grants: Fact  # list[str]: birth acts of this applicant's earlier granted childbirth cases (None: unknown)
    incomes: Fact  # list[IncomeRow] (ДРФО, ПФУ)
    family_members: Fact  # int
    disability: Fact  # dict {"group", "since"} | None
    idp: Fact  # dict {"since", "from_katottg"} | None

    def all(self) -> list[Fact]:
        return [v for v in self.__dict__.values() if isinstance(v, Fact)]


@dataclass(frozen=True)
class ParamValue:
    code: str
    value: Decimal
    valid_from: date
    valid_to: date | None
    reference: str
    row_id: int | None = None

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "value": str(self.value),
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
            "reference": self.reference,
            "id": self.row_id,
        }


@dataclass
class Params:
    """The approved parameter rows of one service; ``value(code, on)`` the one in force on a date."""

    rows: dict[str, list[ParamValue]]
    used: dict[tuple[str, date], ParamValue] = field(default_factory=dict)

    def get(self, code: str, on: date) -> ParamValue:
        for row in self.rows.get(code, ()):
            if row.valid_from <= on and (row.valid_to is None or on <= row.valid_to):
                self.used[(code, on)] = row
                return row
        raise RuleError("missing_parameter", f"no parameter {code} in force on {on.isoformat()}")

    def value(self, code: str, on: date) -> Decimal:
        return self.get(code, on).value


def lazy_text(message, **values):
    """``message % values``, rendered when it is turned into text, in the language active then: a reason built once
    (e.g. why a fact is missing) reads right in each language of a stored sentence."""
    return lazy(lambda: str(message) % values, str)()


# What the explanation calls each fact (the facts' names are identifiers).
FACT_LABELS = {
    "filing_date": gettext_lazy("the filing date"),
    "applicant_birth_date": gettext_lazy("the applicant's date of birth"),
    "subject_is_applicant": gettext_lazy("whether the registry answer is about the applicant"),
    "births": gettext_lazy("the births recorded in ДРАЦС"),
    "prior_grants": gettext_lazy("earlier grants for the child"),
    "incomes": gettext_lazy("the family's incomes"),
    "family_members": gettext_lazy("the family members"),
    "disability": gettext_lazy("the disability status"),
    "idp": gettext_lazy("the IDP registration"),
}


def fact_label(name: str):
    return FACT_LABELS.get(name, name)


def sentence(message, **values) -> dict[str, str]:
    """A gettext message rendered in each of the product's languages (stored: the notice may be printed later)."""
    out = {}
    for language in ("uk", "ru", "en"):
        with translation.override(language):
            out[language] = str(message) % values if values else str(message)
    return out


@dataclass
class Check:
    """One condition's result: pass / fail / unknown, actual and expected values, the legal reference, a sentence."""

    code: str
    result: str
    actual: str | None
    expected: str | None
    reference: str
    text: dict[str, str]
    fact: str = ""

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "result": self.result,
            "actual": self.actual,
            "expected": self.expected,
            "reference": self.reference,
            "text": self.text,
            "fact": self.fact,
        }


@dataclass
class Step:
    """A step of the amount's computation: what was done, its value, and the parameter's reference if any."""

    text: dict[str, str]
    value: str
    reference: str = ""

    def as_dict(self) -> dict:
        return {"text": self.text, "value": self.value, "reference": self.reference}


@dataclass
class Verdict:
    checks: list[Check]
    amount: Decimal | None = None
    steps: list[Step] = field(default_factory=list)
    months: int | None = None

    @property
    def outcome(self) -> str:
        results = {c.result for c in self.checks}
        if FAIL in results:
            return FAIL
        if UNKNOWN in results:
            return UNKNOWN
        return PASS


@dataclass(frozen=True)
class RuleVersion:
    """A reviewed version of one service's rule, in force for filing dates ``valid_from`` … ``valid_to``."""

    service: str
    version: str
    valid_from: date
    valid_to: date | None
    evaluate: Callable[[Facts, Params], Verdict]
    parameters: tuple[str, ...]
    summary: str = ""

    def in_force(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


def unknown_check(code: str, fact: Fact, reference: str, message) -> Check:
    """A condition that cannot be judged because its fact is missing: names the fact and why."""
    return Check(
        code=code,
        result=UNKNOWN,
        actual=None,
        expected=None,
        reference=reference,
        text=sentence(message, fact=fact_label(fact.name), why=fact.missing or "—"),
        fact=fact.name,
    )


def require_type(fact: Fact, kind: type | tuple[type, ...]) -> Any:
    """The fact's value, or RuleError when it has the wrong type (never a wrong decision)."""
    if not isinstance(fact.value, kind):
        raise RuleError("bad_fact", f"{fact.name}: {type(fact.value).__name__} where {kind} is expected")
    return fact.value


def money(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):,.2f}".replace(",", " ")
