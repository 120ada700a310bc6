"""The registries catalogue as data (docs/registries.md): loaded by ``manage.py load_registries`` and the demo seed.

Upserts by code, so re-running it updates identifiers and what each answer stands in for; an administrator may then
edit any of it in the admin (the exchange's catalogue publishes the real service codes). Member codes are the
registry holders' ЄДРПОУ codes; the instance is the test environment until production switches it.
"""

from django.db import transaction

from cases.models import DocumentType
from registries.models import Registry

PURPOSE = "social-protection/benefit-application"

REGISTRIES = [
    {
        "code": "eddr",
        "short_name": "ЄДДР",
        "names": (
            "Єдиний державний демографічний реєстр",
            "Единый государственный демографический реестр",
            "Unified State Demographic Register",
        ),
        "member_code": "37508470",  # State Migration Service
        "subsystem": "eddr",
        "service_code": "personInfo",
        "stands_for": ["passport", "rnokpp"],
    },
    {
        "code": "dracs",
        "short_name": "ДРАЦС",
        "names": (
            "Державний реєстр актів цивільного стану громадян",
            "Государственный реестр актов гражданского состояния",
            "State Register of Civil Status Acts",
        ),
        "member_code": "00015622",  # Ministry of Justice
        "subsystem": "dracs",
        "service_code": "birthRecords",
        "stands_for": ["birth"],
    },
    {
        "code": "drfo",
        "short_name": "ДРФО",
        "names": (
            "Державний реєстр фізичних осіб — платників податків (доходи)",
            "Государственный реестр физических лиц — налогоплательщиков (доходы)",
            "State Register of Individual Taxpayers (incomes)",
        ),
        "member_code": "43005393",  # State Tax Service
        "subsystem": "drfo",
        "service_code": "incomeInfo",
        "stands_for": ["income"],
    },
    {
        "code": "pfu",
        "short_name": "ПФУ",
        "names": (
            "Реєстр застрахованих осіб Пенсійного фонду України",
            "Реестр застрахованных лиц Пенсионного фонда Украины",
            "Pension Fund register of insured persons",
        ),
        "member_code": "00035323",  # Pension Fund of Ukraine
        "subsystem": "pfu",
        "service_code": "insuredIncome",
        "stands_for": [],
    },
    {
        "code": "idp",
        "short_name": "ВПО",
        "names": (
            "Єдина інформаційна база даних про внутрішньо переміщених осіб",
            "Единая информационная база данных о внутренне перемещённых лицах",
            "Unified database of internally displaced persons",
        ),
        "member_code": "37567866",  # Ministry of Social Policy
        "subsystem": "idp",
        "service_code": "idpStatus",
        "stands_for": ["idp"],
    },
    {
        "code": "disability",
        "short_name": "ЦБІ",
        "names": (
            "Централізований банк даних з проблем інвалідності",
            "Централизованный банк данных по проблемам инвалидности",
            "Central disability data bank",
        ),
        "member_code": "37567866",
        "subsystem": "cbi",
        "service_code": "disabilityStatus",
        "stands_for": ["disability"],
    },
    {
        "code": "rtg",
        "short_name": "РТГ",
        "names": (
            "Реєстр територіальної громади",
            "Реестр территориальной общины",
            "Residents register of the community",
        ),
        "member_code": "43395033",  # the communities' registers, reached through one consolidated service
        "subsystem": "rtg",
        "service_code": "registeredAddress",
        "stands_for": ["registration"],
    },
]


@transaction.atomic
def load_registries() -> int:
    """Create or update every registry of the catalogue by code (the document types must be loaded first)."""
    types = {t.code: t for t in DocumentType.objects.all()}
    for position, spec in enumerate(REGISTRIES, start=1):
        uk, ru, en = spec["names"]
        registry, _ = Registry.objects.update_or_create(
            code=spec["code"],
            defaults={
                "name_uk": uk,
                "name_ru": ru,
                "name_en": en,
                "short_name": spec["short_name"],
                "member_code": spec["member_code"],
                "subsystem": spec["subsystem"],
                "service_code": spec["service_code"],
                "service_version": "v1",
                "purpose_id": PURPOSE,
                "position": position,
            },
        )
        registry.stands_for.set([types[c] for c in spec["stands_for"] if c in types])
    return len(REGISTRIES)
