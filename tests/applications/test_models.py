import importlib

import pytest

from cases.models import Application, Case
from tests.factories import make_case

pytestmark = pytest.mark.django_db

migration = importlib.import_module("cases.migrations.0008_cases_into_applications")


def test_a_single_case_is_opened_as_an_application_of_one(world):
    case = make_case(world)
    application = case.application
    assert application.number == Application.number_for(case.number)
    assert application.number.rsplit("-", 1)[1] == "A" + case.number.rsplit("-", 1)[1]
    assert list(application.cases.all()) == [case]
    assert application.applicant_id == case.applicant_id and application.community_id == world.a.pk
    assert application.chosen_services == [world.service.code]
    assert [s.is_applicant for s in application.signatures.all()] == [True]
    assert application.status == Application.Status.DRAFT


def test_the_data_migration_makes_every_older_case_an_application_of_one(world):
    from django.apps import apps

    cases = [make_case(world), make_case(world, community="c")]
    Case.objects.update(application=None)
    Application.objects.all().delete()
    migration.forwards(apps, None)
    for case in cases:
        case.refresh_from_db()
        assert case.application.number == Application.number_for(case.number)
        assert case.application.front_office_id == case.front_office_id
        assert case.application.signatures.get().is_applicant
    assert Case.objects.filter(application__isnull=True).count() == 0
    migration.forwards(apps, None)  # a second run finds nothing left to do
    assert Application.objects.count() == 2


def test_status_is_derived_from_the_cases(world):
    case = make_case(world, Case.Status.SUBMITTED)
    assert case.application.status == Application.Status.SUBMITTED


def test_a_statement_line_shows_the_application_number(world):
    from datetime import date
    from decimal import Decimal
    from types import SimpleNamespace

    from payments.exports import LINE_COLUMNS, line_rows

    case = make_case(world)
    line = SimpleNamespace(
        pk=1,
        case=case,
        case_id=case.pk,
        accepted_on=date(2026, 11, 2),
        kind="accrual",
        amount=Decimal("120.00"),
        period=date(2026, 11, 1),
        reason="",
    )
    header, row = line_rows([line])
    assert header == LINE_COLUMNS and header[-1] == "application_number"
    assert row[1] == case.number and row[-1] == case.application.number


def test_the_transfer_register_shows_the_application_number(world, client):
    from frontoffice import services as front
    from tests.factories import committed, fill_checklist

    case = make_case(world)
    fill_checklist(case, world.clerk_a)
    with committed():
        front.case_submit(case=case, by=world.clerk_a)
    client.force_login(world.clerk_a)
    html = client.get("/front/register/").content.decode()
    assert case.number in html and case.application.number in html
