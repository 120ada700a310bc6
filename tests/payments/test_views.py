"""The ministry's pages and the supervisor's: what each sees, the actions, files, and a constant number of queries."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape

from cases import clock
from payments.models import Accrual, Budget, FeeRate, Statement
from payments.selectors import budget_figures
from tests.payments.conftest import accepted, kyiv

pytestmark = pytest.mark.django_db

MAY = date(2026, 5, 1)
JUNE = kyiv(2026, 6, 10, 12)


@pytest.fixture
def may(world, rate, budget, supervisors):
    cases = [accepted(world, kyiv(2026, 5, day, 12)) for day in (4, 5)]
    cases.append(accepted(world, kyiv(2026, 5, 6, 12), community="b"))
    return {
        "a": Statement.objects.get(period=MAY, community=world.a),
        "b": Statement.objects.get(period=MAY, community=world.b),
        "cases": cases,
    }


def login(client, user):
    client.force_login(user)
    return client


def test_the_accountant_lands_on_last_months_statements_with_totals(world, may, client, django_assert_max_num_queries):
    login(client, world.accountant)
    for day in (7, 8, 9):
        accepted(world, kyiv(2026, 5, day, 12), community="c")
    with clock.travel_to(JUNE), django_assert_max_num_queries(12):
        page = client.get("/payments/")
    html = page.content.decode()
    assert page.status_code == 200
    assert world.a.name in html and world.b.name in html and world.c.name in html
    assert "Сформувати всі 3 відкриті відомості за 05.2026" in html  # Ukrainian, plural forms and all
    assert "<b>120,00</b>" in html  # the month's total
    with clock.travel_to(JUNE):
        partial = client.get("/payments/", {"period": "2026-05", "status": "open"}, headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert b"<html" not in partial.content and b'id="results"' in partial.content


def test_who_reaches_the_fees_pages(world, may, client):
    assert login(client, world.clerk_a).get("/payments/").status_code == 404
    assert client.get(f"/payments/statements/{may['a'].pk}/").status_code == 404
    login(client, world.supervisor_a)
    html = client.get("/payments/").content.decode()
    assert world.a.name in html and world.b.name not in html
    assert client.get(f"/payments/statements/{may['b'].pk}/").status_code == 404
    for url in ("/payments/dashboard/", "/payments/rates/", "/payments/budget/", "/payments/reconcile/"):
        assert client.get(url).status_code == 404, url


def test_the_drill_down_shows_case_number_service_and_day_but_no_person(
    world, may, client, django_assert_max_num_queries
):
    login(client, world.accountant)
    with django_assert_max_num_queries(12):
        page = client.get(f"/payments/statements/{may['a'].pk}/")
    html = page.content.decode()
    case = may["cases"][0]
    assert case.number in html and escape(case.service_type.name) in html and "04.05.2026" in html
    applicant = case.applicant
    for personal in (applicant.last_name, applicant.passport_number, applicant.first_name):
        assert personal not in html


@pytest.mark.usefixtures("english")
def test_issue_confirm_approve_pay_through_the_pages(world, may, client):
    statement = may["a"]
    url = f"/payments/statements/{statement.pk}"
    with clock.travel_to(JUNE):
        login(client, world.accountant)
        assert client.post(f"{url}/issue/").status_code == 302
        login(client, world.supervisor_a)
        assert "Confirm" in client.get(f"{url}/").content.decode()
        client.post(f"{url}/confirm/")
        login(client, world.accountant)
        response = client.post(f"{url}/approve/", {"note": ""}, follow=True)
        assert "Someone other than the person who issued" in response.content.decode()
        login(client, world.admin)
        client.post(f"{url}/approve/", {"note": "ok"})
        bad = client.post(f"{url}/pay/", {"reference": "", "paid_on": "2026-06-10", "amount": "40.00"})
        assert bad.status_code == 400
        client.post(f"{url}/pay/", {"reference": "ДКСУ-9", "paid_on": "2026-06-10", "amount": "40.00"})
    statement.refresh_from_db()
    assert (statement.status, statement.issued_by, statement.approved_by, statement.paid_by) == (
        "paid",
        world.accountant,
        world.admin,
        world.admin,
    )


@pytest.mark.usefixtures("english")
def test_dispute_form_and_over_budget_acknowledgement(world, may, client):
    Budget.objects.filter(year=2026).update(amount=Decimal("10.00"))
    url = f"/payments/statements/{may['a'].pk}"
    with clock.travel_to(JUNE):
        login(client, world.accountant)
        client.post("/payments/statements/issue-month/", {"period": "2026-05"})
        login(client, world.supervisor_a)
        assert client.post(f"{url}/dispute/", {"claimed_count": "", "comment": ""}).status_code == 400
        numbers = f"{may['cases'][0].number}\nNOPE-1"
        client.post(f"{url}/dispute/", {"claimed_count": "3", "comment": "one missing", "contested": numbers})
        login(client, world.admin)
        page = client.get(f"{url}/").content.decode()
        assert "Approving this statement would exceed it." in page and "Counted on this statement" in page
        warned = client.post(f"{url}/approve/", {"note": "settled"}, follow=True).content.decode()
        assert "over the budget" in warned
        assert Statement.objects.get(pk=may["a"].pk).status == "disputed"
        client.post(f"{url}/approve/", {"note": "settled", "acknowledge_over_budget": "on"})
    assert Statement.objects.get(pk=may["a"].pk).approved_over_budget is True


def test_reversal_from_the_drill_down(world, may, client):
    line = may["a"].lines.first()
    login(client, world.accountant)
    with clock.travel_to(kyiv(2026, 5, 20, 12)):
        client.post(f"/payments/accruals/{line.pk}/reverse/", {"reason": "duplicate"})
    assert Accrual.objects.filter(reverses=line, reason="duplicate").exists()
    login(client, world.supervisor_a)
    assert client.post(f"/payments/accruals/{line.pk}/reverse/", {"reason": "x"}).status_code == 404


def test_files_export_lines_and_pdf(world, may, client):
    login(client, world.accountant)
    xlsx = client.get("/payments/statements/export/", {"period": "2026-05", "format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    csv = client.get("/payments/statements/export/", {"period": "2026-05"})
    assert csv.content.decode("utf-8-sig").startswith("statement_id,month,community_code")
    lines = client.get(f"/payments/statements/{may['a'].pk}/lines.csv").content.decode("utf-8-sig")
    assert may["cases"][0].number in lines and may["cases"][0].applicant.last_name not in lines
    pdf = client.get(f"/payments/statements/{may['a'].pk}/statement.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert client.get("/payments/statements/export/", {"period": "bad"}).status_code == 404
    login(client, world.supervisor_a)
    assert client.get(f"/payments/statements/{may['b'].pk}/statement.pdf").status_code == 404


@pytest.mark.usefixtures("english")
def test_reconcile_page_lists_bad_rows(world, may, client):
    login(client, world.admin)
    content = b"statement_id,month,community_code,amount,reference,paid_on\n999,2026-05,UA0,1.00,X,2026-06-01\n"
    response = client.post("/payments/reconcile/", {"file": SimpleUploadedFile("s.csv", content)})
    assert response.status_code == 400
    assert "No such statement." in response.content.decode()


def test_rates_and_budget_pages(world, rate, client):
    login(client, world.accountant)
    assert client.post("/payments/rates/", {"amount": "25", "valid_from": "2026-01-01"}).status_code == 400  # overlap
    client.post(f"/payments/rates/{rate.pk}/end/", {"valid_to": "2026-12-31"})
    assert client.post("/payments/rates/", {"amount": "25", "valid_from": "2027-01-01"}).status_code == 302
    assert FeeRate.objects.count() == 2
    assert "25,00" in client.get("/payments/rates/").content.decode()
    assert client.post("/payments/budget/", {"year": "2027", "amount": "160000000"}).status_code == 302
    assert budget_figures(year=2027)["budget"] == Decimal("160000000.00")


def test_dashboard_draws_its_charts_as_svg(world, may, client, django_assert_max_num_queries):
    make_decided = may["cases"][0]  # decided cases feed the median decision time
    assert make_decided.accepted_at
    login(client, world.accountant)
    with clock.travel_to(JUNE), django_assert_max_num_queries(14):
        page = client.get("/payments/dashboard/", {"year": 2026, "period": "2026-05"})
    html = page.content.decode()
    assert html.count("<svg") == 5
    for chart in (
        "fees-per-month",
        "fees-per-back-office",
        "budget-burn-down",
        "intakes-per-community",
        "median-decision-days",
    ):
        assert f'id="{chart}"' in html
    assert "<script>" not in html and 'style="' not in html
