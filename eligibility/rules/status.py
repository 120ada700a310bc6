"""Disability and IDP living allowances: the status established in its registry; the amount by group or category.

Both are manual services in the demo: the robot explains, a person decides.
"""

from datetime import date
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from eligibility.rules.base import (
    FAIL,
    PASS,
    Check,
    Facts,
    Params,
    RuleVersion,
    Step,
    Verdict,
    money,
    require_type,
    sentence,
    unknown_check,
)

DISABILITY_LAW = (
    "Закон України «Про державну соціальну допомогу особам з інвалідністю з дитинства та дітям з інвалідністю» "
    "від 16.11.2000 № 2109-III"
)
IDP_LAW = "Порядок надання допомоги на проживання ВПО, затверджений постановою КМУ від 20.03.2022 № 332"
MISSING = _("Not known: %(fact)s (%(why)s). A person must check it.")


def disability(facts: Facts, params: Params) -> Verdict:
    filed = require_type(facts.filing_date, date)
    fact = facts.disability
    if not fact.known and fact.missing:
        return Verdict(checks=[unknown_check("disability_status", fact, f"{DISABILITY_LAW}, ст. 1", MISSING)])
    status = fact.value
    if not status:
        return Verdict(
            checks=[
                Check(
                    "disability_status",
                    FAIL,
                    actual="—",
                    expected="I | II | III",
                    reference=f"{DISABILITY_LAW}, ст. 1",
                    text=sentence(_("The disability data bank holds no established disability group.")),
                    fact=fact.name,
                )
            ]
        )
    status = require_type(fact, dict)
    group = str(status.get("group", ""))
    if group not in ("I", "II", "III"):
        raise ValueError(f"unknown disability group {group!r}")
    check = Check(
        "disability_status",
        PASS,
        actual=group,
        expected="I | II | III",
        reference=f"{DISABILITY_LAW}, ст. 1",
        text=sentence(_("Disability group %(group)s established since %(since)s."), group=group, since=status["since"]),
        fact=fact.name,
    )
    row = params.get(f"amount_group_{group}", filed)
    amount = Decimal(row.value).quantize(Decimal("0.01"))
    step = Step(sentence(_("Monthly amount for group %(group)s"), group=group), money(amount), row.reference)
    return Verdict(checks=[check], amount=amount, steps=[step])


def idp_living(facts: Facts, params: Params) -> Verdict:
    filed = require_type(facts.filing_date, date)
    fact = facts.idp
    if not fact.known and fact.missing:
        return Verdict(checks=[unknown_check("idp_status", fact, f"{IDP_LAW}, п. 2", MISSING)])
    if not fact.value:
        return Verdict(
            checks=[
                Check(
                    "idp_status",
                    FAIL,
                    actual="—",
                    expected=str(_("registered IDP")),
                    reference=f"{IDP_LAW}, п. 2",
                    text=sentence(_("The IDP database holds no registration of the applicant.")),
                    fact=fact.name,
                )
            ]
        )
    status = require_type(fact, dict)
    check = Check(
        "idp_status",
        PASS,
        actual=str(status["since"]),
        expected=str(_("registered IDP")),
        reference=f"{IDP_LAW}, п. 2",
        text=sentence(_("Registered as an internally displaced person since %(since)s."), since=status["since"]),
        fact=fact.name,
    )
    born = require_type(facts.applicant_birth_date, date)
    adult = (filed.year - born.year - ((filed.month, filed.day) < (born.month, born.day))) >= 18
    code = "amount_adult" if adult else "amount_child"
    row = params.get(code, filed)
    amount = Decimal(row.value).quantize(Decimal("0.01"))
    label = _("Monthly amount for an adult") if adult else _("Monthly amount for a child")
    return Verdict(checks=[check], amount=amount, steps=[Step(sentence(label), money(amount), row.reference)])


VERSIONS = [
    RuleVersion(
        service="disability",
        version="disability/2026.1",
        valid_from=date(2021, 1, 1),
        valid_to=None,
        evaluate=disability,
        parameters=("amount_group_I", "amount_group_II", "amount_group_III"),
        summary="Group established in the disability data bank; amount by group.",
    ),
    RuleVersion(
        service="idp_living",
        version="idp_living/2026.1",
        valid_from=date(2022, 3, 20),
        valid_to=None,
        evaluate=idp_living,
        parameters=("amount_adult", "amount_child"),
        summary="Registered IDP; amount by category (adult / child).",
    ),
]
