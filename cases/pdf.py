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
