"""A community's monthly statement as a PDF for signing: control totals, a summary per service, every line (case
number, service, day, amount — no personal data) and places for both sides' signatures."""

from collections import OrderedDict
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.pdfbase import pdfmetrics

from cases.pdf import FONT, FONT_BOLD, MARGIN, PAGE_HEIGHT, PAGE_WIDTH, draw_qr, new_canvas, wrap
from payments.charts import money
from payments.models import Statement

LINE = 14


def fit(text: str, width: float, *, size: float, font: str = FONT) -> str:
    """``text`` cut (with an ellipsis) to fit ``width`` points."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


class _Writer:
    """Top-down text on A4 pages, starting a new page when the space runs out."""

    def __init__(self, canvas, title: str):
        self.canvas, self.title, self.page = canvas, title, 1
        self.y = PAGE_HEIGHT - MARGIN

    def need(self, height: float) -> None:
        if self.y - height < MARGIN + 20:
            self.footer()
            self.canvas.showPage()
            self.page += 1
            self.y = PAGE_HEIGHT - MARGIN

    def footer(self) -> None:
        self.canvas.setFont(FONT, 8)
        self.canvas.drawString(MARGIN, MARGIN - 6, self.title)
        self.canvas.drawRightString(PAGE_WIDTH - MARGIN, MARGIN - 6, _("Page %(n)s") % {"n": self.page})

    def text(self, value: str, *, size: float = 10, bold: bool = False, x: float = MARGIN) -> None:
        font = FONT_BOLD if bold else FONT
        for line in wrap(value, font, size, PAGE_WIDTH - MARGIN - x):
            self.need(size + 4)
            self.canvas.setFont(font, size)
            self.canvas.drawString(x, self.y - size, line)
            self.y -= size + 4

    def row(self, cells: list[tuple[float, str, str]], *, size: float = 9, bold: bool = False) -> None:
        """Cells of (x, alignment "l"/"r", text) on one line."""
        self.need(LINE)
        self.canvas.setFont(FONT_BOLD if bold else FONT, size)
        for x, align, value in cells:
            if align == "r":
                self.canvas.drawRightString(x, self.y - size, value)
            else:
                self.canvas.drawString(x, self.y - size, value)
        self.y -= LINE

    def gap(self, height: float = 8) -> None:
        self.y -= height


def statement_pdf(statement: Statement, lines) -> bytes:
    """``lines``: the statement's ledger lines (``selectors.statement_lines``)."""
    period = f"{statement.period:%m.%Y}"
    title = _("Statement of fees: %(community)s, %(period)s") % {
        "community": statement.community.name,
        "period": period,
    }
    canvas, buffer = new_canvas(title)
    out = _Writer(canvas, title)
    draw_qr(
        canvas,
        f"HROMADA-STATEMENT:{statement.pk}:{statement.period:%Y-%m}:{statement.amount}",
        PAGE_WIDTH - MARGIN - 62,
        PAGE_HEIGHT - MARGIN - 62,
        62,
    )
    out.text(_("Statement of fees owed to a community"), size=14, bold=True)
    out.text(statement.community.name, size=12)
    out.text(_("KATOTTG code: %(code)s") % {"code": statement.community.katottg})
    out.text(_("Month: %(period)s") % {"period": period})
    out.text(_("Status: %(status)s") % {"status": statement.get_status_display()})
    if statement.issued_at:
        issuer = statement.issued_by.get_full_name() if statement.issued_by else _("the month-end job")
        out.text(
            _("Issued on %(date)s by %(who)s")
            % {"date": timezone.localtime(statement.issued_at).strftime("%d.%m.%Y"), "who": issuer}
        )
    out.gap()
    out.text(
        _("Control totals: %(count)s intakes, %(amount)s UAH")
        % {"count": statement.count, "amount": money(statement.amount)},
        size=12,
        bold=True,
    )
    if statement.payment_reference:
        out.text(
            _("Paid on %(date)s, treasury reference %(ref)s, %(amount)s UAH")
            % {
                "date": statement.paid_on.strftime("%d.%m.%Y"),
                "ref": statement.payment_reference,
                "amount": money(statement.paid_amount),
            }
        )
    out.gap()

    per_service: OrderedDict[str, list] = OrderedDict()
    rows = list(lines)
    for line in rows:
        entry = per_service.setdefault(line.case.service_type.name, [0, Decimal(0)])
        entry[0] += 1 if line.kind == "accrual" else -1
        entry[1] += line.amount
    right = PAGE_WIDTH - MARGIN
    out.text(_("By service"), size=11, bold=True)
    out.row([(MARGIN, "l", _("Service")), (right - 110, "r", _("Intakes")), (right, "r", _("Amount, UAH"))], bold=True)
    for name, (count, amount) in per_service.items():
        out.row(
            [
                (MARGIN, "l", fit(name, right - 170 - MARGIN, size=9)),
                (right - 110, "r", str(count)),
                (right, "r", money(amount)),
            ]
        )
    out.gap()
    out.text(_("Lines"), size=11, bold=True)
    out.row(
        [
            (MARGIN, "l", _("Case number")),
            (MARGIN + 162, "l", _("Service")),
            (right - 150, "l", _("Accepted")),
            (right - 80, "l", _("Kind")),
            (right, "r", _("Amount")),
        ],
        bold=True,
    )
    for line in rows:
        out.row(
            [
                (MARGIN, "l", line.case.number),
                (MARGIN + 162, "l", fit(line.case.service_type.name, right - 156 - MARGIN - 162, size=8)),
                (right - 150, "l", line.accepted_on.strftime("%d.%m.%Y")),
                (right - 80, "l", line.get_kind_display()),
                (right, "r", money(line.amount)),
            ],
            size=8,
        )
    out.row(
        [(MARGIN, "l", _("Total")), (right - 150, "l", str(statement.count)), (right, "r", money(statement.amount))],
        bold=True,
    )
    out.gap(24)
    out.need(70)
    out.text(_("For the ministry: ____________________  (signature, name, date)"))
    out.gap(16)
    out.text(_("For the community: ____________________  (signature, name, date)"))
    out.footer()
    canvas.save()
    return buffer.getvalue()
