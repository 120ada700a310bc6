"""Printable sheets for batch scanning (A4 PDFs drawn with the kernel's toolkit in ``cases.pdf``).

A **cover sheet** goes on top of one applicant's papers: the case number as a QR code and a Code 128 barcode,
in large print, and the service's checklist so the clerk can tick off the papers behind it. A **separator
sheet** goes in front of each document: a QR and a Code 128 naming the document type; the plain separator is
the standard PATCH-T sheet (Code 39 ``PATCHT``) that scanners' own software also understands.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from cases import clock
from cases.models import Case, DocumentType
from cases.pdf import (
    FONT,
    FONT_BOLD,
    MARGIN,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    draw_code39,
    draw_code128,
    draw_qr,
    new_canvas,
    wrap,
)
from frontoffice.batches import codes

QR_SIZE = 58 * mm
BAR_WIDTH = 0.4 * mm  # two pixels a bar even when read back at 150 dpi
BAND = 14 * mm


def _band(canvas: Canvas, title: str) -> None:
    """A black band across the top: a sheet is told from a document at a glance in the stack."""
    canvas.setFillGray(0)
    canvas.rect(0, PAGE_HEIGHT - BAND, PAGE_WIDTH, BAND, stroke=0, fill=1)
    canvas.setFillGray(1)
    canvas.setFont(FONT_BOLD, 16)
    canvas.drawString(MARGIN, PAGE_HEIGHT - BAND + 4.5 * mm, title)
    canvas.setFillGray(0)


def _lines(canvas: Canvas, text: str, x: float, y: float, *, size: float, width: float, bold: bool = False) -> float:
    font = FONT_BOLD if bold else FONT
    canvas.setFont(font, size)
    for line in wrap(text, font, size, width):
        canvas.drawString(x, y, line)
        y -= size * 1.3
    return y


def _footer(canvas: Canvas, text: str) -> None:
    canvas.setFont(FONT, 8)
    canvas.setFillGray(0.35)
    for i, line in enumerate(wrap(text, FONT, 8, PAGE_WIDTH - 2 * MARGIN)):
        canvas.drawString(MARGIN, 12 * mm - i * 10, line)
    canvas.setFillGray(0)


def cover_sheet_pdf(*, case: Case, printed_by=None) -> bytes:
    """One A4 page for ``case`` (load it with applicant, service, front office; the checklist is read here)."""
    canvas, buffer = new_canvas(_("Cover sheet %(number)s") % {"number": case.number})
    draw_cover_sheet(canvas, case=case, printed_by=printed_by)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def draw_cover_sheet(canvas: Canvas, *, case: Case, printed_by=None) -> None:
    payload = codes.cover_payload(case.number)
    width = PAGE_WIDTH - 2 * MARGIN
    _band(canvas, _("COVER SHEET · scanned documents of one case"))

    top = PAGE_HEIGHT - BAND - 9 * mm
    canvas.setFont(FONT, 10)
    canvas.drawString(MARGIN, top, _("Case number"))
    size = 24.0
    while size > 12 and pdfmetrics.stringWidth(case.number, FONT_BOLD, size) > width:
        size -= 1
    canvas.setFont(FONT_BOLD, size)
    canvas.drawString(MARGIN, top - 11 * mm, case.number)

    top -= 16 * mm
    draw_qr(canvas, payload, MARGIN - 3 * mm, top - QR_SIZE, QR_SIZE)
    x = MARGIN + QR_SIZE + 4 * mm
    text_width = PAGE_WIDTH - MARGIN - x
    details = [
        (_("Applicant"), case.applicant.full_name),
        (_("Service"), case.service_type.name),
        (_("Front office"), case.front_office.name),
        (_("Opened"), timezone.localtime(case.created_at).strftime("%d.%m.%Y")),
    ]
    y = top - 8 * mm
    for label, value in details:
        canvas.setFont(FONT, 8.5)
        canvas.setFillGray(0.35)
        canvas.drawString(x, y, label)
        canvas.setFillGray(0)
        y = _lines(canvas, value, x, y - 12, size=11, width=text_width)
        y -= 2 * mm

    bar_y = min(top - QR_SIZE, y) - 22 * mm
    draw_code128(canvas, payload, MARGIN, bar_y, height=16 * mm, width=BAR_WIDTH)
    canvas.setFont(FONT, 9)
    canvas.drawString(MARGIN, bar_y - 5 * mm, payload)

    y = bar_y - 15 * mm
    canvas.setFont(FONT_BOLD, 12)
    canvas.drawString(MARGIN, y, _("Checklist: put the papers behind this sheet in this order"))
    y -= 8 * mm
    items = case.service_type.checklist.prefetch_related("document_types")
    for n, item in enumerate(items, start=1):
        canvas.rect(MARGIN, y - 1 * mm, 4 * mm, 4 * mm, stroke=1, fill=0)
        note = _("required") if item.required else _("if applicable")
        if item.min_pages > 1:
            note += ", " + _("at least %(pages)d pages") % {"pages": item.min_pages}
        y = _lines(canvas, f"{n}. {item.title} ({note})", MARGIN + 7 * mm, y, size=10, width=width - 7 * mm)
        y -= 2 * mm
        if y < 40 * mm:
            break

    y = min(y, 44 * mm)
    _lines(
        canvas,
        _(
            "Scan this sheet first, then the applicant's papers. Put a separator sheet in front of each document "
            "to have it typed; without separators the papers become one document for the clerk to sort. "
            "The next cover sheet starts the next case. Sheets are not kept in the case."
        ),
        MARGIN,
        y - 6 * mm,
        size=9,
        width=width,
    )
    printed = timezone.localtime(clock.now()).strftime("%d.%m.%Y %H:%M")
    by = (printed_by.get_full_name() or printed_by.get_username()) if printed_by else ""
    _footer(canvas, _("Hromada Intake · printed %(when)s %(by)s") % {"when": printed, "by": by})


def separator_sheets_pdf(*, document_types: list[DocumentType], plain: bool = True) -> bytes:
    """One A4 page per document type (and first the plain PATCH-T separator when ``plain``)."""
    canvas, buffer = new_canvas(_("Separator sheets"))
    if plain:
        draw_plain_separator(canvas)
        canvas.showPage()
    for document_type in document_types:
        draw_separator(canvas, document_type=document_type)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def draw_separator(canvas: Canvas, *, document_type: DocumentType) -> None:
    payload = codes.separator_payload(document_type.code)
    width = PAGE_WIDTH - 2 * MARGIN
    _band(canvas, _("DOCUMENT SEPARATOR"))
    y = PAGE_HEIGHT - BAND - 20 * mm
    canvas.setFont(FONT, 11)
    canvas.drawString(MARGIN, y, _("The pages after this sheet are one document of the type:"))
    y = _lines(canvas, document_type.name, MARGIN, y - 14 * mm, size=24, width=width, bold=True)
    qr_y = y - 10 * mm - QR_SIZE
    draw_qr(canvas, payload, (PAGE_WIDTH - QR_SIZE) / 2, qr_y, QR_SIZE)
    bar_y = qr_y - 30 * mm
    draw_code128(canvas, payload, MARGIN, bar_y, height=18 * mm, width=BAR_WIDTH)
    canvas.setFont(FONT, 9)
    canvas.drawString(MARGIN, bar_y - 5 * mm, payload)
    _lines(
        canvas,
        _("Reusable: keep it with the scanner. The sheet itself is not kept in the case."),
        MARGIN,
        bar_y - 16 * mm,
        size=10,
        width=width,
    )
    _footer(canvas, _("Hromada Intake · document separator · %(code)s") % {"code": document_type.code})


def draw_plain_separator(canvas: Canvas) -> None:
    """The PATCH-T sheet: Code 39 ``PATCHT`` (and the same in a QR code for readers that miss the bars)."""
    width = PAGE_WIDTH - 2 * MARGIN
    _band(canvas, _("DOCUMENT SEPARATOR · PATCH T"))
    y = PAGE_HEIGHT - BAND - 20 * mm
    y = _lines(
        canvas,
        _("New document, type not named: the clerk labels it after the scan."),
        MARGIN,
        y,
        size=16,
        width=width,
        bold=True,
    )
    bar_y = y - 40 * mm
    draw_code39(canvas, codes.PATCH_T, MARGIN, bar_y, height=30 * mm, width=0.6 * mm)
    draw_qr(canvas, codes.PATCH_T, (PAGE_WIDTH - 40 * mm) / 2, bar_y - 60 * mm, 40 * mm)
    _footer(canvas, _("Hromada Intake · PATCH T separator"))
