"""Builders for registry tests: a person the stand-in knows, a childbirth case opened for them, its queries."""

import copy
from datetime import date

from cases.models import ServiceType
from cases.validators import rnokpp_check_digit
from frontoffice import services as front
from registries.models import RegistryQuery
from tests.factories import applicant, committed

from .conftest import MOTHER

_serial = iter(range(100, 999))


def rnokpp_for(birth: date) -> str:
    first_nine = f"{(birth - date(1899, 12, 31)).days:05d}{next(_serial):03d}2"
    return first_nine + str(rnokpp_check_digit(first_nine))


def known_person(world, gateway, **overrides):
    """An applicant registered by clerk_a and the same person in the stand-in (with a child's birth record)."""
    birth = date(1984, 1, 2)
    rnokpp = rnokpp_for(birth)
    person = applicant(world, rnokpp=rnokpp, birth_date=birth, address="м. Вінниця, вул. Соборна, 1, кв. 2")
    record = copy.deepcopy(MOTHER)
    record.update(rnokpp=rnokpp, passport=person.passport_number, **overrides)
    gateway.person(**record)
    return person


def open_childbirth(world, person):
    """Open a childbirth case: case_open asks the registries; the queries go out when the transaction commits."""
    with committed():
        case = front.case_open(
            applicant=person,
            service_type=ServiceType.objects.get(code="childbirth"),
            front_office=world.fo_a,
            by=world.clerk_a,
        )
    return case


def query_of(case, code: str) -> RegistryQuery:
    return RegistryQuery.objects.get(case=case, registry__code=code)
