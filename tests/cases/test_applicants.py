from datetime import date

import pytest
from django.core.exceptions import ValidationError

from cases.exceptions import NotPermitted
from cases.models import Applicant
from frontoffice.services import applicant_register

pytestmark = pytest.mark.django_db


def register(world, **data):
    base = {"last_name": "Бойко", "first_name": "Марія", "birth_date": date(1984, 1, 2)}
    return applicant_register(by=world.clerk_a, front_office=world.fo_a, data={**base, **data})


def test_registers_with_rnokpp(world):
    person = register(world, rnokpp="3068208400")
    assert Applicant.objects.get(rnokpp="3068208400") == person


def test_rnokpp_must_match_birth_date(world):
    with pytest.raises(ValidationError) as e:
        register(world, rnokpp="3068208400", birth_date=date(1984, 1, 3))
    assert e.value.message_dict["rnokpp"]
    assert not Applicant.objects.exists()


def test_wrong_checksum_refused(world):
    with pytest.raises(ValidationError) as e:
        register(world, rnokpp="3068208401")
    assert "rnokpp" in e.value.message_dict


def test_one_applicant_per_rnokpp(world):
    register(world, rnokpp="3068208400")
    with pytest.raises(ValidationError) as e:
        register(world, rnokpp="3068208400")
    assert "rnokpp" in e.value.message_dict
    assert Applicant.objects.count() == 1


def test_without_rnokpp_a_passport_is_required(world):
    with pytest.raises(ValidationError) as e:
        register(world)
    assert "passport_number" in e.value.message_dict
    person = register(world, passport_kind="booklet", passport_number="ак123456")
    assert person.passport_number == "АК123456"
    assert person.rnokpp is None


def test_passport_number_checked_against_kind(world):
    with pytest.raises(ValidationError) as e:
        register(world, passport_kind="id_card", passport_number="АК123456")
    assert "passport_number" in e.value.message_dict


def test_unzr_must_match_birth_date(world):
    with pytest.raises(ValidationError) as e:
        register(world, rnokpp="3068208400", unzr="19840103-00015")
    assert "unzr" in e.value.message_dict
    assert register(world, rnokpp="3068208400", unzr="19840102-00015").unzr == "19840102-00015"


def test_only_a_clerk_of_the_office_registers(world):
    for user in (world.clerk_b, world.supervisor_a, world.specialist, world.accountant):
        with pytest.raises(NotPermitted):
            applicant_register(
                by=user,
                front_office=world.fo_a,
                data={
                    "last_name": "Бойко",
                    "first_name": "Марія",
                    "birth_date": date(1984, 1, 2),
                    "rnokpp": "3068208400",
                },
            )
