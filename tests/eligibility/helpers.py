from datetime import date, timedelta

from cases import clock
from cases.checklist import missing_items
from frontoffice import services as front
from tests.factories import add_document, committed
from tests.registries.helpers import known_person, open_childbirth


def months_ago(months: int, *, days: int = 0) -> date:
    today = clock.today()
    y, m = divmod(today.year * 12 + today.month - 1 - months, 12)
    return date(y, m + 1, min(today.day, 28)) - timedelta(days=days)


def child(born: date, act: str = "1234/2026") -> dict:
    return {
        "last_name": "Шевченко",
        "first_name": "Марія",
        "patronymic": "Андріївна",
        "birth_date": born.isoformat(),
        "birth_act": act,
    }


def submitted_childbirth(world, gateway, *, born: date | None = None, person=None):
    """A childbirth case for a person the stand-in knows: opened (the registries answer), the papers a registry does
    not stand in for uploaded, submitted — the robot runs on the commit, as on ``make run``."""
    if person is None:
        kids = [child(born)] if born is not None else []
        person = known_person(world, gateway, children=kids)
    case = open_childbirth(world, person)
    for item in missing_items(case):
        add_document(case, world.clerk_a, item.document_types.first())
    with committed():
        case = front.case_submit(case=case, by=world.clerk_a)
    case.refresh_from_db()
    return case
