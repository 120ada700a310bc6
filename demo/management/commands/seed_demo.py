"""``manage.py seed_demo``: one oblast of demo data, built through the product's own services.

Idempotent: the organisation, catalog and users are upserted; cases are generated only when the demo
communities have none yet, from a fixed random seed, so two runs give the same data.
"""

import io
import random
import zlib
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from backoffice import services as back
from cases import clock
from cases.catalog import load_catalog
from cases.models import (
    Applicant,
    BackOffice,
    Case,
    Community,
    DocumentType,
    FrontOffice,
    Membership,
    Region,
    ServiceType,
)
from cases.validators import RNOKPP_EPOCH, rnokpp_check_digit
from eligibility.catalog import load_parameters
from frontoffice import services as front
from notifications import services as notify
from payments.models import FeeRate, Statement
from payments.services.budget import budget_set
from payments.services.periods import current_period
from payments.services.statements import (
    statement_approve,
    statement_confirm,
    statement_dispute,
    statement_issue_month,
    statement_pay,
)
from registries.catalog import load_registries

R = Membership.Role
S = Case.Status

REGION = ("UA05000000000010236", "Вінницька область")
BACK_OFFICES = [
    ("vinnytsia-district", "Управління соціального захисту населення Вінницької РДА"),
    ("haisyn-district", "Управління соціального захисту населення Гайсинської РДА"),
]
# KATOTTG, name, back office, [(front office code, name, kind)], number of demo cases
COMMUNITIES = [
    (
        "UA05020030000031743",
        "Вінницька міська територіальна громада",
        "vinnytsia-district",
        [
            ("vin-cnap-centre", "ЦНАП м. Вінниця, вул. Соборна", "cnap"),
            ("vin-cnap-zamostia", "ЦНАП «Замостя»", "cnap"),
            ("vin-remote-khutory", "Віддалене робоче місце с. Вінницькі Хутори", "remote"),
        ],
        90,
    ),
    (
        "UA05020010000053508",
        "Агрономічна сільська територіальна громада",
        "vinnytsia-district",
        [
            ("agro-cnap", "ЦНАП Агрономічної громади", "cnap"),
            ("agro-remote-dorozhne", "Віддалене робоче місце с. Дорожнє", "remote"),
        ],
        50,
    ),
    (
        "UA05020050000072137",
        "Вороновицька селищна територіальна громада",
        "vinnytsia-district",
        [
            ("voron-cnap", "ЦНАП Вороновицької громади", "cnap"),
        ],
        15,
    ),
    (
        "UA05020070000064855",
        "Гніванська міська територіальна громада",
        "vinnytsia-district",
        [
            ("hnivan-cnap", "ЦНАП м. Гнівань", "cnap"),
        ],
        10,
    ),
    (
        "UA05040030000069917",
        "Гайсинська міська територіальна громада",
        "haisyn-district",
        [
            ("haisyn-cnap", "ЦНАП м. Гайсин", "cnap"),
        ],
        15,
    ),
    (
        "UA05040070000036582",
        "Ладижинська міська територіальна громада",
        "haisyn-district",
        [
            ("ladyzhyn-cnap", "ЦНАП м. Ладижин", "cnap"),
        ],
        12,
    ),
    (
        "UA05040110000061724",
        "Теплицька селищна територіальна громада",
        "haisyn-district",
        [
            ("teplyk-cnap", "ЦНАП смт Теплик", "cnap"),
        ],
        10,
    ),
]
# username, first name, last name, role, place code (front office / community KATOTTG / back office)
USERS = [
    ("clerk", "Оксана", "Мельник", R.CLERK, "vin-cnap-centre"),
    ("clerk2", "Петро", "Кравець", R.CLERK, "agro-cnap"),
    ("supervisor", "Галина", "Бондар", R.SUPERVISOR, "UA05020030000031743"),
    ("reviewer", "Ірина", "Ткаченко", R.SPECIALIST, "vinnytsia-district"),
    ("head", "Микола", "Шевчук", R.HEAD, "vinnytsia-district"),
    ("accountant", "Лариса", "Коваль", R.ACCOUNTANT, ""),
    ("admin", "Андрій", "Олійник", R.MINISTRY_ADMIN, ""),
    # Colleagues who make the demo's history (not printed as entry points).
    ("reviewer2", "Світлана", "Руденко", R.SPECIALIST, "vinnytsia-district"),
    ("reviewer3", "Василь", "Марченко", R.SPECIALIST, "haisyn-district"),
    ("head2", "Тетяна", "Лисенко", R.HEAD, "haisyn-district"),
]
ENTRY_USERS = ["clerk", "clerk2", "supervisor", "reviewer", "head", "accountant", "admin"]

LAST_NAMES = [
    "Шевченко",
    "Бойко",
    "Коваленко",
    "Бондаренко",
    "Ткаченко",
    "Кравченко",
    "Олійник",
    "Шевчук",
    "Поліщук",
    "Лисенко",
    "Мороз",
    "Савченко",
    "Руденко",
    "Петренко",
    "Климченко",
    "Гончаренко",
]
FIRST_NAMES_F = [
    ("Олена", "Іванівна"),
    ("Наталія", "Петрівна"),
    ("Марія", "Василівна"),
    ("Юлія", "Олегівна"),
    ("Ганна", "Миколаївна"),
    ("Тетяна", "Сергіївна"),
    ("Світлана", "Андріївна"),
]
FIRST_NAMES_M = [
    ("Іван", "Петрович"),
    ("Олег", "Васильович"),
    ("Андрій", "Миколайович"),
    ("Сергій", "Іванович"),
    ("Богдан", "Олександрович"),
    ("Дмитро", "Сергійович"),
    ("Василь", "Андрійович"),
]
STREETS = ["вул. Соборна", "вул. Київська", "вул. Пирогова", "вул. Театральна", "вул. Зодчих", "вул. Шкільна"]
# The status each demo case ends in, with how often. Every status appears.
TARGETS = [
    (S.CLOSED, 28),
    (S.DECIDED, 12),
    (S.SUBMITTED, 18),
    (S.IN_REVIEW, 10),
    (S.NEEDS_INFO, 8),
    (S.REFUSAL_PENDING, 5),
    (S.DRAFT, 9),
    (S.WITHDRAWN, 5),
    (S.INTAKE_REJECTED, 5),
]
FEE = Decimal("20.00")


class Command(BaseCommand):
    help = "Load the demo oblast: organisation, catalog, users (password DEMO_PASSWORD) and 200+ cases."

    def handle(self, *args, **options):
        self.rng = random.Random(20261122)
        load_catalog()
        with transaction.atomic():
            self.organisation()
            self.users = self.make_users()
            if not FeeRate.objects.exists():
                FeeRate.objects.create(amount=FEE, valid_from=date(clock.today().year - 1, 1, 1))
        demo_codes = [c[0] for c in COMMUNITIES]
        if Case.objects.filter(community__katottg__in=demo_codes).exists():
            self.stdout.write("Demo cases already present; nothing generated.")
        else:
            self.generate_cases()
        self.fees()
        self.registries()
        load_parameters()  # the rules' dated parameters and the demo decision modes (eligibility)
        self.renewals()
        self.proactive_mothers()
        self.report()

    # --- organisation and people ----------------------------------------------------------------------------------

    def organisation(self) -> None:
        region, _ = Region.objects.update_or_create(code=REGION[0], defaults={"name": REGION[1]})
        offices = {}
        for code, name in BACK_OFFICES:
            offices[code], _ = BackOffice.objects.update_or_create(code=code, defaults={"name": name, "region": region})
        for katottg, name, back_office, front_offices, _count in COMMUNITIES:
            community, _ = Community.objects.update_or_create(
                katottg=katottg, defaults={"name": name, "back_office": offices[back_office]}
            )
            for code, fo_name, kind in front_offices:
                FrontOffice.objects.update_or_create(
                    code=code, defaults={"name": fo_name, "kind": kind, "community": community}
                )

    def make_users(self) -> dict:
        User = get_user_model()
        users = {}
        password = make_password(settings.DEMO_PASSWORD)  # hashed once: the hasher is slow by design
        specs = list(USERS)
        # One clerk for every front office without a named one, so every community has someone taking intakes.
        named_offices = {place for *_, role, place in USERS if role == R.CLERK}
        for fo in FrontOffice.objects.exclude(code__in=named_offices).order_by("code"):
            specs.append((f"clerk-{fo.code}", "Клерк", fo.name[:30], R.CLERK, fo.code))
        for username, first, last, role, place in specs:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"first_name": first, "last_name": last, "is_staff": role == R.MINISTRY_ADMIN},
            )
            if created:
                user.password = password
                user.is_superuser = role == R.MINISTRY_ADMIN
                user.save()
            scope = {}
            if role == R.CLERK:
                scope["front_office"] = FrontOffice.objects.get(code=place)
            elif role == R.SUPERVISOR:
                scope["community"] = Community.objects.get(katottg=place)
            elif role in (R.SPECIALIST, R.HEAD):
                scope["back_office"] = BackOffice.objects.get(code=place)
            Membership.objects.get_or_create(user=user, role=role, **scope)
            users[username] = user
        return users

    # --- cases ----------------------------------------------------------------------------------------------------

    def generate_cases(self) -> None:
        self.images = {}
        self.services = list(ServiceType.objects.filter(active=True).prefetch_related("checklist__document_types"))
        self.doc_types = {t.code: t for t in DocumentType.objects.all()}
        self.rnokpps: set[str] = set()
        self.clerks = {
            m.front_office_id: m.user
            for m in Membership.objects.filter(role=R.CLERK, user__in=self.users.values()).select_related("user")
        }
        statuses = [s for s, _ in TARGETS]
        weights = [w for _, w in TARGETS]
        for katottg, _name, back_office, front_offices, count in COMMUNITIES:
            community = Community.objects.get(katottg=katottg)
            applicants = []
            for n in range(count):
                # The first cases of each community walk through every status, the rest follow the weights.
                target = statuses[n] if n < len(statuses) else self.rng.choices(statuses, weights)[0]
                fo_code = front_offices[n % len(front_offices)][0] if n < 20 else self.rng.choice(front_offices)[0]
                front_office = FrontOffice.objects.get(code=fo_code)
                clerk = self.clerks[front_office.pk]
                self.make_case(community, front_office, clerk, back_office, target, applicants)
        self.stdout.write(f"Generated {Case.objects.count()} cases.")

    def reviewers_of(self, back_office: str):
        if back_office == "vinnytsia-district":
            return [self.users["reviewer"], self.users["reviewer2"]], self.users["head"]
        return [self.users["reviewer3"]], self.users["head2"]

    def make_case(self, community, front_office, clerk, back_office, target, applicants) -> None:
        rng = self.rng
        now = clock.now()
        in_progress = target in (S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.NEEDS_INFO, S.REFUSAL_PENDING)
        days_ago = rng.randint(1, 9) if in_progress else rng.randint(14, 130)
        opened = timezone.make_aware(
            datetime.combine(now.date() - timedelta(days=days_ago), time(rng.randint(8, 15), rng.randint(0, 59)))
        )
        moment = [opened]

        def at(hours: float = 0, days: int = 0):
            step = moment[0] + timedelta(days=days, hours=hours)
            # Never in the future; and a step capped there still moves on a second, so what follows is later than
            # what came before (a resubmit must see the document added after the request for information).
            cap = now - timedelta(minutes=5)
            moment[0] = step if step <= cap else max(cap, moment[0] + timedelta(seconds=1))
            return clock.travel_to(moment[0])

        # A refusal waits for the head only on services that need four eyes.
        service = rng.choice([s for s in self.services if s.refusal_needs_approval or target != S.REFUSAL_PENDING])
        with at():
            if applicants and rng.random() < 0.15:
                applicant = rng.choice(applicants)
                if front.open_cases_of(applicant=applicant, service_type=service):
                    applicant = self.make_applicant(front_office, clerk)
            else:
                applicant = self.make_applicant(front_office, clerk)
            applicants.append(applicant)
            case = front.case_open(
                applicant=applicant,
                service_type=service,
                front_office=front_office,
                by=clerk,
                channel=Case.Channel.REMOTE if front_office.kind == "remote" else Case.Channel.IN_PERSON,
            )
        with at(hours=0.1):
            self.add_documents(case, clerk, complete=target != S.DRAFT or rng.random() < 0.5)
        if target == S.DRAFT:
            return
        if target == S.WITHDRAWN and rng.random() < 0.5:
            with at(hours=0.2):
                case = front.case_withdraw(case=case, by=clerk, reason="Заявник передумав подавати заяву")
            return
        with at(hours=0.3):
            case = front.case_submit(case=case, by=clerk)
        if target in (S.SUBMITTED, S.WITHDRAWN):
            if target == S.WITHDRAWN:
                with at(days=1):
                    case = front.case_withdraw(case=case, by=clerk, reason="Заявник відкликав заяву")
            return
        reviewers, head = self.reviewers_of(back_office)
        reviewer = rng.choice(reviewers)
        with at(days=1, hours=rng.randint(0, 5)):
            case = back.case_claim(case=case, by=reviewer)
        if target == S.INTAKE_REJECTED:
            with at(hours=1):
                case = back.case_reject_intake(
                    case=case,
                    by=reviewer,
                    reason="Заявник зареєстрований в іншій громаді: звернення подано не за місцем проживання",
                )
            return
        asks_first = target == S.NEEDS_INFO or rng.random() < 0.2
        if asks_first:
            item = rng.choice(list(service.checklist.all()))
            with at(hours=2):
                case = back.case_request_info(
                    case=case,
                    by=reviewer,
                    message=f"Просимо додати чіткішу копію: «{item.title}» нерозбірлива.",
                    items=[item],
                )
            if target == S.NEEDS_INFO:
                return
            with at(days=rng.randint(1, 3)):
                front.document_add(
                    case=case,
                    document_type=item.document_types.first(),
                    files=[self.image_file(item.document_types.first().code, variant=2)],
                    by=clerk,
                )
                case = front.case_resubmit(case=case, by=clerk, note="Додано чітку копію")
            with at(hours=3):
                case = back.case_claim(case=case, by=reviewer)
        if target == S.IN_REVIEW:
            if rng.random() < 0.5:
                with at(hours=1):
                    case = back.case_accept(case=case, by=reviewer)
            return
        with at(hours=1):
            case = back.case_accept(case=case, by=reviewer)
        refuse = target == S.REFUSAL_PENDING or rng.random() < 0.2
        with at(days=rng.randint(1, 6)):
            if refuse:
                ground = rng.choice(list(service.refusal_grounds.all()))
                case = back.case_decide(
                    case=case,
                    by=reviewer,
                    decision=Case.Decision.REFUSED,
                    grounds=[ground],
                    reason=f"Перевірено за даними реєстрів: {ground.text_uk.lower()}.",
                )
            else:
                case = back.case_decide(
                    case=case, by=reviewer, decision=Case.Decision.GRANTED, reason="Право підтверджено"
                )
        if case.status == S.REFUSAL_PENDING and target != S.REFUSAL_PENDING:
            with at(hours=rng.randint(2, 20)):
                case = back.case_approve_refusal(case=case, by=head)
        if target == S.CLOSED:
            with at(days=rng.randint(1, 4)):
                case = front.case_hand_over(case=case, by=clerk)

    def make_applicant(self, front_office, clerk):
        rng = self.rng
        female = rng.random() < 0.6
        first, patronymic = rng.choice(FIRST_NAMES_F if female else FIRST_NAMES_M)
        last = rng.choice(LAST_NAMES)
        if female and last.endswith("ий"):
            last = last[:-2] + "а"
        birth = date(rng.randint(1950, 2004), rng.randint(1, 12), rng.randint(1, 28))
        rnokpp = self.rnokpp_for(birth, female)
        young = birth.year >= 1990
        applicant = front.applicant_register(
            by=clerk,
            front_office=front_office,
            data={
                "last_name": last,
                "first_name": first,
                "patronymic": patronymic,
                "birth_date": birth,
                "rnokpp": rnokpp,
                "passport_kind": "id_card" if young else "booklet",
                "passport_number": f"{rng.randint(0, 999_999_999):09d}"
                if young
                else f"АК{rng.randint(0, 999_999):06d}",
                "address": f"{rng.choice(STREETS)}, {rng.randint(1, 120)}, кв. {rng.randint(1, 80)}",
                "phone": f"+38067{rng.randint(0, 9_999_999):07d}",
            },
        )
        # The person agreed at the desk to be told about the case by SMS (issue 14: messages land in /_outbox/).
        notify.contact_set(applicant=applicant, by=clerk, phone=applicant.phone, consent=True)
        return applicant

    def rnokpp_for(self, birth: date, female: bool) -> str:
        days = (birth - RNOKPP_EPOCH).days
        while True:
            serial = self.rng.randint(0, 999)
            sex = self.rng.choice([0, 2, 4, 6, 8] if female else [1, 3, 5, 7, 9])
            first_nine = f"{days:05d}{serial:03d}{sex}"
            value = first_nine + str(rnokpp_check_digit(first_nine))
            if value not in self.rnokpps:
                self.rnokpps.add(value)
                return value

    def add_documents(self, case, clerk, *, complete: bool) -> None:
        items = list(case.service_type.checklist.all())
        if not complete:
            items = items[: max(1, len(items) - 2)]
        for item in items:
            doc_type = item.document_types.first()
            front.document_add(case=case, document_type=doc_type, files=[self.image_file(doc_type.code)], by=clerk)

    def image_file(self, code: str, variant: int = 1):
        """A small grey 'scan' per document type (the same bytes may recur across cases, never within one)."""
        key = (code, variant)
        if key not in self.images:
            width, height = 620, 877
            im = Image.new("L", (width, height), 250)
            draw = ImageDraw.Draw(im)
            draw.rectangle([30, 30, width - 30, height - 30], outline=120, width=2)
            title = self.doc_types[code].name_en.upper()
            draw.text((50, 50), f"DEMO  {title}", fill=30)
            draw.text((50, 70), f"variant {variant}", fill=90)
            rng = random.Random(zlib.crc32(f"{code}-{variant}".encode()))
            for row in range(22):
                y = 120 + row * 30
                draw.line([(50, y), (50 + rng.randint(200, width - 110), y)], fill=rng.randint(60, 140), width=3)
            buffer = io.BytesIO()
            im.save(buffer, "JPEG", quality=60)
            self.images[key] = buffer.getvalue()
        return front.uploaded(self.images[key], f"{code}-{variant}.jpg")

    # --- fees -----------------------------------------------------------------------------------------------------

    def fees(self) -> None:
        """The ministry's side: a budget per year, a supervisor for every community, and statements as the month-end
        job leaves them. Months before last are issued by the job (no person issued them, so one accountant may
        approve and pay): the older ones confirmed, approved and paid; the month before last confirmed and waiting
        for approval, one disputed, and the demo supervisor's own left to confirm or dispute. Last month stays open
        for the accountant to issue (then someone else — ``admin`` — approves it: issuer and approver differ)."""
        if Statement.objects.exclude(status=Statement.Status.OPEN).exists():
            return
        accountant, now = self.users["accountant"], clock.now()
        last = (current_period() - timedelta(days=1)).replace(day=1)
        periods = sorted(set(Statement.objects.filter(period__lt=last).values_list("period", flat=True)))
        with transaction.atomic():
            for year in {p.year for p in [*periods, last]} | {clock.today().year}:
                budget_set(year=year, amount=Decimal("150000000.00"), by=self.users["admin"])
            supervisors = self.community_supervisors()
            for period in periods:
                issued = timezone.make_aware(
                    datetime.combine((period + timedelta(days=31)).replace(day=1), time(0, 30))
                )

                def at(days: int, base=issued):
                    return clock.travel_to(min(base + timedelta(days=days, hours=9), now - timedelta(minutes=5)))

                with at(0):
                    statement_issue_month(period=period)
                for statement in Statement.objects.filter(period=period).select_related("community").order_by("pk"):
                    supervisor = supervisors[statement.community_id]
                    if period == periods[-1]:
                        if supervisor == self.users["supervisor"]:
                            continue  # for the demo supervisor to confirm or dispute
                        if statement.community.katottg == COMMUNITIES[1][0]:
                            rejected = Case.objects.filter(
                                community=statement.community, status=S.INTAKE_REJECTED
                            ).first()
                            with at(3):
                                statement_dispute(
                                    statement=statement,
                                    by=supervisor,
                                    claimed_count=statement.count + 1,
                                    comment="Ми нарахували на одне звернення більше.",
                                    contested=[rejected.number] if rejected else [],
                                )
                            continue
                    with at(3):
                        statement_confirm(statement=statement, by=supervisor)
                    if period != periods[-1]:
                        with at(6):
                            statement_approve(statement=statement, by=accountant)
                        with at(10) as moment:
                            statement_pay(
                                statement=statement,
                                by=accountant,
                                reference=f"ДКСУ-{period:%Y%m}-{statement.pk:04d}",
                                paid_on=timezone.localdate(moment),
                                amount=statement.amount,
                            )
        self.stdout.write(
            f"Fees: {last:%m.%Y} open for the accountant to issue; "
            + (f"{periods[-1]:%m.%Y} waiting for approval; " if periods else "")
            + "community supervisors: "
            + ", ".join(sorted({u.username for u in supervisors.values()}))
            + "."
        )

    def community_supervisors(self) -> dict:
        """A supervisor for every demo community (the named ``supervisor`` for the first)."""
        password = make_password(settings.DEMO_PASSWORD)
        supervisors = {}
        for katottg, _name, _bo, front_offices, _count in COMMUNITIES:
            community = Community.objects.get(katottg=katottg)
            membership = (
                Membership.objects.filter(role=R.SUPERVISOR, community=community).select_related("user").first()
            )
            if membership is None:
                username = f"supervisor-{front_offices[0][0].split('-')[0]}"
                user, created = get_user_model().objects.get_or_create(
                    username=username, defaults={"first_name": "Керівник", "last_name": community.name.split()[0]}
                )
                if created:
                    user.password = password
                    user.save(update_fields=["password"])
                membership = Membership.objects.create(user=user, role=R.SUPERVISOR, community=community)
            supervisors[community.pk] = membership.user
        return supervisors

    # --- registries: the catalogue, and the stand-in's records for every demo person --------------------------------

    def registries(self) -> None:
        """Load the registries catalogue and, when the gateway stand-in is on, write a record for every demo
        applicant into its own store directly (in ``make run`` the server is not up yet while this runs), plus a
        mother with a new-born child's birth record and no case yet: the childbirth walk-through of docs/registries.md.
        """
        load_registries()
        if not settings.REGISTRY_GATEWAY_STANDIN:
            return
        from gateway.store import Store

        mother = self.demo_mother()
        store = Store(settings.REGISTRY_GATEWAY_STORE)
        katottg = {fo.pk: fo.community.katottg for fo in FrontOffice.objects.select_related("community")}
        count = 0
        for person in Applicant.objects.filter(registered_at__community__katottg__in=[c[0] for c in COMMUNITIES]):
            if not person.rnokpp:
                continue
            rng = random.Random(zlib.crc32(person.rnokpp.encode()))
            record = {
                "rnokpp": person.rnokpp,
                "last_name": person.last_name,
                "first_name": person.first_name,
                "patronymic": person.patronymic,
                "birth_date": person.birth_date.isoformat(),
                "unzr": person.unzr or f"{person.birth_date:%Y%m%d}-{rng.randint(0, 9999):04d}{rng.randint(0, 9)}",
                "passport": person.passport_number,
                "address": {
                    "community_katottg": katottg[person.registered_at_id],
                    "text": person.address or "м. Вінниця",
                    "registered_since": f"{max(person.birth_date.year + 18, 2005)}-03-01",
                },
                "children": [],
                "income": [
                    {
                        "month": f"{clock.today().year}-{m:02d}",
                        "amount": f"{rng.randint(4, 25) * 1000}.00",
                        "source": "tax",
                    }
                    for m in range(1, 4)
                ],
                "disability": {"group": rng.choice(["I", "II", "III"]), "since": "2019-04-01"}
                if rng.random() < 0.1
                else None,
                "idp": {"since": "2022-04-15", "from_katottg": "UA14160000000000000"} if rng.random() < 0.1 else None,
            }
            if person.pk == mother.pk or rng.random() < 0.4:
                born = clock.today() - timedelta(days=rng.randint(10, 300))
                record["children"].append(
                    {
                        "last_name": person.last_name,
                        "first_name": rng.choice(["Марія", "Софія", "Іван", "Марко"]),
                        "patronymic": "",
                        "birth_date": born.isoformat(),
                        "birth_act": f"{rng.randint(100, 9999)}/{born.year}",
                    }
                )
            store.put_person(record)
            count += 1
        self.stdout.write(f"Gateway stand-in: {count} persons with their registry records ({store.path}).")

    def demo_mother(self) -> Applicant:
        birth = date(1996, 5, 17)
        existing = Applicant.objects.filter(last_name="Коваленко", first_name="Ірина", birth_date=birth).first()
        if existing:
            return existing
        self.rnokpps = getattr(self, "rnokpps", set(Applicant.objects.values_list("rnokpp", flat=True)))
        front_office = FrontOffice.objects.get(code="vin-cnap-centre")
        return front.applicant_register(
            by=self.users["clerk"],
            front_office=front_office,
            data={
                "last_name": "Коваленко",
                "first_name": "Ірина",
                "patronymic": "Олегівна",
                "birth_date": birth,
                "rnokpp": self.rnokpp_for(birth, True),
                "passport_kind": "id_card",
                "passport_number": "004512389",
                "address": "м. Вінниця, вул. Келецька, 61, кв. 14",
                "phone": "+380671234567",
            },
        )

    # --- renewals: low-income grants whose 6 months end within the window (docs/renewals.md) ----------------------

    RENEWAL_PEOPLE = [
        # name parts, birth date, female, consent to messages, income still low (the renewal passes)
        (("Петренко", "Галина", "Степанівна"), date(1979, 3, 14), True, True, True),
        (("Ткачук", "Василь", "Миколайович"), date(1971, 9, 2), False, True, False),
        (("Бондар", "Оксана", "Петрівна"), date(1988, 11, 23), True, False, False),
    ]

    def renewals(self) -> None:
        """Three low-income grants decided 160 days ago (the term of 6 months ends in about three weeks): Петренко's
        registry facts still pass (``manage.py renewals_run`` renews her without an application), Ткачук's income is
        now above the minimum (the renewal goes to people, an SMS tells him what to bring), and Бондар, with the same
        result, agreed to no messages (she is on the clerk's list "Renewals needing the person")."""
        service = ServiceType.objects.filter(code="low_income").first()
        if service is None:
            return
        front_office = FrontOffice.objects.select_related("community__back_office").get(code="vin-cnap-centre")
        clerk = self.users["clerk"]
        reviewer = self.reviewers_of(front_office.community.back_office.code)[0][0]
        self.images = getattr(self, "images", {})
        self.doc_types = getattr(self, "doc_types", None) or {t.code: t for t in DocumentType.objects.all()}
        self.rnokpps = getattr(self, "rnokpps", set(Applicant.objects.values_list("rnokpp", flat=True)))
        store = None
        if settings.REGISTRY_GATEWAY_STANDIN:
            from gateway.store import Store

            store = Store(settings.REGISTRY_GATEWAY_STORE)
        today = clock.today()
        made = 0
        for (last, first, middle), birth, female, consent, passes in self.RENEWAL_PEOPLE:
            person = Applicant.objects.filter(last_name=last, first_name=first, birth_date=birth).first()
            if person is None:
                made += 1
                with clock.travel_to(clock.now() - timedelta(days=160)):
                    person = front.applicant_register(
                        by=clerk,
                        front_office=front_office,
                        data={
                            "last_name": last,
                            "first_name": first,
                            "patronymic": middle,
                            "birth_date": birth,
                            "rnokpp": self.rnokpp_for(birth, female),
                            "passport_kind": "id_card",
                            "passport_number": f"{zlib.crc32(last.encode()) % 10**9:09d}",
                            "address": "м. Вінниця, вул. Соборна, 12",
                            "phone": f"+38067{zlib.crc32(first.encode()) % 10**7:07d}",
                        },
                    )
                    if consent:
                        notify.contact_set(applicant=person, by=clerk, phone=person.phone, consent=True)
                    case = front.case_open(applicant=person, service_type=service, front_office=front_office, by=clerk)
                    self.add_documents(case, clerk, complete=True)
                    case = front.case_submit(case=case, by=clerk)
                case.refresh_from_db()
                if not case.decision:  # unless the stand-in was up and the robot granted it already
                    with clock.travel_to(clock.now() - timedelta(days=158)):
                        case = back.case_claim(case=case, by=reviewer)
                        case = back.case_accept(case=case, by=reviewer)
                        back.case_decide(
                            case=case,
                            by=reviewer,
                            decision=Case.Decision.GRANTED,
                            reason="Дохід сім'ї нижчий за прожитковий мінімум (довідки подано)",
                        )
            if store is not None:
                months = []
                for back_months in range(1, 7):
                    y, m = divmod(today.year * 12 + today.month - 1 - back_months, 12)
                    months.append(f"{y:04d}-{m + 1:02d}")
                store.put_person(
                    {
                        "rnokpp": person.rnokpp,
                        "last_name": person.last_name,
                        "first_name": person.first_name,
                        "patronymic": person.patronymic,
                        "birth_date": person.birth_date.isoformat(),
                        "unzr": f"{person.birth_date:%Y%m%d}-00{made}12",
                        "passport": person.passport_number,
                        "address": {
                            "community_katottg": front_office.community.katottg,
                            "text": person.address,
                            "registered_since": "2012-03-01",
                        },
                        "children": [],
                        "income": []
                        if passes
                        else [{"month": m, "amount": "25000.00", "source": "tax"} for m in months],
                        "disability": None,
                        "idp": None,
                    }
                )
        if made:
            self.stdout.write(f"Renewals: {made} low-income grants ending within the window (manage.py renewals_run).")

    # --- proactive offers: two mothers-to-be, one who agreed to be told and one who did not ------------------------

    # (last name, first name, patronymic, birth date, fixed RNOKPP serial, phone, agreed to proactive informing)
    PROACTIVE_MOTHERS = (
        ("Бондар", "Олена", "Іванівна", date(1995, 3, 14), 101, "+380671112233", True),
        ("Шевчук", "Наталія", "Петрівна", date(1993, 9, 2), 102, "+380672223344", False),
    )

    def proactive_mothers(self) -> None:
        """Registered at the Vinnytsia front office, in the stand-in's registries with no child yet: posting a
        ``birth_registered`` event for them (docs/proactive.md) adds the child to ДРАЦС and makes an offer. Бондар
        agreed to proactive informing and gets it by SMS (/_outbox/); Шевчук did not, and appears on the clerk's
        work list (/proactive/)."""
        from proactive.services import consent_give

        front_office = FrontOffice.objects.get(code="vin-cnap-centre")
        clerk = self.users["clerk"]
        store = None
        if settings.REGISTRY_GATEWAY_STANDIN:
            from gateway.store import Store

            store = Store(settings.REGISTRY_GATEWAY_STORE)
        for last, first, patronymic, birth, serial, phone, agreed in self.PROACTIVE_MOTHERS:
            first_nine = f"{(birth - RNOKPP_EPOCH).days:05d}{serial:03d}2"
            rnokpp = first_nine + str(rnokpp_check_digit(first_nine))
            applicant = Applicant.objects.filter(rnokpp=rnokpp).first()
            if applicant is None:
                applicant = front.applicant_register(
                    by=clerk,
                    front_office=front_office,
                    data={
                        "last_name": last,
                        "first_name": first,
                        "patronymic": patronymic,
                        "birth_date": birth,
                        "rnokpp": rnokpp,
                        "passport_kind": "id_card",
                        "passport_number": f"00{serial:03d}7812",
                        "address": "м. Вінниця, вул. Соборна, 12",
                        "phone": phone,
                    },
                )
            if agreed:
                notify.contact_set(applicant=applicant, by=clerk, phone=phone, consent=True)
                consent_give(applicant=applicant, by=clerk)
            if store is not None:
                existing = store.get_person(rnokpp=rnokpp) or {}
                store.put_person(
                    {
                        "rnokpp": rnokpp,
                        "last_name": last,
                        "first_name": first,
                        "patronymic": patronymic,
                        "birth_date": birth.isoformat(),
                        "unzr": f"{birth:%Y%m%d}-0{serial:03d}1",
                        "passport": applicant.passport_number,
                        "address": {
                            "community_katottg": front_office.community.katottg,
                            "text": applicant.address,
                            "registered_since": "2015-03-01",
                        },
                        "children": existing.get("children") or [],
                        "income": [],
                        "disability": None,
                        "idp": None,
                    }
                )
            self.stdout.write(
                f"Proactive demo: {last} {first}, RNOKPP {rnokpp} "
                f"({'agreed to be told by SMS' if agreed else 'no consent: the clerk work list'})."
            )

    # --- report ---------------------------------------------------------------------------------------------------

    def report(self) -> None:
        counts = {s.label: Case.objects.filter(status=s.value).count() for s in S}
        self.stdout.write(self.style.SUCCESS(f"Demo data ready: {Case.objects.count()} cases ({counts})."))
        self.stdout.write(f"Sign in at /accounts/login/ with password “{settings.DEMO_PASSWORD}” as:")
        for username in ENTRY_USERS:
            membership = (
                Membership.objects.filter(user__username=username)
                .select_related("front_office", "community", "back_office")
                .first()
            )
            place = membership.front_office or membership.community or membership.back_office or "Міністерство"
            self.stdout.write(f"  {username:<11} {membership.get_role_display()} · {place}")
