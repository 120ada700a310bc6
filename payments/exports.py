"""Files for the treasury round trip: a period's statements (and a statement's lines) as CSV or XLSX, and reading
the marked-up file back. Building and parsing only; applying a file is ``services.statements_reconcile``.

The statements file has one row per statement. The accountant fills ``reference``, ``paid_on`` and (optionally)
``paid_amount`` for the statements the treasury paid and uploads the file again; the other columns identify the
statement and are checked against it, so a sorted, filtered or edited sheet can never pay the wrong community.
"""

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils.exceptions import InvalidFileException

from cases.models import Case
from payments.exceptions import ReconcileRejected

STATEMENT_COLUMNS = [
    "statement_id",
    "month",
    "community_code",
    "community",
    "back_office",
    "status",
    "intakes",
    "amount",
    "approved_on",
    "reference",
    "paid_on",
    "paid_amount",
]
REQUIRED_COLUMNS = {"statement_id", "month", "community_code", "amount", "reference", "paid_on"}
LINE_COLUMNS = [
    "line_id",
    "case_number",
    "service",
    "accepted_on",
    "kind",
    "amount",
    "month",
    "reason",
    "application_number",  # the visit the case was asked for in (issue 13); last, so older readers keep working
]
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX}


def _text(value: str) -> str:
    """A name or a reason as a spreadsheet shows it: never as a formula (a leading ``=``, ``+``, ``-`` or ``@``)."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@") else value


def _day(value) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def statement_rows(statements) -> list[list]:
    """The header and one row per statement (money as Decimal: CSV writes ``1234.50``, XLSX a number)."""
    rows = [list(STATEMENT_COLUMNS)]
    for s in statements:
        rows.append(
            [
                s.pk,
                f"{s.period:%Y-%m}",
                s.community.katottg,
                _text(s.community.name),
                _text(s.community.back_office.name),
                s.status,
                s.count,
                s.amount,
                _day(s.approved_at and s.approved_at.date()),
                s.payment_reference,
                _day(s.paid_on),
                s.paid_amount if s.paid_amount is not None else "",
            ]
        )
    return rows


def line_rows(lines) -> list[list]:
    lines = list(lines)
    applications = dict(
        Case.objects.filter(pk__in={line.case_id for line in lines}).values_list("pk", "application__number")
    )
    rows = [list(LINE_COLUMNS)]
    for line in lines:
        rows.append(
            [
                line.pk,
                line.case.number,
                _text(line.case.service_type.name),
                _day(line.accepted_on),
                line.kind,
                line.amount,
                f"{line.period:%Y-%m}",
                _text(line.reason),
                applications.get(line.case_id) or "",
            ]
        )
    return rows


def to_csv(rows: list[list]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens Cyrillic names correctly; comma-separated."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(rows: list[list], *, title: str, money_columns: tuple[str, ...] = ("amount", "paid_amount")) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    for row in rows:
        sheet.append(row)
    header = rows[0]
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, name in enumerate(header, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        width = max(len(str(name)), *(len(str(r[index - 1])) for r in rows[1:]), 8) if len(rows) > 1 else 12
        sheet.column_dimensions[letter].width = min(width + 2, 60)
        if name in money_columns:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = "0.00"
        if name in ("reference", "paid_on", "community_code", "month"):
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = "@"  # text: Excel must not turn a code or a date string into a number
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def render(rows: list[list], fmt: str, *, title: str) -> bytes:
    return to_xlsx(rows, title=title) if fmt == "xlsx" else to_csv(rows)


# --- reading a file back --------------------------------------------------------------------------------------------


@dataclass
class Row:
    number: int  # the spreadsheet's row number (the header is row 1)
    values: dict = field(default_factory=dict)

    def text(self, column: str) -> str:
        value = self.values.get(column)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()


def _reject(message) -> ReconcileRejected:
    return ReconcileRejected(errors=[{"row": 0, "column": "", "message": str(message)}])


def read_rows(upload) -> list[Row]:
    """The rows of an uploaded CSV or XLSX (type decided by content, not name); ``ReconcileRejected`` for a file
    that cannot be read at all."""
    if upload is None:
        raise _reject(_("Choose the file to upload."))
    if getattr(upload, "size", 0) and upload.size > MAX_UPLOAD_BYTES:
        raise _reject(_("The file is too large (5 MB at most)."))
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise _reject(_("The file is too large (5 MB at most)."))
    if not data.strip():
        raise _reject(_("The file is empty."))
    table = _xlsx_table(data) if data[:4] == b"PK\x03\x04" else _csv_table(data)
    if not table:
        raise _reject(_("The file is empty."))
    header = [str(h or "").strip().lower() for h in table[0]]
    missing = sorted(REQUIRED_COLUMNS - set(header))
    if missing:
        raise _reject(
            _t("These columns are missing: %(columns)s. Upload the file as exported.") % {"columns": ", ".join(missing)}
        )
    if len(table) - 1 > MAX_ROWS:
        raise _reject(_("The file has too many rows."))
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        if not any(c not in (None, "") and str(c).strip() for c in cells):
            continue
        rows.append(Row(number, {name: cells[i] if i < len(cells) else None for i, name in enumerate(header) if name}))
    return rows


def _csv_table(data: bytes) -> list[list]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _reject(_("The file is neither an XLSX workbook nor a UTF-8 CSV file.")) from None
    if "\x00" in text:
        raise _reject(_("The file is neither an XLSX workbook nor a UTF-8 CSV file."))
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)  # Excel in a Ukrainian locale saves CSV with semicolons
    return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _xlsx_table(data: bytes) -> list[list]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(i.file_size for i in archive.infolist()) > 20 * MAX_UPLOAD_BYTES:
                raise _reject(_("The workbook is too large when unpacked."))
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ReconcileRejected:
        raise
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError):
        raise _reject(_("The file is not a readable XLSX workbook.")) from None
    try:
        sheet = workbook.worksheets[0]
        table = []
        for row in sheet.iter_rows(values_only=True):
            table.append(list(row))
            if len(table) > MAX_ROWS + 1:
                break
        return table
    finally:
        workbook.close()


def parse_day(value) -> date | None:
    """A date from a cell: a real date, ``YYYY-MM-DD`` or ``DD.MM.YYYY``; None if it is none of them."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def filename(prefix: str, period: date, fmt: str) -> str:
    return f"{prefix}-{period:%Y-%m}.{fmt}"
