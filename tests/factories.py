"""Factories for organisation data (factory_boy) and builders that take a case to any status through the
product's own services, the way users would."""

import io
import itertools
from dataclasses import dataclass

import factory
from django.test import TestCase
from PIL import Image

from backoffice import services as back
from cases.catalog import load_catalog
from cases.models import BackOffice, Case, Community, FrontOffice, Membership, Region, ServiceType, User
from frontoffice import services as front

R = Membership.Role
S = Case.Status
_unique = itertools.count(1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Тест"
    last_name = factory.Sequence(lambda n: f"Користувач{n}")
    password = factory.django.Password("test-password-123")


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    code = factory.Sequence(lambda n: f"UA{n % 100:02d}{n // 100 % 10**15:015d}")
    name = factory.Sequence(lambda n: f"Область {n}")


class BackOfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BackOffice

    code = factory.Sequence(lambda n: f"bo-{n}")
    name = factory.Sequence(lambda n: f"УСЗН {n}")
    region = factory.SubFactory(RegionFactory)


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    katottg = factory.Sequence(lambda n: f"UA0502{n:013d}")
    name = factory.Sequence(lambda n: f"Громада {n}")
    back_office = factory.SubFactory(BackOfficeFactory)


class FrontOfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FrontOffice

    code = factory.Sequence(lambda n: f"fo-{n}")
    name = factory.Sequence(lambda n: f"ЦНАП {n}")
    community = factory.SubFactory(CommunityFactory)


def member(username: str, role: str, **scope) -> User:
    user = UserFactory(username=username)
    Membership.objects.create(user=user, role=role, **scope)
    return user


@dataclass
class World:
    """Two back offices; communities A and B served by the first, C by the second; a user for every role."""

    bo1: BackOffice
    bo2: BackOffice
    a: Community
    b: Community
    c: Community
    fo_a: FrontOffice
    fo_a2: FrontOffice
    fo_b: FrontOffice
    fo_c: FrontOffice
    clerk_a: User
    clerk_a2: User
    clerk_b: User
    clerk_c: User
    supervisor_a: User
    specialist: User
    specialist2: User
    head: User
    head_b: User
    specialist_other: User
    head_other: User
    accountant: User
    admin: User
    service: ServiceType  # refusal needs the head's approval
    quick_service: ServiceType  # refusal final at once

    def users(self) -> dict[str, User]:
        return {
            name: getattr(self, name) for name in self.__dataclass_fields__ if isinstance(getattr(self, name), User)
        }


def build_world() -> World:
    if not ServiceType.objects.filter(code="low_income").exists():  # the test session loads it once (tests/conftest.py)
        load_catalog()
    region = RegionFactory()
    bo1, bo2 = BackOfficeFactory(region=region), BackOfficeFactory(region=region)
    a, b, c = CommunityFactory(back_office=bo1), CommunityFactory(back_office=bo1), CommunityFactory(back_office=bo2)
    fo_a, fo_a2, fo_b, fo_c = (
        FrontOfficeFactory(community=a),
        FrontOfficeFactory(community=a, kind="remote"),
        FrontOfficeFactory(community=b),
        FrontOfficeFactory(community=c),
    )
    return World(
        bo1=bo1,
        bo2=bo2,
        a=a,
        b=b,
        c=c,
        fo_a=fo_a,
        fo_a2=fo_a2,
        fo_b=fo_b,
        fo_c=fo_c,
        clerk_a=member("clerk_a", R.CLERK, front_office=fo_a),
        clerk_a2=member("clerk_a2", R.CLERK, front_office=fo_a2),
        clerk_b=member("clerk_b", R.CLERK, front_office=fo_b),
        clerk_c=member("clerk_c", R.CLERK, front_office=fo_c),
        supervisor_a=member("supervisor_a", R.SUPERVISOR, community=a),
        specialist=member("specialist", R.SPECIALIST, back_office=bo1),
        specialist2=member("specialist2", R.SPECIALIST, back_office=bo1),
        head=member("head", R.HEAD, back_office=bo1),
        head_b=member("head_b", R.HEAD, back_office=bo1),
        specialist_other=member("specialist_other", R.SPECIALIST, back_office=bo2),
        head_other=member("head_other", R.HEAD, back_office=bo2),
        accountant=member("accountant", R.ACCOUNTANT),
        admin=member("admin", R.MINISTRY_ADMIN),
        service=ServiceType.objects.get(code="low_income"),
        quick_service=ServiceType.objects.get(code="funeral"),
    )


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (120, 170), mode: str = "L") -> bytes:
    """A small, unique image (a different pixel each call, so checksums never collide by accident)."""
    n = next(_unique)
    im = Image.new(mode, size, "white")
    im.putpixel((n % size[0], (n // size[0]) % size[1]), 0 if mode in ("L", "1") else (n % 256, 0, 0))
    buffer = io.BytesIO()
    im.save(buffer, fmt)
    return buffer.getvalue()


def upload(content: bytes | None = None, name: str = "scan.png"):
    return front.uploaded(content if content is not None else image_bytes(), name)


def applicant(world: World, *, clerk: User | None = None, front_office: FrontOffice | None = None, **overrides):
    n = next(_unique)
    data = {
        "last_name": "Шевченко",
        "first_name": "Олена",
        "patronymic": "Іванівна",
        "birth_date": __import__("datetime").date(1984, 1, 2),
        "rnokpp": None,
        "passport_kind": "id_card",
        "passport_number": f"{n:09d}",
    }
    data.update(overrides)
    return front.applicant_register(by=clerk or world.clerk_a, front_office=front_office or world.fo_a, data=data)


def committed():
    """Run what the enclosed services queue for after commit (page processing, PDFs) as a commit would.

    Tests run inside a transaction that never commits; this is Django's own way to fire ``on_commit`` work."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def add_document(case: Case, clerk: User, document_type=None, files=None):
    with committed():
        return front.document_add(case=case, document_type=document_type, files=files or [upload()], by=clerk)


def fill_checklist(case: Case, clerk: User) -> None:
    for item in case.service_type.checklist.all():
        add_document(case, clerk, item.document_types.first())


def make_case(
    world: World,
    status: str = S.DRAFT,
    *,
    community: str = "a",
    service: ServiceType | None = None,
    refuse: bool = False,
) -> Case:
    """A case of community ``a``, ``b`` or ``c`` taken to ``status`` through the services."""
    clerk, fo = {
        "a": (world.clerk_a, world.fo_a),
        "b": (world.clerk_b, world.fo_b),
        "c": (world.clerk_c, world.fo_c),
    }[community]
    reviewer, head = (world.specialist_other, world.head_other) if community == "c" else (world.specialist, world.head)
    service = service or world.service
    case = front.case_open(
        applicant=applicant(world, clerk=clerk, front_office=fo), service_type=service, front_office=fo, by=clerk
    )
    if status == S.DRAFT:
        return case
    fill_checklist(case, clerk)
    if status == S.WITHDRAWN:
        return front.case_withdraw(case=case, by=clerk, reason="applicant changed their mind")
    with committed():
        case = front.case_submit(case=case, by=clerk)
    if status == S.SUBMITTED:
        return case
    case = back.case_claim(case=case, by=reviewer)
    if status == S.IN_REVIEW:
        return case
    if status == S.INTAKE_REJECTED:
        return back.case_reject_intake(case=case, by=reviewer, reason="wrong office")
    if status == S.NEEDS_INFO:
        return back.case_request_info(case=case, by=reviewer, message="income certificate is illegible")
    case = back.case_accept(case=case, by=reviewer)
    if status == S.REFUSAL_PENDING or refuse:
        ground = case.service_type.refusal_grounds.first()
        case = back.case_decide(case=case, by=reviewer, decision="refused", grounds=[ground], reason="income too high")
        if status == S.REFUSAL_PENDING:
            return case
        if case.status == S.REFUSAL_PENDING:
            case = back.case_approve_refusal(case=case, by=head)
    else:
        case = back.case_decide(case=case, by=reviewer, decision="granted", reason="eligible")
    if status == S.DECIDED:
        return case
    return front.case_hand_over(case=case, by=clerk)
