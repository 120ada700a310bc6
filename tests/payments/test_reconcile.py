"""The treasury round trip: export a month's statements, mark lines paid, re-import; errors per row, all or nothing."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from cases import clock
from payments import exports, selectors
from payments.exceptions import ReconcileRejected
from payments.models import Statement
from payments.services.reconcile import statements_reconcile
from payments.services.statements import statement_approve, statement_confirm, statement_issue_month
from tests import corpus
from tests.payments.conftest import accepted, kyiv

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]  # they read messages' words

MAY = date(2026, 5, 1)
PAY_DAY = kyiv(2026, 6, 12, 10)


@pytest.fixture
def month(world, rate, budget, supervisors):
    """May: A and B approved (A: 2 intakes, B: 1), C only issued. Issued by the accountant, approved by admin."""
    for day, community in ((4, "a"), (5, "a"), (6, "b"), (7, "c")):
        accepted(world, kyiv(2026, 5, day, 12), community=community)
    with clock.travel_to(kyiv(2026, 6, 1, 9)):
        statement_issue_month(period=MAY, by=world.accountant)
    for key in ("a", "b"):
        statement = Statement.objects.get(period=MAY, community=getattr(world, key))
        with clock.travel_to(kyiv(2026, 6, 3, 9)):
            statement_confirm(statement=statement, by=supervisors[key])
            statement_approve(statement=statement, by=world.admin)
    return {key: Statement.objects.get(period=MAY, community=getattr(world, key)) for key in "abc"}


def exported(world, fmt: str) -> bytes:
    rows = exports.statement_rows(selectors.statement_list(user=world.admin, period=MAY))
    return exports.render(rows, fmt, title="2026-05")


def upload(content: bytes, name: str = "statements.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def mark_xlsx(content: bytes, marks: dict[int, dict]) -> bytes:
    """Fill columns of the rows whose statement_id is a key of ``marks``, as an accountant would in Excel."""
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.active
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        values = marks.get(row[0].value)
        for column, value in (values or {}).items():
            row[header.index(column)].value = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def reconcile(by, content: bytes, name: str = "statements.xlsx"):
    with clock.travel_to(PAY_DAY):
        return statements_reconcile(by=by, upload=upload(content, name))


def test_export_lists_the_months_statements_with_control_totals(world, month):
    workbook = load_workbook(io.BytesIO(exported(world, "xlsx")))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert list(rows[0]) == exports.STATEMENT_COLUMNS
    by_id = {row[0]: row for row in rows[1:]}
    assert set(by_id) == {s.pk for s in month.values()}
    a = by_id[month["a"].pk]
    assert (a[1], a[2], a[5], a[6], a[7]) == ("2026-05", world.a.katottg, "approved", 2, 40)
    text = exported(world, "csv").decode("utf-8-sig")
    assert text.splitlines()[0] == ",".join(exports.STATEMENT_COLUMNS)
    assert f"{month['a'].pk},2026-05,{world.a.katottg}," in text and ",40.00," in text


def test_names_never_become_formulas_in_a_spreadsheet(world, month):
    world.a.name = '=HYPERLINK("http://example.com")'
    world.a.save()
    text = exported(world, "csv").decode("utf-8-sig")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text


def test_xlsx_round_trip_pays_the_marked_statements_once(world, month):
    a, b = month["a"], month["b"]
    marked = mark_xlsx(
        exported(world, "xlsx"),
        {
            a.pk: {"reference": "ДКСУ-77001", "paid_on": "2026-06-11"},
            b.pk: {"reference": "ДКСУ-77002", "paid_on": date(2026, 6, 12), "paid_amount": 20},
        },
    )
    result = reconcile(world.admin, marked)
    assert (sorted(result.applied), result.already_paid, result.skipped) == (sorted([a.pk, b.pk]), 0, 1)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, a.payment_reference, a.paid_on, a.paid_amount, a.paid_by) == (
        "paid",
        "ДКСУ-77001",
        date(2026, 6, 11),
        Decimal("40.00"),
        world.admin,
    )
    assert (b.status, b.payment_reference, b.paid_amount) == ("paid", "ДКСУ-77002", Decimal("20.00"))
    again = reconcile(world.admin, marked)  # the same file twice pays nothing twice
    assert (again.applied, again.already_paid) == ([], 2)


def test_csv_round_trip_with_semicolons_and_day_first_dates_as_excel_saves_them(world, month):
    rows = list(csv.reader(io.StringIO(exported(world, "csv").decode("utf-8-sig"))))
    header = rows[0]
    for row in rows[1:]:
        if int(row[0]) == month["a"].pk:
            row[header.index("reference")] = "ДКСУ-1"
            row[header.index("paid_on")] = "11.06.2026"
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(rows)
    result = reconcile(world.admin, buffer.getvalue().encode("utf-8-sig"), "statements.csv")
    assert result.applied == [month["a"].pk]
    assert Statement.objects.get(pk=month["a"].pk).paid_on == date(2026, 6, 11)


def test_a_file_with_bad_rows_applies_nothing_and_names_every_row(world, month):
    a, b, c = month["a"], month["b"], month["c"]
    content = mark_xlsx(
        exported(world, "xlsx"),
        {
            a.pk: {"reference": "OK-1", "paid_on": "2026-06-11"},  # fine on its own
            b.pk: {"reference": "BAD-DATE", "paid_on": "31.02.2026"},
        },
    )
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.active
    sheet.append([999999, "2026-05", world.a.katottg, "", "", "approved", 1, 20, "", "GHOST", "2026-06-11", ""])
    sheet.append([a.pk, "2026-05", world.a.katottg, "", "", "approved", 2, 40, "", "TWICE", "2026-06-11", ""])
    sheet.append([c.pk, "2026-05", world.b.katottg, "", "", "issued", 1, 20, "", "SHIFTED", "2026-06-11", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(ReconcileRejected) as rejected:
        reconcile(world.admin, buffer.getvalue())
    errors = rejected.value.extra["errors"]
    by_column = sorted((e["column"], e["message"][:30]) for e in errors)
    assert by_column == [
        ("community_code", "The row does not match the sta"),
        ("paid_on", "Write the date of payment as Y"),
        ("statement_id", "No such statement."),
        ("statement_id", "This statement appears twice i"),
    ]
    assert all(e["row"] >= 2 for e in errors)
    assert not Statement.objects.filter(status="paid").exists()  # not even row A


def test_amounts_status_and_payment_values_are_checked_per_row(world, month):
    a, b, c = month["a"], month["b"], month["c"]
    content = mark_xlsx(
        exported(world, "xlsx"),
        {
            a.pk: {"reference": "R-1", "paid_on": "2026-06-11", "amount": 400},  # the exported amount was edited
            b.pk: {"reference": "R-2", "paid_on": "2026-06-11", "paid_amount": "19.99"},
            c.pk: {"reference": "R-3", "paid_on": "2026-06-11"},  # issued, not approved
        },
    )
    with pytest.raises(ReconcileRejected) as rejected:
        reconcile(world.admin, content)
    assert sorted(e["column"] for e in rejected.value.extra["errors"]) == ["amount", "paid_amount", "status"]


def test_the_issuer_cannot_record_payments_by_file_either(world, month):
    content = mark_xlsx(exported(world, "xlsx"), {month["a"].pk: {"reference": "R-1", "paid_on": "2026-06-11"}})
    with pytest.raises(ReconcileRejected) as rejected:
        reconcile(world.accountant, content)
    assert rejected.value.extra["errors"][0]["message"].startswith("You issued this statement")
    assert Statement.objects.get(pk=month["a"].pk).status == "approved"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (corpus.zip_archive(), "XLSX"),
        (corpus.scan("simple.png"), "UTF-8"),
        (b"name;amount\nx;1\n", "missing"),
    ],
)
def test_files_that_are_not_the_export_are_refused_whole(world, month, content, message):
    with pytest.raises(ReconcileRejected) as rejected:
        reconcile(world.admin, content, "upload.bin")
    assert message in rejected.value.extra["errors"][0]["message"]
