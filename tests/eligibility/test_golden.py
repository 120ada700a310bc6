"""Golden cases (golden.json): facts in → outcome, amount and the explanation's condition codes out, per service,
with the shipped parameter rows. A rule change that alters any of them shows here before any dry run."""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from eligibility.catalog import load_parameters
from eligibility.engine import evaluate_facts, params_for
from eligibility.rules.base import Birth, Fact, Facts, IncomeRow, Source

GOLDEN = json.loads((Path(__file__).parent / "golden.json").read_text())
REG = Source(kind="registry", registry="test", query_id="q")


def facts_of(case: dict) -> Facts:
    f = case["facts"]
    births = f.get("births", [])
    if isinstance(births, list):
        births = [Birth(date.fromisoformat(d), act, name) for d, act, name in births]
    incomes = [IncomeRow(m, Decimal(a), "tax", "drfo") for m, a in f.get("incomes", [])]

    def fact(name, value):
        return Fact(name, value, REG, missing="" if value is not None else "the registry did not answer")

    return Facts(
        service=case["service"],
        filing_date=Fact("filing_date", date.fromisoformat(case["filed"]), Source(kind="case")),
        applicant_birth_date=Fact("applicant_birth_date", date(1990, 1, 1), Source(kind="clerk")),
        subject_is_applicant=fact("subject_is_applicant", f.get("subject_is_applicant", True)),
        births=fact("births", births),
        prior_grants=Fact("prior_grants", f.get("prior_grants", []), Source(kind="case")),
        incomes=fact("incomes", incomes),
        family_members=fact("family_members", f.get("family_members", 1)),
        disability=fact("disability", f.get("disability")),
        idp=fact("idp", f.get("idp")),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("case", GOLDEN, ids=[c["name"] for c in GOLDEN])
def test_golden(case):
    load_parameters(modes=False)
    result = evaluate_facts(facts_of(case), params=params_for(case["service"]))
    assert result.outcome == case["outcome"], result.reason
    assert (str(result.amount) if result.amount is not None else None) == case["amount"]
    assert [(c["code"], c["result"]) for c in result.conditions] == [tuple(x) for x in case["codes"]]
    for c in result.conditions:
        assert c["reference"] and all(c["text"][lang] for lang in ("uk", "ru", "en"))
    if result.outcome == "error":
        assert result.reason


@pytest.mark.django_db
def test_a_missing_parameter_sends_the_case_to_people_with_the_reason():
    case = GOLDEN[0]
    result = evaluate_facts(facts_of(case), params=params_for("childbirth"))  # no rows loaded
    assert result.outcome == "error" and "no parameter" in result.reason
