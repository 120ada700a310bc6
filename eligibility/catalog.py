"""The shipped parameter rows (with the acts they come from) and decision modes: the demo seed and tests load them.

Seeding writes rows directly (``approved_by`` empty: the shipped data set, reviewed with the code). Every later change
goes through ``ParameterChange``: proposed, dry-run, approved by a second person.
"""

from datetime import date
from decimal import Decimal

from django.db import transaction

from cases.models import ServiceType
from eligibility.models import Parameter

CHILDBIRTH_ACT = "Закон України «Про державну допомогу сім'ям з дітьми» від 21.11.1992 № 2811-XII, ст. 12"
LOW_INCOME_ACT = "Закон України «Про державну соціальну допомогу малозабезпеченим сім'ям» № 1768-III, ст. 4, 5"
BUDGET_2026 = "Закон України «Про Державний бюджет України на 2026 рік», ст. 7 (демо-значення: звірити з актом)"
DISABILITY_ACT = "Закон України № 2109-III, ст. 6 (демо-значення: звірити з актом)"
IDP_ACT = "Постанова КМУ від 20.03.2022 № 332, п. 5"

PARAMETERS = [
    (
        "childbirth",
        "amount",
        "41280.00",
        date(2000, 1, 1),
        date(2025, 12, 31),
        f"{CHILDBIRTH_ACT} (народження до 01.01.2026)",
    ),
    ("childbirth", "amount", "50000.00", date(2026, 1, 1), None, f"{CHILDBIRTH_ACT} (народження з 01.01.2026)"),
    ("childbirth", "application_window_months", "12", date(2000, 1, 1), None, f"{CHILDBIRTH_ACT}, ст. 11"),
    ("low_income", "guaranteed_minimum", "2920.00", date(2025, 1, 1), date(2025, 12, 31), LOW_INCOME_ACT),
    ("low_income", "guaranteed_minimum", "3028.00", date(2026, 1, 1), None, f"{LOW_INCOME_ACT}; {BUDGET_2026}"),
    ("low_income", "income_months", "6", date(2000, 1, 1), None, "Постанова КМУ від 24.02.2003 № 250, п. 3"),
    (
        "low_income",
        "period_months",
        "6",
        date(2000, 1, 1),
        None,
        f"{LOW_INCOME_ACT}, ст. 6 (призначається на 6 місяців)",
    ),
    ("disability", "amount_group_I", "3028.00", date(2026, 1, 1), None, DISABILITY_ACT),
    ("disability", "amount_group_II", "2361.00", date(2026, 1, 1), None, DISABILITY_ACT),
    ("disability", "amount_group_III", "1892.00", date(2026, 1, 1), None, DISABILITY_ACT),
    ("idp_living", "amount_adult", "2000.00", date(2022, 3, 20), None, f"{IDP_ACT} (особа старше 18 років)"),
    ("idp_living", "amount_child", "3000.00", date(2022, 3, 20), None, f"{IDP_ACT} (дитина)"),
]

# The versions in code when publication became a workflow (migration 0004 publishes the same list).
SHIPPED_VERSIONS = [
    ("childbirth", "childbirth/2026.1", date(2021, 1, 1)),
    ("low_income", "low_income/2026.1", date(2021, 1, 1)),
    ("disability", "disability/2026.1", date(2021, 1, 1)),
    ("idp_living", "idp_living/2026.1", date(2022, 3, 20)),
]

MODES = {"childbirth": "automatic", "low_income": "automatic", "disability": "manual", "idp_living": "manual"}


@transaction.atomic
def load_parameters(*, modes: bool = True) -> int:
    """Create the shipped rows that are not there yet (by service, code and start) and set the demo decision modes."""
    for service, code, value, valid_from, valid_to, reference in PARAMETERS:
        Parameter.objects.get_or_create(
            service=service,
            code=code,
            valid_from=valid_from,
            defaults={"value": Decimal(value), "valid_to": valid_to, "reference": reference},
        )
    publish_shipped_versions()
    if modes:
        for code, mode in MODES.items():
            ServiceType.objects.filter(code=code).update(decision_mode=mode)
    return len(PARAMETERS)


def publish_shipped_versions() -> None:
    """Publish the rule versions shipped before the publication workflow (as migration 0004 does), if not yet."""
    from eligibility.models import DryRun, RulePublication
    from eligibility.services import robot_user

    robot = robot_user()
    for service, version, valid_from in SHIPPED_VERSIONS:
        if RulePublication.objects.filter(version=version, status=RulePublication.Status.PUBLISHED).exists():
            continue
        run = DryRun.objects.create(service=service, rules_version=version, months=0, run_by=robot)
        RulePublication.objects.create(
            service=service,
            version=version,
            valid_from=valid_from,
            dry_run=run,
            status=RulePublication.Status.PUBLISHED,
            approved_by=robot,
            approved_at=run.run_at,
            note="Shipped before the publication workflow; published by migration.",
        )
