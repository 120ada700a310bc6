"""Printable documents (receipts, notices, cover sheets, statements) share one look: reportlab with DejaVu Sans,
which covers Ukrainian and Russian and ships with the code (cases/fonts/, its licence beside it), so a laptop
with no fonts installed prints the same PDF as production."""

import io
from functools import cache
from pathlib import Path

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode import code39, code128, qr
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONTS = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm


@cache
def register_fonts() -> None:
    pdfmetrics.registerFont(TTFont(FONT, str(FONTS / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(FONTS / "DejaVuSans-Bold.ttf")))


def new_canvas(title: str) -> tuple[Canvas, io.BytesIO]:
    """An A4 canvas with our fonts registered; call ``canvas.save()`` and read the buffer."""
    register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(title)
    canvas.setAuthor("Hromada Intake")
    canvas.setFont(FONT, 11)
    return canvas, buffer


def draw_qr(canvas: Canvas, value: str, x: float, y: float, size: float) -> None:
    """A QR code of ``value`` with its lower-left corner at (x, y)."""
    widget = qr.QrCodeWidget(value, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, x, y)


def draw_code128(canvas: Canvas, value: str, x: float, y: float, *, height: float = 15 * mm, width: float = 0.38 * mm):
    code128.Code128(value, barHeight=height, barWidth=width, humanReadable=False).drawOn(canvas, x, y)


def draw_code39(canvas: Canvas, value: str, x: float, y: float, *, height: float = 15 * mm, width: float = 0.5 * mm):
    code39.Standard39(value, barHeight=height, barWidth=width, checksum=0, stop=1, humanReadable=False).drawOn(
        canvas, x, y
    )


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Split ``text`` into lines no wider than ``width`` points."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}".strip()
            if pdfmetrics.stringWidth(candidate, font, size) <= width or not line:
                line = candidate
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


class Writer:
    """A cursor down an A4 page that starts a new page when it runs out of room (shared by every printout)."""

    LINE = 6 * mm

    def __init__(self, title: str):
        self.canvas, self.buffer = new_canvas(title)
        self.y = PAGE_HEIGHT - MARGIN

    def need(self, height: float) -> None:
        if self.y - height < MARGIN:
            self.canvas.showPage()
            self.y = PAGE_HEIGHT - MARGIN

    def text(self, text: str, *, size: float = 11, bold: bool = False, indent: float = 0, gap: float = 1.0) -> None:
        font = FONT_BOLD if bold else FONT
        for line in wrap(text, font, size, PAGE_WIDTH - 2 * MARGIN - indent):
            self.need(self.LINE)
            self.canvas.setFont(font, size)
            self.canvas.drawString(MARGIN + indent, self.y - size, line)
            self.y -= size * 1.35 * gap
        self.y -= 2

    def pair(self, label: str, value: str) -> None:
        self.need(self.LINE)
        self.canvas.setFont(FONT, 10)
        self.canvas.drawString(MARGIN, self.y - 10, label)
        for line in wrap(value or "—", FONT_BOLD, 11, PAGE_WIDTH - 2 * MARGIN - 55 * mm):
            self.need(self.LINE)
            self.canvas.setFont(FONT_BOLD, 11)
            self.canvas.drawString(MARGIN + 55 * mm, self.y - 11, line)
            self.y -= 15
        self.y -= 2

    def rule(self) -> None:
        self.need(4 * mm)
        self.canvas.setLineWidth(0.5)
        self.canvas.line(MARGIN, self.y - 2 * mm, PAGE_WIDTH - MARGIN, self.y - 2 * mm)
        self.y -= 4 * mm

    def done(self) -> bytes:
        self.canvas.save()
        return self.buffer.getvalue()


def _amount_text(amount) -> str:
    """50000.00 → "50 000.00" (the notice's way of writing hryvnias)."""
    from decimal import Decimal

    return f"{Decimal(str(amount)).quantize(Decimal('0.01')):,.2f}".replace(",", " ")


def decision_notice_pdf(case) -> bytes:
    """The notice of a decision — the one writer, whether the front office prints it or the applicant downloads it
    from the status page: the decision, its grounds and reasons, and how it was reached (each condition of the rules
    with its legal reference, the amount step by step), as the case's timeline records it (``cases.explanation``,
    the same reading as the API's ``decision``). ``case`` with applicant, service, back office, refusal grounds."""
    from django.utils import timezone
    from django.utils.translation import get_language
    from django.utils.translation import gettext as _

    from cases.explanation import decision_explained

    words = {
        "granted": _("to grant the assistance"),
        "refused": _("to refuse the assistance"),
    }
    w = Writer(_("Decision notice %(number)s") % {"number": case.number})
    w.text(_("Notice of decision"), size=16, bold=True)
    w.text(case.back_office.name, size=11)
    w.rule()
    w.pair(_("Case number"), case.number)
    w.pair(_("Applicant"), case.applicant.full_name)
    w.pair(_("Service"), case.service_type.name)
    w.pair(_("Decided"), timezone.localtime(case.decided_at).strftime("%d.%m.%Y %H:%M") if case.decided_at else "—")
    w.pair(_("Decision"), words.get(case.decision) or case.get_decision_display())
    grounds = list(case.refusal_grounds.all())
    if grounds:
        w.text(_("Legal grounds"), size=12, bold=True)
        for ground in grounds:
            w.text(f"• {ground.text}", indent=4 * mm)
    if case.decision_reason:
        w.text(_("Reasons"), size=12, bold=True)
        w.text(case.decision_reason, indent=4 * mm)
    explained = decision_explained(case, (get_language() or "uk")[:2])
    if explained is not None and explained["explanation"]:
        w.text(
            _("How the decision was reached (rules %(version)s)") % {"version": explained["rules_version"] or "—"},
            size=12,
            bold=True,
        )
        marks = {"pass": "✓", "fail": "✗", "unknown": "?"}
        for line in explained["explanation"]:
            w.text(f"{marks.get(line['result'], '?')} {line['text']}", indent=4 * mm, size=10)
            if line["reference"]:
                w.text(line["reference"], indent=8 * mm, size=8)
        for step in explained["steps"]:
            w.text(f"{step['text']}: {step['value']}", indent=4 * mm, size=10)
        if explained["amount"] is not None:
            w.pair(_("Amount, UAH"), _amount_text(explained["amount"]))
    if case.service_type.legal_basis:
        w.text(_("Legal basis: %(basis)s") % {"basis": case.service_type.legal_basis}, size=9)
    w.rule()
    w.text(_("A decision may be appealed to a higher authority or to a court within the time the law allows."), size=9)
    w.y -= 10 * mm
    w.text(_("Received by the applicant: ____________________   date: ____________"), size=10)
    return w.done()
