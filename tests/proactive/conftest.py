import copy
import re
from datetime import date

import httpx
import pytest

from notifications import services as notify
from proactive.services import consent_give
from tests.eligibility.conftest import rules  # noqa: F401  (registries catalogue, parameters, decision modes)
from tests.factories import applicant
from tests.registries.conftest import MOTHER, gateway, registries  # noqa: F401  (the stand-in over real HTTP)
from tests.registries.helpers import rnokpp_for

VALID_IBAN = "UA213223130000026007233566001"


@pytest.fixture(autouse=True)
def _no_nudge(settings):
    settings.REGISTRY_EVENTS_NUDGE_URL = ""


def mother(world, gateway, *, consent: bool, phone: str = "+380671112233"):  # noqa: F811
    """An applicant of community A, known to the stand-in with no child yet; ``consent``: agreed to be told."""
    birth = date(1990, 4, 5)
    rnokpp = rnokpp_for(birth)
    person = applicant(world, rnokpp=rnokpp, birth_date=birth, phone=phone)
    record = copy.deepcopy(MOTHER)
    record.update(rnokpp=rnokpp, passport=person.passport_number, birth_date=birth.isoformat(), children=[])
    gateway.person(**record)
    if consent:
        notify.contact_set(applicant=person, by=world.clerk_a, phone=phone, consent=True)
        consent_give(applicant=person, by=world.clerk_a)
    return person


def birth_event(gateway, person, *, event_id: str = "", born: date = date(2026, 11, 20), act: str = "501/2026"):  # noqa: F811
    body = {
        "type": "birth_registered",
        "rnokpp": person.rnokpp,
        "child": {
            "last_name": person.last_name,
            "first_name": "Марко",
            "patronymic": "",
            "birth_date": born.isoformat(),
            "birth_act": act,
        },
    }
    if event_id:
        body["id"] = event_id
    return httpx.post(f"{gateway.url}/_sim/events", json=body)


def link_token(text: str) -> str:
    return re.search(r"/status/offer/([\w-]+)/", text).group(1)
