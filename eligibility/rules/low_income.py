"""Державна соціальна допомога малозабезпеченим сім'ям (Закон № 1768-III; постанова КМУ № 250).

The family's average monthly income over the 6 full months before the filing month (ДРФО and ПФУ answers; a month
with no row counts as no income) per member below the guaranteed minimum in force on the filing date; the amount is
the difference for the family (minimum × members − average income), granted for the months the parameter says.
Members are those the registries know: the applicant (ЄДДР) and their children under 18 in ДРАЦС when it was asked.
"""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

from eligibility.rules.base import (
    FAIL,
    PASS,
    Check,
    Facts,
    IncomeRow,
    Params,
    RuleVersion,
    Step,
    Verdict,
    money,
    require_type,
    sentence,
    unknown_check,
)

LAW = "Закон України «Про державну соціальну допомогу малозабезпеченим сім'ям» від 01.06.2000 № 1768-III"
REF_INCOME = f"{LAW}, ст. 1, 5; постанова КМУ від 24.02.2003 № 250 (дохід за 6 місяців)"
REF_AMOUNT = f"{LAW}, ст. 5 (розмір — різниця між прожитковим мінімумом і доходом сім'ї)"
MISSING = _("Not known: %(fact)s (%(why)s). A person must check it.")
CENT = Decimal("0.01")


def last_months(filed: date, count: int) -> list[str]:
    """The ``count`` full calendar months before the filing month, oldest first, as "YYYY-MM"."""
    y, m = filed.year, filed.month
    out = []
    for _i in range(count):
        m -= 1
        if m == 0:
            y, m = y - 1, 12
        out.append(f"{y:04d}-{m:02d}")
    return out[::-1]


def evaluate(facts: Facts, params: Params) -> Verdict:
    filed = require_type(facts.filing_date, date)
    checks: list[Check] = []
    incomes, members = facts.incomes, facts.family_members
    for fact, code in ((incomes, "income_known"), (members, "family_known")):
        if not fact.known:
            checks.append(unknown_check(code, fact, REF_INCOME, MISSING))
    if checks:
        return Verdict(checks=checks)
    rows = require_type(incomes, list)
    count = require_type(members, int)
    if count < 1:
        raise ValueError("a family has at least one member")
    span = int(params.value("income_months", filed))
    months = last_months(filed, span)
    total = Decimal("0")
    for row in rows:
        if not isinstance(row, IncomeRow):
            raise TypeError("incomes must hold IncomeRow records")
        if row.month in months:
            total += row.amount
    average = (total / span).quantize(CENT, ROUND_HALF_UP)
    per_member = (average / count).quantize(CENT, ROUND_HALF_UP)
    minimum_row = params.get("guaranteed_minimum", filed)
    minimum = minimum_row.value
    below = per_member < minimum
    checks.append(
        Check(
            "income_below_minimum",
            PASS if below else FAIL,
            actual=money(per_member),
            expected=f"< {money(minimum)}",
            reference=f"{REF_INCOME}; {minimum_row.reference}",
            text=sentence(
                _(
                    "Average monthly income per family member %(actual)s UAH over %(from)s – %(to)s; "
                    "the guaranteed minimum is %(minimum)s UAH."
                ),
                actual=money(per_member),
                minimum=money(minimum),
                to=months[-1],
                **{"from": months[0]},
            ),
            fact=incomes.name,
        )
    )
    verdict = Verdict(checks=checks)
    period = int(params.value("period_months", filed))
    steps = [
        Step(sentence(_("Family income over %(n)s months (ДРФО, ПФУ)"), n=span), money(total)),
        Step(sentence(_("Average monthly family income")), money(average)),
        Step(sentence(_("Family members known from the registries")), str(count)),
        Step(sentence(_("Average monthly income per member")), money(per_member)),
        Step(sentence(_("Guaranteed minimum per member × members")), money(minimum * count), minimum_row.reference),
    ]
    if below:
        verdict.amount = (minimum * count - average).quantize(CENT, ROUND_HALF_UP)
        steps.append(Step(sentence(_("Monthly amount: the difference")), money(verdict.amount), REF_AMOUNT))
        steps.append(
            Step(sentence(_("Granted for %(n)s months")), str(period), params.get("period_months", filed).reference)
        )
    verdict.steps, verdict.months = steps, period
    return verdict


VERSIONS = [
    RuleVersion(
        service="low_income",
        version="low_income/2026.1",
        valid_from=date(2021, 1, 1),
        valid_to=None,
        evaluate=evaluate,
        parameters=("guaranteed_minimum", "income_months", "period_months"),
        summary="Average income of 6 months per member below the guaranteed minimum; amount the difference.",
    )
]
