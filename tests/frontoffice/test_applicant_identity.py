"""Registering a person: what the identifiers tell is filled in, a number on file answers as a field error that
links to the person (never the database's constraint text), and each field says one thing."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases.models import Applicant
from tests.factories import applicant as register

pytestmark = pytest.mark.django_db


def _rnokpp_for(birth: date, serial: str = "1234") -> str:
    from cases.validators import RNOKPP_EPOCH, rnokpp_check_digit

    first_nine = f"{(birth - RNOKPP_EPOCH).days:05d}{serial}"
    return first_nine + str(rnokpp_check_digit(first_nine))


def test_birth_date_and_document_kind_are_filled_in_from_the_identifiers(world):
    rnokpp = _rnokpp_for(date(1990, 5, 17))
    person = register(world, rnokpp=rnokpp, birth_date=None, passport_kind="", passport_number="ab 123456")
    assert person.birth_date == date(1990, 5, 17)
    assert person.passport_kind == "booklet" and person.passport_number == "АВ123456"  # Latin look-alikes → Cyrillic
    other = register(world, passport_kind="", passport_number="004567891")
    assert other.passport_kind == "id_card"


def test_nine_digits_with_booklet_chosen_is_explained(world):
    with pytest.raises(ValidationError) as e:
        register(world, passport_kind="booklet", passport_number="004567891")
    assert [m.code for m in e.value.error_dict["passport_number"]] == ["passport_kind_mismatch"]


def test_a_wrong_checksum_through_the_api_is_said_once(clerk_api, world):
    response = clerk_api.post(
        "/api/v1/applicants/",
        {"last_name": "Коваль", "first_name": "Іван", "birth_date": "1990-01-01", "rnokpp": "1234567890"},
        format="json",
    )
    body = response.json()
    assert response.status_code == 409 and body["code"] == "identity_conflict" and len(body["errors"]["rnokpp"]) == 1


def test_a_passport_on_file_is_a_field_error_linking_to_the_person(client, world):
    first = register(world, passport_kind="id_card", passport_number="004567891")
    client.force_login(world.clerk_a)
    response = client.post(
        reverse("frontoffice:applicant-new"),
        {"last_name": "Інша", "first_name": "Особа", "birth_date": "1990-01-01", "passport_number": "004567891"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "applicant_unique_passport" not in body and "обмеження" not in body
    link = reverse("frontoffice:applicant-detail", args=[first.pk]) + "?identifier=004567891"
    assert f'href="{link}"' in body
    assert 'id="id_passport_number_error"' in body or "passport_number" in str(response.context["form"].errors)
    assert Applicant.objects.filter(passport_number="004567891").count() == 1


def test_an_rnokpp_on_file_answers_the_same_in_the_api(clerk_api, world):
    rnokpp = _rnokpp_for(date(1989, 10, 18))
    register(world, rnokpp=rnokpp, birth_date=None)
    response = clerk_api.post(
        "/api/v1/applicants/", {"last_name": "Інша", "first_name": "Особа", "rnokpp": rnokpp}, format="json"
    )
    body = response.json()
    assert response.status_code == 409 and body["code"] == "applicant_exists"
    assert list(body["errors"]) == ["rnokpp"] and len(body["errors"]["rnokpp"]) == 1
    assert body["existing"] == f"/api/v1/applicants/?rnokpp={rnokpp}"
    assert "unique" not in str(body).lower() and "constraint" not in str(body).lower()


def test_a_racing_registration_answers_as_a_field_error_not_an_integrity_error(world, monkeypatch):
    from cases import services as kernel

    register(world, passport_kind="id_card", passport_number="004567891")
    monkeypatch.setattr(kernel, "_applicant_taken", lambda applicant, _real=kernel._applicant_taken: {})
    with pytest.raises(ValidationError) as e:
        register(world, passport_kind="id_card", passport_number="004567891")
    assert "IntegrityError" not in str(e.value) and "UNIQUE" not in str(e.value)


def test_the_duplicate_case_warning_links_to_the_open_case(client, world):
    from frontoffice import services

    person = register(world)
    case = services.case_open(applicant=person, service_type=world.service, front_office=world.fo_a, by=world.clerk_a)
    client.force_login(world.clerk_a)
    response = client.post(
        reverse("frontoffice:applicant-detail", args=[person.pk]),
        {"service_type": world.service.pk, "channel": "in_person"},
    )
    assert f'href="{reverse("frontoffice:case-detail", args=[case.pk])}"' in response.content.decode()
