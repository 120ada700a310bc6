"""The fees API contract: fee rates, accruals, statements with their actions, export and reconciliation."""

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook
from rest_framework.test import APIClient

from cases import clock, selectors
from cases.models import Page
from payments.models import Statement
from payments.services.budget import budget_set
from payments.services.statements import statement_approve, statement_confirm, statement_issue_month
from tests.factories import S, make_case
from tests.payments.conftest import accepted, kyiv

pytestmark = pytest.mark.django_db

MAY = date(2026, 5, 1)
JUNE = kyiv(2026, 6, 10, 12)


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def may(world, rate, supervisors):
    """May: community A two intakes (one of service "funeral"), B one; nothing issued yet."""
    accepted(world, kyiv(2026, 5, 4, 12))
    accepted(world, kyiv(2026, 5, 5, 12), service=world.quick_service)
    accepted(world, kyiv(2026, 5, 6, 12), community="b")
    return {key: Statement.objects.get(period=MAY, community=getattr(world, key)) for key in "ab"}


# --- fee rates ------------------------------------------------------------------------------------------------------


def test_fee_rates_list_and_create_with_money_as_strings(world, rate):
    api = client_for(world.accountant)
    listed = api.get("/api/v1/fee-rates/").json()
    assert listed["results"] == [
        {
            "id": rate.pk,
            "amount": "20.00",
            "currency": "UAH",
            "service_type": None,
            "valid_from": "2025-01-01",
            "valid_to": None,
            "created_at": listed["results"][0]["created_at"],
        }
    ]
    created = api.post(
        "/api/v1/fee-rates/",
        {"amount": "35.50", "service_type": world.quick_service.code, "valid_from": "2027-01-01"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert (created.json()["amount"], created.json()["service_type"]) == ("35.50", "funeral")
    overlapping = api.post("/api/v1/fee-rates/", {"amount": "22", "valid_from": "2026-01-01"}, format="json")
    assert (overlapping.status_code, overlapping.json()["code"]) == (409, "fee_rate_overlap")
    unknown = api.post("/api/v1/fee-rates/", {"amount": "22", "service_type": "no-such", "valid_from": "2031-01-01"})
    assert (unknown.status_code, unknown.json()["code"]) == (415, "unsupported_media_type")  # JSON only
    unknown = api.post(
        "/api/v1/fee-rates/", {"amount": "22", "service_type": "no-such", "valid_from": "2031-01-01"}, format="json"
    )
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")
    zero = api.post("/api/v1/fee-rates/", {"amount": "0.00", "valid_from": "2031-01-01"}, format="json")
    assert zero.status_code == 400 and "amount" in zero.json()
    ended = api.post(f"/api/v1/fee-rates/{rate.pk}/end/", {"valid_to": "2026-12-31"}, format="json")
    assert (ended.status_code, ended.json()["valid_to"]) == (200, "2026-12-31")
    assert (
        api.post("/api/v1/fee-rates/", {"amount": "22", "valid_from": "2027-01-01"}, format="json").status_code == 201
    )


def test_fee_rate_writes_are_for_the_ministry_and_the_api_for_payments_users(world, rate):
    refused = client_for(world.supervisor_a).post(
        "/api/v1/fee-rates/", {"amount": "9", "valid_from": "2030-01-01"}, format="json"
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "not_permitted")
    assert client_for(world.clerk_a).get("/api/v1/fee-rates/").status_code == 403
    assert client_for(world.head).get("/api/v1/statements/").status_code == 403
    assert APIClient().get("/api/v1/accruals/").status_code in (401, 403)


# --- accruals -------------------------------------------------------------------------------------------------------


def test_accruals_have_the_contract_fields_and_filters(world, may):
    api = client_for(world.accountant)
    body = api.get("/api/v1/accruals/", {"period": "2026-05", "community": world.a.katottg}).json()
    assert body["count"] == 2
    item = body["results"][0]
    assert set(item) >= {"id", "case", "community", "amount", "period", "kind", "created_at"}
    assert (item["community"], item["amount"], item["period"], item["kind"]) == (
        world.a.pk,
        "20.00",
        "2026-05",
        "accrual",
    )
    assert not {"applicant", "rnokpp", "last_name", "first_name", "birth_date"} & set(item)
    case_id, number = item["case"], item["case_number"]
    assert api.get("/api/v1/accruals/", {"case": case_id}).json()["count"] == 1
    assert api.get("/api/v1/accruals/", {"case": number}).json()["count"] == 1
    assert api.get("/api/v1/accruals/", {"community": world.b.pk}).json()["count"] == 1
    assert api.get("/api/v1/accruals/", {"period": "2026-06"}).json()["count"] == 0
    bad = api.get("/api/v1/accruals/", {"period": "May"})
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_input")


def test_a_supervisor_sees_only_their_communitys_ledger_and_statements(world, may, supervisors):
    api = client_for(world.supervisor_a)
    assert {a["community"] for a in api.get("/api/v1/accruals/").json()["results"]} == {world.a.pk}
    assert [s["id"] for s in api.get("/api/v1/statements/").json()["results"]] == [may["a"].pk]
    assert api.get(f"/api/v1/statements/{may['b'].pk}/").status_code == 404
    b_line = may["b"].lines.get()
    assert api.get(f"/api/v1/accruals/{b_line.pk}/").status_code == 404


def test_reversal_through_the_api(world, may):
    line = may["a"].lines.first()
    api = client_for(world.accountant)
    with clock.travel_to(kyiv(2026, 5, 20, 12)):
        missing = api.post(f"/api/v1/accruals/{line.pk}/reverse/", {}, format="json")
        done = api.post(f"/api/v1/accruals/{line.pk}/reverse/", {"reason": "duplicate"}, format="json")
        again = api.post(f"/api/v1/accruals/{line.pk}/reverse/", {"reason": "again"}, format="json")
    assert missing.status_code == 400
    assert (done.status_code, done.json()["kind"], done.json()["amount"], done.json()["reverses"]) == (
        201,
        "reversal",
        "-20.00",
        line.pk,
    )
    assert (again.status_code, again.json()["code"]) == (409, "transition_not_allowed")


# --- statements -----------------------------------------------------------------------------------------------------


def test_statement_lifecycle_through_the_api(world, may, budget):
    accountant, admin, supervisor = (client_for(u) for u in (world.accountant, world.admin, world.supervisor_a))
    url = f"/api/v1/statements/{may['a'].pk}"
    with clock.travel_to(kyiv(2026, 5, 31, 12)):
        early = accountant.post(f"{url}/issue/")
    assert (early.status_code, early.json()["code"]) == (409, "month_not_ended")
    with clock.travel_to(JUNE):
        issued = accountant.post(f"{url}/issue/").json()
        assert (issued["status"], issued["count"], issued["amount"], issued["period"]) == (
            "issued",
            2,
            "40.00",
            "2026-05",
        )
        assert issued["issued_by_job"] is False
        disputed = supervisor.post(
            f"{url}/dispute/", {"claimed_count": 3, "comment": "one more", "contested": ["NO-SUCH"]}, format="json"
        ).json()
        assert (disputed["status"], disputed["claimed_count"], disputed["contested"]) == (
            "disputed",
            3,
            [{"case_number": "NO-SUCH", "finding": "not_found", "counted_on": None}],
        )
        own = accountant.post(f"{url}/approve/", {"note": "checked"}, format="json")
        assert (own.status_code, own.json()["code"]) == (409, "separation_of_duties")
        approved = admin.post(f"{url}/approve/", {"note": "checked"}, format="json").json()
        assert approved["status"] == "approved" and approved["actions"] == ["pay"]
        wrong = admin.post(
            f"{url}/pay/", {"reference": "T-1", "paid_on": "2026-06-10", "amount": "39.00"}, format="json"
        )
        assert (wrong.status_code, wrong.json()["code"]) == (400, "payment_mismatch")
        paid = admin.post(
            f"{url}/pay/", {"reference": "T-1", "paid_on": "2026-06-10", "amount": "40.00"}, format="json"
        )
    assert paid.status_code == 200
    assert (paid.json()["status"], paid.json()["paid_amount"], paid.json()["payment_reference"]) == (
        "paid",
        "40.00",
        "T-1",
    )


def test_confirm_is_for_the_supervisor_and_approval_warns_over_budget(world, may):
    budget_set(year=2026, amount="10", by=world.admin)
    url = f"/api/v1/statements/{may['a'].pk}"
    with clock.travel_to(JUNE):
        client_for(world.accountant).post(f"{url}/issue/")
        assert client_for(world.admin).post(f"{url}/confirm/").json()["code"] == "not_permitted"
        assert client_for(world.supervisor_a).post(f"{url}/confirm/").json()["status"] == "confirmed"
        warned = client_for(world.admin).post(f"{url}/approve/", {}, format="json")
        assert (warned.status_code, warned.json()["code"]) == (409, "budget_exceeded")
        approved = client_for(world.admin).post(f"{url}/approve/", {"acknowledge_over_budget": True}, format="json")
    assert (approved.json()["status"], approved.json()["approved_over_budget"]) == ("approved", True)


def test_statement_list_filters_and_a_constant_number_of_queries(world, may, django_assert_max_num_queries):
    api = client_for(world.accountant)
    assert api.get("/api/v1/statements/", {"period": "2026-05"}).json()["count"] == 2
    assert api.get("/api/v1/statements/", {"community": world.b.katottg}).json()["count"] == 1
    assert api.get("/api/v1/statements/", {"status": "open"}).json()["count"] == 2
    assert api.get("/api/v1/statements/", {"status": "paid"}).json()["count"] == 0
    assert api.get("/api/v1/statements/", {"status": "nonsense"}).status_code == 400
    for _ in range(3):
        accepted(world, kyiv(2026, 4, 4, 12), community="c")
    with django_assert_max_num_queries(6):
        assert api.get("/api/v1/statements/").json()["count"] == 3


def test_export_csv_and_xlsx_and_reconcile_through_the_api(world, may, budget, supervisors):
    with clock.travel_to(JUNE):
        statement_issue_month(period=MAY)  # by the month-end job: one accountant may do the rest
        for key in "ab":
            statement_confirm(statement=may[key], by=supervisors[key])
            statement_approve(statement=may[key], by=world.accountant)
    api = client_for(world.accountant)
    csv_response = api.get("/api/v1/statements/export/", {"period": "2026-05", "format": "csv"})
    assert csv_response.status_code == 200
    assert csv_response["Content-Type"].startswith("text/csv")
    assert 'filename="statements-2026-05.csv"' in csv_response["Content-Disposition"]
    assert csv_response.content.decode("utf-8-sig").count("\n") == 3
    xlsx = api.get("/api/v1/statements/export/", {"period": "2026-05", "format": "xlsx"})
    assert xlsx["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert api.get("/api/v1/statements/export/", {"period": "2026-05", "format": "pdf"}).status_code == 400
    assert api.get("/api/v1/statements/export/").status_code == 400

    workbook = load_workbook(io.BytesIO(xlsx.content))
    sheet = workbook.active
    header = [c.value for c in sheet[1]]
    sheet.cell(row=2, column=header.index("reference") + 1, value="ДКСУ-5")
    sheet.cell(row=2, column=header.index("paid_on") + 1, value="2026-06-10")
    buffer = io.BytesIO()
    workbook.save(buffer)
    with clock.travel_to(JUNE):
        result = api.post(
            "/api/v1/statements/reconcile/",
            {"file": SimpleUploadedFile("s.xlsx", buffer.getvalue())},
            format="multipart",
        )
        assert result.status_code == 200, result.json()
        assert (len(result.json()["applied"]), result.json()["skipped"]) == (1, 1)
        bad = api.post(
            "/api/v1/statements/reconcile/", {"file": SimpleUploadedFile("s.csv", b"x,y\n1,2\n")}, format="multipart"
        )
    assert (bad.status_code, bad.json()["code"]) == (400, "reconcile_rejected")
    assert bad.json()["errors"][0]["row"] == 0
    assert client_for(world.supervisor_a).post("/api/v1/statements/reconcile/", {}).json()["code"] == "not_permitted"


def test_budgets_through_the_api(world, may):
    api = client_for(world.admin)
    assert api.post("/api/v1/budgets/", {"year": 2026, "amount": "150000000.00"}, format="json").json() == {
        "year": 2026,
        "amount": "150000000.00",
        "accrued": "60.00",
        "approved": "0.00",
        "paid": "0.00",
        "remaining": "150000000.00",
    }
    assert api.get("/api/v1/budgets/").json()[0]["year"] == 2026
    assert api.post("/api/v1/budgets/", {"year": 2026, "amount": None}, format="json").status_code == 400
    assert api.post("/api/v1/budgets/", {"year": 2026, "amount": "1.00"}).status_code == 415  # JSON only


# --- the ministry never sees a person -------------------------------------------------------------------------------


def test_ministry_users_get_404_on_cases_applicants_and_documents(world, rate, client):
    case = make_case(world, S.IN_REVIEW)
    page = Page.objects.filter(document__case=case).first()
    for user in (world.accountant, world.admin):
        assert not selectors.case_list(user=user).exists()
        assert not selectors.applicant_visible(user=user).exists()
        client.force_login(user)
        for url in (
            f"/files/pages/{page.pk}/image/",
            f"/files/pages/{page.pk}/thumbnail/",
            f"/files/originals/{page.source_id}/",
            f"/files/cases/{case.pk}/package.pdf",
        ):
            assert client.get(url).status_code == 404, url
