"""Допомога при народженні дитини (Закон України «Про державну допомогу сім'ям з дітьми», ст. 10–11).

Applied within 12 months of the birth recorded in ДРАЦС; the applicant is a parent in that record (ДРАЦС answered
about the applicant's own identifier); not already granted for that child; the amount as the parameter rows say for
the child's birth date (50,000 UAH for births from 2026-01-01, 41,280 UAH before, in the demo rows).
"""

from datetime import date
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from eligibility.rules.base import (
    FAIL,
    PASS,
    UNKNOWN,
    Birth,
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

LAW = "Закон України «Про державну допомогу сім'ям з дітьми» від 21.11.1992 № 2811-XII"
REF_TERM = f"{LAW}, ст. 11 (звернення протягом 12 місяців після народження)"
REF_PARENT = f"{LAW}, ст. 10 (допомога призначається одному з батьків)"
REF_ONCE = f"{LAW}, ст. 10 (одна допомога на кожну дитину)"
REF_RECORD = f"{LAW}, ст. 11; відомості ДРАЦС"

MISSING = _("Not known: %(fact)s (%(why)s). A person must check it.")


def months_between(earlier: date, later: date) -> int:
    """Whole months from ``earlier`` to ``later`` (a birth on 15 March is 12 months old on 15 March next year)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    if later.day < earlier.day:
        months -= 1
    return months


def evaluate(facts: Facts, params: Params) -> Verdict:
    filed = require_type(facts.filing_date, date)
    checks: list[Check] = []
    births = facts.births
    if not births.known:
        checks.append(unknown_check("birth_record", births, REF_RECORD, MISSING))
        return Verdict(checks=checks)
    records = require_type(births, list)
    if not records:
        checks.append(
            Check(
                "birth_record",
                FAIL,
                actual="0",
                expected="≥ 1",
                reference=REF_RECORD,
                text=sentence(_("ДРАЦС holds no birth record of a child of the applicant.")),
                fact=births.name,
            )
        )
        return Verdict(checks=checks)
    child: Birth = max(records, key=lambda b: b.birth_date)
    if not isinstance(child, Birth):
        raise TypeError("births must hold Birth records")
    checks.append(
        Check(
            "birth_record",
            PASS,
            actual=f"{child.birth_date.isoformat()} № {child.birth_act}",
            expected="≥ 1",
            reference=REF_RECORD,
            text=sentence(
                _("ДРАЦС records the birth of %(child)s on %(date)s (act %(act)s)."),
                child=child.child_name,
                date=child.birth_date.strftime("%d.%m.%Y"),
                act=child.birth_act,
            ),
            fact=births.name,
        )
    )

    parent = facts.subject_is_applicant
    if not parent.known:
        checks.append(unknown_check("applicant_is_parent", parent, REF_PARENT, MISSING))
    else:
        is_parent = require_type(parent, bool)
        checks.append(
            Check(
                "applicant_is_parent",
                PASS if is_parent else FAIL,
                actual=str(is_parent).lower(),
                expected="true",
                reference=REF_PARENT,
                text=sentence(
                    _("The applicant is a parent in the birth record (ДРАЦС answered about the applicant).")
                    if is_parent
                    else _("The birth record is not about the applicant as a parent.")
                ),
                fact=parent.name,
            )
        )

    window = int(params.value("application_window_months", filed))
    age = months_between(child.birth_date, filed)
    in_time = 0 <= age < window
    checks.append(
        Check(
            "within_12_months",
            PASS if in_time else FAIL,
            actual=str(age),
            expected=f"< {window}",
            reference=REF_TERM,
            text=sentence(
                _("Applied %(age)s full months after the birth; the law allows less than %(window)s months."),
                age=age,
                window=window,
            ),
            fact=facts.filing_date.name,
        )
    )

    prior = facts.prior_grants
    if not prior.known:
        checks.append(unknown_check("not_granted_before", prior, REF_ONCE, MISSING))
    else:
        acts = require_type(prior, list)
        again = child.birth_act in acts
        checks.append(
            Check(
                "not_granted_before",
                FAIL if again else PASS,
                actual=child.birth_act if again else "—",
                expected="—",
                reference=REF_ONCE,
                text=sentence(
                    _("Assistance for this child (act %(act)s) was already granted to the applicant.")
                    if again
                    else _("No assistance for this child (act %(act)s) was granted before."),
                    act=child.birth_act,
                ),
                fact=prior.name,
            )
        )

    verdict = Verdict(checks=checks)
    if verdict.outcome == PASS or all(c.result != UNKNOWN for c in checks):
        row = params.get("amount", child.birth_date)
        verdict.amount = Decimal(row.value).quantize(Decimal("0.01"))
        verdict.steps = [
            Step(
                text=sentence(
                    _("The amount for a child born on %(date)s (parameter in force from %(from)s)."),
                    date=child.birth_date.strftime("%d.%m.%Y"),
                    **{"from": row.valid_from.strftime("%d.%m.%Y")},
                ),
                value=money(verdict.amount),
                reference=row.reference,
            )
        ]
    return verdict


VERSIONS = [
    RuleVersion(
        service="childbirth",
        version="childbirth/2026.1",
        valid_from=date(2021, 1, 1),
        valid_to=None,
        evaluate=evaluate,
        parameters=("amount", "application_window_months"),
        summary="ДРАЦС birth within 12 months, parent, once per child; amount by the birth date.",
    )
]
