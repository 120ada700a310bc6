"""A low-income grant decided by the robot months ago, on the stand-in's facts, over real HTTP."""

import copy
from datetime import timedelta

from cases import clock
from cases.checklist import missing_items
from cases.models import Case, ServiceType
from frontoffice import services as front
from tests.factories import add_document, applicant, committed
from tests.registries.conftest import MOTHER
from tests.registries.helpers import rnokpp_for

LOW = []  # no income in the six months: the family is below the guaranteed minimum
HIGH = "30000.00"


def record_for(person, *, income):
    record = copy.deepcopy(MOTHER)
    record.update(rnokpp=person.rnokpp, passport=person.passport_number, children=[], income=income)
    return record


def high_income(months_back: int = 6):
    today = clock.today()
    rows = []
    for back in range(1, months_back + 1):
        y, m = divmod(today.year * 12 + today.month - 1 - back, 12)
        rows.append({"month": f"{y:04d}-{m + 1:02d}", "amount": HIGH, "source": "tax"})
    return rows


def known_low_income_person(world, gateway):
    birth = MOTHER["birth_date"]
    from datetime import date

    born = date.fromisoformat(birth)
    person = applicant(world, rnokpp=rnokpp_for(born), birth_date=born, address="м. Вінниця, вул. Соборна, 1, кв. 2")
    gateway.person(**record_for(person, income=LOW))
    return person


def granted_low_income(world, gateway, *, days_ago: int = 160, person=None) -> Case:
    """Opened, completed and submitted ``days_ago`` days ago; the registries answer, the robot grants for 6 months."""
    person = person or known_low_income_person(world, gateway)
    with clock.travel_to(clock.now() - timedelta(days=days_ago)):
        with committed():
            case = front.case_open(
                applicant=person,
                service_type=ServiceType.objects.get(code="low_income"),
                front_office=world.fo_a,
                by=world.clerk_a,
            )
        for item in missing_items(case):
            add_document(case, world.clerk_a, item.document_types.first())
        with committed():
            case = front.case_submit(case=case, by=world.clerk_a)
    case.refresh_from_db()
    assert case.decision == Case.Decision.GRANTED and case.decided_by.username == "robot", case.status
    return case
