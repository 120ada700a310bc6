"""The catalog of services and document types a real district department works with (docs/product.md §3).

Loaded by ``manage.py load_catalog`` (and by the demo seed). Upserts by code, so re-running it updates names
and checklists without touching cases. Legal bases are the Ukrainian acts that establish each benefit.
"""

from django.db import transaction

from cases.models import Bundle, BundleService, ChecklistItem, DocumentType, RefusalGround, ServiceType

DOCUMENT_TYPES = [
    # code, Ukrainian, Russian, English
    ("application", "Заява", "Заявление", "Application form"),
    (
        "passport",
        "Паспорт громадянина України (книжечка або ID-картка)",
        "Паспорт гражданина Украины (книжечка или ID-карта)",
        "Passport of a citizen of Ukraine (booklet or ID card)",
    ),
    ("rnokpp", "Картка платника податків (РНОКПП)", "Карточка налогоплательщика (РНОКПП)", "Taxpayer card (RNOKPP)"),
    ("income", "Довідка про доходи", "Справка о доходах", "Income certificate"),
    (
        "declaration",
        "Декларація про доходи та майновий стан",
        "Декларация о доходах и имущественном положении",
        "Declaration of income and property",
    ),
    ("birth", "Свідоцтво про народження дитини", "Свидетельство о рождении ребёнка", "Child's birth certificate"),
    (
        "disability",
        "Довідка про інвалідність (МСЕК / ЕКОПФО)",
        "Справка об инвалидности (МСЭК / ЭКОПФО)",
        "Disability certificate",
    ),
    (
        "registration",
        "Довідка про реєстрацію місця проживання",
        "Справка о регистрации места жительства",
        "Registration (address) certificate",
    ),
    ("utilities", "Рахунки за житлово-комунальні послуги", "Счета за жилищно-коммунальные услуги", "Utility bills"),
    ("bank", "Реквізити банківського рахунку", "Реквизиты банковского счёта", "Bank account details"),
    (
        "idp",
        "Довідка про взяття на облік внутрішньо переміщеної особи",
        "Справка о постановке на учёт внутренне перемещённого лица",
        "IDP registration certificate",
    ),
    ("death", "Свідоцтво про смерть", "Свидетельство о смерти", "Death certificate"),
    (
        "guardianship",
        "Рішення про встановлення опіки чи піклування",
        "Решение об установлении опеки или попечительства",
        "Guardianship decision",
    ),
    ("other", "Інший документ", "Другой документ", "Other document"),
]

# Refusal grounds are substantive: a missing paper is never a ground (the back office asks for it instead).
SERVICES = [
    {
        "code": "childbirth",
        "names": ("Допомога при народженні дитини", "Помощь при рождении ребёнка", "Assistance at childbirth"),
        "legal_basis": "Закон України «Про державну допомогу сім'ям з дітьми» від 21.11.1992 № 2811-XII, ст. 10–12",
        "decision_days": 10,
        "checklist": [(["application"], 1), (["passport"], 1), (["rnokpp"], 1), (["birth"], 1), (["bank"], 1)],
        "grounds": [
            (
                "late",
                "Звернення надійшло пізніше 12 місяців після народження дитини",
                "Обращение поступило позже 12 месяцев после рождения ребёнка",
                "The application came more than 12 months after the birth",
            ),
            (
                "already_paid",
                "Допомогу на цю дитину вже призначено іншому з батьків",
                "Помощь на этого ребёнка уже назначена другому родителю",
                "The assistance for this child was already granted to the other parent",
            ),
        ],
    },
    {
        "code": "low_income",
        "names": (
            "Державна соціальна допомога малозабезпеченим сім'ям",
            "Государственная социальная помощь малообеспеченным семьям",
            "State social assistance to low-income families",
        ),
        "legal_basis": "Закон України «Про державну соціальну допомогу малозабезпеченим сім'ям» від 01.06.2000 № 1768-III; постанова КМУ від 24.02.2003 № 250",
        "decision_days": 10,
        "checklist": [
            (["application"], 1),
            (["passport"], 1),
            (["rnokpp"], 1),
            (["declaration"], 1),
            (["income"], 1),
            (["registration"], 1),
        ],
        "grounds": [
            (
                "income_above",
                "Середньомісячний сукупний дохід сім'ї перевищує рівень забезпечення прожиткового мінімуму",
                "Среднемесячный совокупный доход семьи превышает уровень обеспечения прожиточного минимума",
                "The family's average monthly income exceeds the guaranteed minimum",
            ),
            (
                "property",
                "Сім'я володіє майном, що за законом виключає призначення допомоги (друге житло, транспортний засіб молодше 15 років)",
                "Семья владеет имуществом, исключающим назначение помощи по закону",
                "The family owns property that by law excludes the assistance",
            ),
            (
                "false_data",
                "Подано недостовірні відомості про доходи чи склад сім'ї",
                "Предоставлены недостоверные сведения о доходах или составе семьи",
                "False information about income or household was given",
            ),
        ],
    },
    {
        "code": "housing_subsidy",
        "names": (
            "Житлова субсидія на оплату житлово-комунальних послуг",
            "Жилищная субсидия на оплату жилищно-коммунальных услуг",
            "Housing subsidy for utility bills",
        ),
        "legal_basis": "Положення про порядок призначення житлових субсидій, затверджене постановою КМУ від 21.10.1995 № 848",
        "decision_days": 10,
        "checklist": [(["application"], 1), (["passport"], 1), (["declaration"], 1), (["utilities"], 1)],
        "grounds": [
            (
                "income_share",
                "Обов'язкова частка плати перевищує вартість послуг у межах норм",
                "Обязательная доля платы превышает стоимость услуг в пределах норм",
                "The required share of payment exceeds the cost of services within the norms",
            ),
            (
                "large_purchase",
                "Протягом 12 місяців здійснено разову покупку понад 50 тис. грн",
                "В течение 12 месяцев совершена разовая покупка свыше 50 тыс. грн",
                "A single purchase over 50,000 UAH was made within 12 months",
            ),
            (
                "arrears",
                "Наявна заборгованість за житлово-комунальні послуги понад два місяці без реструктуризації",
                "Задолженность за ЖКУ более двух месяцев без реструктуризации",
                "Utility arrears over two months without a repayment plan",
            ),
        ],
    },
    {
        "code": "disability",
        "names": (
            "Державна соціальна допомога особам з інвалідністю з дитинства та дітям з інвалідністю",
            "Государственная социальная помощь лицам с инвалидностью с детства и детям с инвалидностью",
            "Assistance to persons disabled since childhood and to disabled children",
        ),
        "legal_basis": "Закон України «Про державну соціальну допомогу особам з інвалідністю з дитинства та дітям з інвалідністю» від 16.11.2000 № 2109-III",
        "decision_days": 10,
        "checklist": [(["application"], 1), (["passport"], 1), (["rnokpp"], 1), (["disability"], 1), (["bank"], 1)],
        "grounds": [
            (
                "not_since_childhood",
                "Інвалідність встановлено не з дитинства (право на іншу виплату)",
                "Инвалидность установлена не с детства (право на другую выплату)",
                "The disability was not established in childhood (another benefit applies)",
            ),
            (
                "pension_paid",
                "Особа отримує пенсію, що виключає одночасну виплату допомоги",
                "Лицо получает пенсию, исключающую одновременную выплату помощи",
                "The person receives a pension that excludes this assistance",
            ),
        ],
    },
    {
        "code": "single_parent",
        "names": (
            "Допомога на дітей одиноким матерям (батькам)",
            "Помощь на детей одиноким матерям (отцам)",
            "Assistance for children of single parents",
        ),
        "legal_basis": "Закон України «Про державну допомогу сім'ям з дітьми», розділ VI",
        "decision_days": 10,
        "checklist": [(["application"], 1), (["passport"], 1), (["birth"], 1), (["declaration"], 1), (["income"], 1)],
        "grounds": [
            (
                "not_single",
                "Відомості про батька дитини внесено не за вказівкою матері (не має статусу одинокої матері)",
                "Сведения об отце внесены не по указанию матери",
                "The parent does not have single-parent status",
            ),
            (
                "income_above",
                "Середньомісячний дохід перевищує прожитковий мінімум",
                "Среднемесячный доход превышает прожиточный минимум",
                "Average monthly income exceeds the subsistence minimum",
            ),
        ],
    },
    {
        "code": "idp_living",
        "names": (
            "Допомога на проживання внутрішньо переміщеним особам",
            "Помощь на проживание внутренне перемещённым лицам",
            "Living allowance for internally displaced persons",
        ),
        "legal_basis": "Порядок, затверджений постановою КМУ від 20.03.2022 № 332",
        "decision_days": 5,
        "checklist": [(["application"], 1), (["passport"], 1), (["idp"], 1), (["rnokpp"], 1), (["bank"], 1)],
        "grounds": [
            (
                "returned",
                "Особа повернулася до покинутого місця проживання",
                "Лицо вернулось в оставленное место проживания",
                "The person has returned to the place they left",
            ),
            (
                "abroad",
                "Особа перебуває за кордоном понад 30 днів",
                "Лицо находится за границей более 30 дней",
                "The person has been abroad for more than 30 days",
            ),
        ],
    },
    {
        "code": "funeral",
        "names": ("Допомога на поховання", "Помощь на погребение", "Funeral assistance"),
        "legal_basis": "Порядок, затверджений постановою КМУ від 31.01.2007 № 99",
        "decision_days": 5,
        "decision_in_working_days": True,
        "refusal_needs_approval": False,
        "checklist": [(["application"], 1), (["passport"], 1), (["death"], 1), (["rnokpp"], 1)],
        "grounds": [
            (
                "insured",
                "Померла особа була застрахованою — допомогу виплачує Пенсійний фонд",
                "Умерший был застрахован — помощь выплачивает Пенсионный фонд",
                "The deceased was insured: the Pension Fund pays this assistance",
            ),
            (
                "late",
                "Звернення надійшло пізніше 6 місяців після смерті",
                "Обращение поступило позже 6 месяцев после смерти",
                "The application came more than 6 months after the death",
            ),
        ],
    },
    {
        "code": "guardianship",
        "names": (
            "Допомога на дітей, над якими встановлено опіку чи піклування",
            "Помощь на детей, над которыми установлена опека или попечительство",
            "Assistance for children under guardianship",
        ),
        "legal_basis": "Закон України «Про державну допомогу сім'ям з дітьми», розділ V",
        "decision_days": 10,
        "checklist": [
            (["application"], 1),
            (["passport"], 1),
            (["birth"], 1),
            (["guardianship"], 1),
            (["income", "declaration"], 1),
        ],
        "grounds": [
            (
                "parents_support",
                "Батьки дитини отримують кошти на її утримання в розмірі, що виключає допомогу",
                "Родители ребёнка получают средства на его содержание в размере, исключающем помощь",
                "The parents already provide support at a level that excludes the assistance",
            ),
            (
                "no_guardianship",
                "Опіку чи піклування не встановлено рішенням органу опіки",
                "Опека не установлена решением органа опеки",
                "No guardianship was established by the guardianship authority",
            ),
        ],
    },
]

# Life events offered as one application (issue 13; єМалятко, Procedure No. 853 of 11.08.2023). Each service of a
# bundle: (code, ticked by default, when it applies — in plain words for the clerk). The applicant chooses.
BUNDLES = [
    {
        "code": "birth",
        "names": ("Народження дитини", "Рождение ребёнка", "Birth of a child"),
        "roles": ["parent", "both_parents", "guardian"],
        "min_age": 14,  # a parent of 14 or more may register a birth and ask for the birth assistance
        "services": [
            ("childbirth", True, ""),
            ("single_parent", False, "Якщо батька не записано або дитину виховує один із батьків"),
            ("guardianship", False, "Якщо над дитиною встановлено опіку чи піклування"),
        ],
    },
    {
        "code": "low_income",
        "names": ("Малозабезпечена сім'я", "Малообеспеченная семья", "Low income"),
        "roles": ["any"],
        "min_age": 18,
        "services": [("low_income", True, ""), ("housing_subsidy", True, "")],
    },
    {
        "code": "disability",
        "names": ("Інвалідність", "Инвалидность", "Disability"),
        "roles": ["any", "guardian"],
        "min_age": 18,
        "services": [("disability", True, ""), ("housing_subsidy", False, "Якщо сім'я платить за житло й комунальні")],
    },
    {
        "code": "displacement",
        "names": ("Переміщення (ВПО)", "Перемещение (ВПЛ)", "Displacement"),
        "roles": ["any"],
        "min_age": 18,
        "services": [("idp_living", True, ""), ("housing_subsidy", False, "Якщо сім'я платить за житло й комунальні")],
    },
    {
        "code": "death",
        "names": ("Смерть близької людини", "Смерть близкого человека", "A death"),
        "roles": ["any"],
        "min_age": 18,
        "services": [("funeral", True, "")],
    },
]


def load_bundles() -> int:
    """Create or update every bundle by code; its services are set to exactly those listed."""
    for position, spec in enumerate(BUNDLES, start=1):
        uk, ru, en = spec["names"]
        bundle, _ = Bundle.objects.update_or_create(
            code=spec["code"],
            defaults={
                "name_uk": uk,
                "name_ru": ru,
                "name_en": en,
                "roles": spec["roles"],
                "min_applicant_age": spec["min_age"],
                "position": position,
            },
        )
        codes = [code for code, _, _ in spec["services"]]
        bundle.items.exclude(service_type__code__in=codes).delete()
        for item_position, (code, default, when) in enumerate(spec["services"], start=1):
            BundleService.objects.update_or_create(
                bundle=bundle,
                service_type=ServiceType.objects.get(code=code),
                defaults={"chosen_by_default": default, "applies_when": when, "position": item_position},
            )
    return len(BUNDLES)


@transaction.atomic
def load_catalog() -> tuple[int, int]:
    """Create or update every document type and service by code. Returns (document types, services)."""
    types = {}
    for code, uk, ru, en in DOCUMENT_TYPES:
        types[code], _ = DocumentType.objects.update_or_create(
            code=code, defaults={"name_uk": uk, "name_ru": ru, "name_en": en}
        )
    for position, spec in enumerate(SERVICES, start=1):
        uk, ru, en = spec["names"]
        service, _ = ServiceType.objects.update_or_create(
            code=spec["code"],
            defaults={
                "name_uk": uk,
                "name_ru": ru,
                "name_en": en,
                "legal_basis": spec["legal_basis"],
                "decision_days": spec["decision_days"],
                "decision_in_working_days": spec.get("decision_in_working_days", True),
                "refusal_needs_approval": spec.get("refusal_needs_approval", True),
                "position": position,
            },
        )
        for item_position, (codes, min_pages) in enumerate(spec["checklist"], start=1):
            item, _ = ChecklistItem.objects.update_or_create(
                service_type=service, position=item_position, defaults={"min_pages": min_pages, "required": True}
            )
            item.document_types.set([types[c] for c in codes])
        service.checklist.filter(position__gt=len(spec["checklist"])).delete()
        for code, t_uk, t_ru, t_en in spec["grounds"]:
            RefusalGround.objects.update_or_create(
                service_type=service, code=code, defaults={"text_uk": t_uk, "text_ru": t_ru, "text_en": t_en}
            )
    load_bundles()
    return len(types), len(SERVICES)
