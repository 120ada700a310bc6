"""Stacks the tests scan themselves: our own cover and separator sheets rendered to images (turned, skewed,
faded, spoiled), between content pages, saved as the multi-page PDF or TIFF a scanner would write."""

import io
import itertools

import img2pdf
import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFilter

from cases.models import Case, DocumentType
from frontoffice.batches import sheets
from frontoffice.batches.services.create import batch_create
from frontoffice.models import ScanBatch
from frontoffice.services import uploaded
from tests import corpus
from tests.factories import committed

DPI = 200
_serial = itertools.count(1)


def render_pdf(content: bytes, page: int = 0, dpi: int = DPI) -> Image.Image:
    pdf = pdfium.PdfDocument(content)
    try:
        return pdf[page].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    finally:
        pdf.close()


def cover(case: Case) -> Image.Image:
    return render_pdf(sheets.cover_sheet_pdf(case=case))


def separator(code: str | None = None) -> Image.Image:
    if code is None:
        return render_pdf(sheets.separator_sheets_pdf(document_types=[], plain=True))
    document_type = DocumentType.objects.get(code=code)
    return render_pdf(sheets.separator_sheets_pdf(document_types=[document_type], plain=False))


def content(label: str = "", size: tuple[int, int] = (1654, 2339)) -> Image.Image:
    """An A4 page at 200 dpi with lines of 'text' and a serial number, different every time."""
    n = next(_serial)
    im = Image.new("L", size, 250)
    draw = ImageDraw.Draw(im)
    draw.text((120, 120), f"{label} page {n}", fill=0, font_size=48)
    for row in range(12):
        y = 260 + row * 120 + (n % 7) * 3
        draw.rectangle((120, y, 120 + 600 + ((n * 37 + row * 91) % 700), y + 18), fill=40)
    return im


def rotated(im: Image.Image, degrees: float) -> Image.Image:
    return im.rotate(degrees, expand=True, fillcolor=250, resample=Image.Resampling.BICUBIC)


def photocopied(im: Image.Image) -> Image.Image:
    """A faint, grey, slightly blurred copy: black becomes mid-grey on a grey page."""
    return im.point(lambda v: 150 + v * 70 // 255).filter(ImageFilter.GaussianBlur(1.2))


def spoiled(im: Image.Image) -> Image.Image:
    """The sheet with its codes smeared beyond any reader (text still there)."""
    out = im.filter(ImageFilter.BoxBlur(14))
    return out


def jpeg(im: Image.Image, quality: int = 80) -> bytes:
    out = io.BytesIO()
    im.save(out, "JPEG", quality=quality, dpi=(DPI, DPI))
    return out.getvalue()


def stack_pdf(images) -> bytes:
    """A scanner's PDF: one JPEG per page at 200 dpi."""
    return img2pdf.convert([jpeg(im) for im in images], layout_fun=img2pdf.get_fixed_dpi_layout_fun((DPI, DPI)))


def stack_tiff(images: list[Image.Image]) -> bytes:
    out = io.BytesIO()
    images[0].save(out, "TIFF", save_all=True, append_images=images[1:], compression="tiff_lzw", dpi=(DPI, DPI))
    return out.getvalue()


def run_batch(front_office, by, files) -> ScanBatch:
    """Accept a stack and run what its commit starts (reading, routing, page processing), as in production."""
    with committed():
        batch = batch_create(front_office=front_office, files=files, by=by)
    batch.refresh_from_db()
    return batch


def route(batch: ScanBatch) -> list[tuple]:
    """Per page: (number, status, case number or '', document type code or None, reason)."""
    rows = []
    for p in batch.pages.select_related("case", "document__document_type").order_by("number"):
        doc_type = p.document.document_type.code if p.document and p.document.document_type else None
        rows.append((p.number, p.status, p.case.number if p.case and p.status == "routed" else "", doc_type, p.reason))
    return rows


def pdf_upload(images: list[Image.Image], name: str = "stack.pdf"):
    return uploaded(stack_pdf(images), name)


def sample(name: str):
    """One of the corpus's stacks standing for the third-party batch samples (tests/corpus.py ``stacks``)."""
    return uploaded(corpus.stack(name), name)
