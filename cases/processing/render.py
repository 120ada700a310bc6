"""A stored original's page as an upright Pillow image: image frames with EXIF orientation, PDF pages rendered by
PDFium (or the scanner's own JPEG when the page is nothing but that)."""

from typing import IO

import pypdfium2 as pdfium
from django.conf import settings
from PIL import Image, ImageOps

from cases.processing.formats import DRAFT_MIN_SHARE, PAGE_LONG, PAGE_SHORT, PDF, PDF_RENDER_DPI, fit


def render_page(f: IO[bytes], content_type: str, index: int) -> Image.Image:
    """Page ``index`` of a stored original as an upright Pillow image (EXIF orientation applied)."""
    if content_type == PDF:
        return render_pdf_page(f, index)
    im = open_frame(f, index)
    return ImageOps.exif_transpose(im)


def open_frame(f: IO[bytes], index: int) -> Image.Image:
    Image.MAX_IMAGE_PIXELS = settings.UPLOAD_MAX_PIXELS
    im = Image.open(f)
    im.seek(index)
    if im.format == "JPEG" and fit(im.size) != im.size:
        # A JPEG larger than the A4 box (a phone photo) is decoded by libjpeg at 1/2, 1/4 or 1/8 scale: the
        # largest reduction that keeps at least DRAFT_MIN_SHARE of the box. Resampling 12 megapixels in Python
        # land would cost four times the decode, for detail a hand-held photo of a page does not have.
        width, height = fit(im.size)
        im.draft(im.mode, (max(1, int(width * DRAFT_MIN_SHARE)), max(1, int(height * DRAFT_MIN_SHARE))))
    im.load()
    return im


def render_pdf_page(f: IO[bytes], index: int) -> Image.Image:
    pdf = pdfium.PdfDocument(f, autoclose=False)
    try:
        page = pdf[index]
        width, height = page.get_size()  # points
        long_side, short_side = max(width, height), min(width, height)
        scale = min(PDF_RENDER_DPI / 72, PAGE_LONG / long_side, PAGE_SHORT / short_side)
        image = page.render(scale=scale, may_draw_forms=True).to_pil()
        page.close()
        return image
    finally:
        pdf.close()


def pdf_page_jpeg(f: IO[bytes], index: int) -> bytes | None:
    """The JPEG a scanner put on this PDF page, when the page is nothing but that one image drawn upright over
    the whole page: then the JPEG *is* the page, and decoding it beats rasterising the page."""
    pdf = pdfium.PdfDocument(f, autoclose=False)
    try:
        page = pdf[index]
        try:
            if page.get_rotation():
                return None
            objects = list(page.get_objects(max_depth=1))
            if len(objects) != 1 or not isinstance(objects[0], pdfium.PdfImage):
                return None
            image = objects[0]
            if image.get_filters() != ["DCTDecode"]:
                return None
            a, b, c, d, _e, _f = image.get_matrix().get()
            width, height = page.get_size()
            if b or c or a < 0.98 * width or d < 0.98 * height:
                return None
            data = bytes(image.get_data(decode_simple=False))
            return data if data.startswith(b"\xff\xd8") else None
        finally:
            page.close()
    except pdfium.PdfiumError:
        return None
    finally:
        pdf.close()
