"""Scanned stacks, one page at a time: check a stack before it is accepted, render each page small enough to read
its barcodes, read them robustly, and cut a run of pages out into a file of its own for a case.

No database here. Memory stays bounded by one page: a PDF is rendered page by page by PDFium from a file on disk,
a TIFF is decoded frame by frame, and files for cases are written page by page.
"""

import io
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import zxingcpp
from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, ImageStat, TiffImagePlugin

from cases.exceptions import FileRejected
from cases.processing.formats import PDF
from cases.processing.inspection import check_envelope, sha256_of
from frontoffice.batches import codes

CHUNK = 1024 * 1024
A4_LONG_INCHES = 11.7
THUMB_BOX = (240, 340)
# The symbologies our sheets and PATCH-T sheets use; reading only these is faster and never mistakes an EAN on
# a receipt for anything.
FORMATS = (zxingcpp.BarcodeFormat.QRCode, zxingcpp.BarcodeFormat.Code128, zxingcpp.BarcodeFormat.Code39)
# A page whose darkest and lightest 1 % lie this far apart needs no contrast stretching to be read.
FULL_CONTRAST = 170
TIFF_COMPRESSIONS = {"group4", "group3", "tiff_lzw", "tiff_adobe_deflate", "packbits", "jpeg"}


@dataclass(frozen=True)
class StackFile:
    """What one file of a stack turned out to be."""

    content_type: str
    page_count: int
    sha256: str
    size: int


def inspect_stack_file(f: IO[bytes], *, name: str) -> StackFile:
    """Check one file of a stack without decoding its pages: type by content, size, pages, password. Raises
    ``FileRejected`` with a clear message. Damage inside a page shows when that page is read (it stays unrouted,
    nothing else is lost)."""
    size, content_type = check_envelope(
        f,
        name=name,
        max_bytes=settings.SCAN_BATCH_MAX_BYTES,
        unsupported=_("“%(name)s” is not a scanned stack. Upload a PDF or TIFF, or JPEG, PNG, GIF or HEIC images."),
    )
    pages = _pdf_pages(f, name) if content_type == PDF else _image_frames(f, name)
    if pages > settings.SCAN_BATCH_MAX_PAGES:
        raise FileRejected(_too_many(name, pages))
    return StackFile(content_type=content_type, page_count=pages, sha256=sha256_of(f), size=size)


def _too_many(name: str, pages: int) -> str:
    return _("“%(name)s” has %(pages)d pages; a batch may have at most %(limit)d.") % {
        "name": name,
        "pages": pages,
        "limit": settings.SCAN_BATCH_MAX_PAGES,
    }


def check_total_pages(total: int) -> None:
    if total > settings.SCAN_BATCH_MAX_PAGES:
        raise FileRejected(
            _("These files have %(pages)d pages together; a batch may have at most %(limit)d.")
            % {"pages": total, "limit": settings.SCAN_BATCH_MAX_PAGES}
        )


def _pdf_pages(f: IO[bytes], name: str) -> int:
    try:
        pdf = pdfium.PdfDocument(f, autoclose=False)
    except pdfium.PdfiumError as e:
        if "password" in str(e).lower():
            raise FileRejected(
                _("“%(name)s” is a password-protected PDF. Ask for an unprotected copy or scan the paper.")
                % {"name": name}
            ) from None
        raise FileRejected(_("“%(name)s” is a damaged PDF that cannot be read.") % {"name": name}) from None
    try:
        pages = len(pdf)
    finally:
        pdf.close()
        f.seek(0)
    if pages == 0:
        raise FileRejected(_("“%(name)s” has no pages.") % {"name": name})
    return pages


def _image_frames(f: IO[bytes], name: str) -> int:
    Image.MAX_IMAGE_PIXELS = settings.UPLOAD_MAX_PIXELS
    try:
        im = Image.open(f)
        frames = getattr(im, "n_frames", 1)
        if im.width * im.height > settings.UPLOAD_MAX_PIXELS:
            raise Image.DecompressionBombError
        return frames
    except Image.DecompressionBombError:
        raise FileRejected(_("“%(name)s” is too large an image to process.") % {"name": name}) from None
    except Exception:  # Pillow's parsers raise many kinds (OSError, TypeError, KeyError, struct.error…)
        raise FileRejected(_("“%(name)s” is damaged or not a readable image.") % {"name": name}) from None
    finally:
        f.seek(0)


class StackReader:
    """Pages of one stored file of a stack, opened once and rendered one at a time (close it when done)."""

    def __init__(self, path: Path, content_type: str):
        self.path = Path(path)
        self.content_type = content_type
        self._pdf: pdfium.PdfDocument | None = None
        self._image: Image.Image | None = None

    def __enter__(self) -> "StackReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._pdf is not None:
            self._pdf.close()
            self._pdf = None
        if self._image is not None:
            self._image.close()
            self._image = None

    def open(self) -> None:
        """Open the file now: raises if it is missing or unreadable as a whole (not one page of it)."""
        if not self.path.is_file():
            raise FileNotFoundError(self.path.name)
        if self.content_type == PDF:
            self.pdf  # noqa: B018 - opening is the point
        else:
            self.image  # noqa: B018

    @property
    def pdf(self) -> pdfium.PdfDocument:
        if self._pdf is None:
            self._pdf = pdfium.PdfDocument(str(self.path))
        return self._pdf

    @property
    def image(self) -> Image.Image:
        if self._image is None:
            Image.MAX_IMAGE_PIXELS = settings.UPLOAD_MAX_PIXELS
            self._image = Image.open(self.path)
        return self._image

    def render(self, index: int, dpi: int) -> Image.Image:
        """Page ``index`` in greyscale at about ``dpi`` (never upscaled; odd page sizes capped)."""
        if self.content_type == PDF:
            page = self.pdf[index]
            try:
                width, height = page.get_size()
                long_points = max(width, height, 1)
                scale = min(dpi / 72, (A4_LONG_INCHES * 1.5 * dpi) / long_points)
                scanned = _scanned_jpeg(page, scale)
                if scanned is not None:
                    return scanned
                return page.render(scale=scale, grayscale=True, may_draw_forms=True).to_pil().convert("L")
            finally:
                page.close()
        im = self.image
        im.seek(index)
        source_dpi = _dpi_of(im)
        if source_dpi:
            factor = max(1, round(source_dpi / dpi))
        else:
            factor = max(1, max(im.width, im.height) // int(A4_LONG_INCHES * dpi))
        want = (max(1, im.width // factor), max(1, im.height // factor))
        if im.format == "JPEG" and factor > 1:
            im.draft("L", want)  # JPEG decodes at 1/2, 1/4 or 1/8 directly: less work, less memory
        im.load()
        grey = _grey(im)
        if im.format == "JPEG" and "exif" in im.info:
            grey = ImageOps.exif_transpose(grey)
            want = want if (grey.width >= grey.height) == (want[0] >= want[1]) else (want[1], want[0])
        if grey.width >= want[0] * 2:
            grey = grey.reduce(grey.width // want[0])
        return grey


def _scanned_jpeg(page: pdfium.PdfPage, scale: float) -> Image.Image | None:
    """A scanner's PDF page is one JPEG laid over the whole page: decode that JPEG directly at a reduced size
    (JPEG can decode at 1/2, 1/4, 1/8), several times faster than rendering the page. None for any other page."""
    try:
        objects = list(page.get_objects(max_depth=1))
        if len(objects) != 1 or objects[0].type != pdfium_c.FPDF_PAGEOBJ_IMAGE:
            return None
        image = objects[0]
        if image.get_filters() != ["DCTDecode"]:
            return None
        meta = image.get_metadata()
        if meta.colorspace not in (pdfium_c.FPDF_COLORSPACE_DEVICEGRAY, pdfium_c.FPDF_COLORSPACE_DEVICERGB):
            return None
        a, b, c, d, _e, _f = image.get_matrix().get()
        if b or c or a <= 0 or d <= 0:
            return None  # turned or mirrored on the page: let PDFium draw it
        jpeg = Image.open(io.BytesIO(bytes(image.get_data(decode_simple=False))))
        if jpeg.format != "JPEG":
            return None
        want = (max(1, round(a * scale)), max(1, round(d * scale)))
        jpeg.draft("L", want)
        jpeg.load()
        grey = _grey(jpeg)
        if grey.width >= want[0] * 2:  # (a finer page than asked is read as it is: resizing costs more)
            grey = grey.reduce(grey.width // want[0])
        rotation = page.get_rotation()
        return grey.rotate(-rotation, expand=True) if rotation else grey
    except (pdfium.PdfiumError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None


def _dpi_of(im: Image.Image) -> float:
    dpi = im.info.get("dpi")
    try:
        value = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        return 0.0
    return value if 50 <= value <= 2400 else 0.0


def _grey(im: Image.Image) -> Image.Image:
    """Any mode to 8-bit grey: alpha onto white, 16-bit scaled down rather than clipped."""
    if im.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        return (im if im.mode == "I" else im.convert("I")).point(lambda v: v * (1 / 256)).convert("L")
    if im.mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    if im.mode in ("RGBA", "LA", "PA"):
        rgba = im.convert("RGBA")
        background = Image.new("RGBA", rgba.size, "white")
        background.alpha_composite(rgba)
        return background.convert("L")
    return im.convert("L")


def _variants(image: Image.Image, *, thorough: bool) -> Iterator[Image.Image]:
    """The page as scanned; turned a quarter (a skewed or sideways sheet); then, for a faint or grey page (or
    when ``thorough``), contrast stretched and hard black-and-white. Each is tried only if the one before found
    nothing, so a page with a sheet usually costs one read, and a well-scanned page without codes two."""
    yield image
    yield image.rotate(90, expand=True, fillcolor=255)
    if not thorough:
        histogram = image.histogram()[:256]
        if _percentile(histogram, 0.99) - _percentile(histogram, 0.01) >= FULL_CONTRAST:
            return  # black is black and white is white already: stretching would change nothing
    stretched = ImageOps.autocontrast(image, cutoff=2)
    yield stretched
    yield stretched.point(lambda v: 255 if v > 128 else 0)


def read_codes(image: Image.Image, *, thorough: bool = False) -> list[codes.Code]:
    """Every QR, Code 128 and Code 39 on the page (empty when none could be read). Inverted (light on dark)
    codes are not looked for: no sheet of ours or PATCH-T sheet is printed that way."""
    for variant in _variants(image, thorough=thorough):
        found = zxingcpp.read_barcodes(variant, formats=FORMATS, try_invert=False)
        if found:
            return [
                codes.Code(text=code.text, matrix=code.format == zxingcpp.BarcodeFormat.QRCode)
                for code in found
                if code.text
            ]
    return []


def _percentile(histogram: list[int], fraction: float) -> int:
    target, seen = sum(histogram) * fraction, 0
    for value, count in enumerate(histogram):
        seen += count
        if seen >= target:
            return value
    return 255


def looks_like_sheet(image: Image.Image) -> bool:
    """Our sheets carry a black band along the top edge (``sheets.BAND``): a page whose barcodes cannot be read
    but that has such a band along a short edge is probably one of our sheets, spoiled. Contrast is measured
    against the page's own black and white, so a faint photocopy counts too."""
    histogram = image.histogram()[:256]
    black, white = _percentile(histogram, 0.01), _percentile(histogram, 0.99)
    if white - black < 40:
        return False  # a blank or flat page
    width, height = image.size
    long_side = max(width, height)
    near, far = int(long_side * 0.006), int(long_side * 0.035)
    if height >= width:
        left, right = width // 10, width * 9 // 10
        strips = [(left, near, right, far), (left, height - far, right, height - near)]
    else:
        top, bottom = height // 10, height * 9 // 10
        strips = [(near, top, far, bottom), (width - far, top, width - near, bottom)]
    for box in strips:
        mean = ImageStat.Stat(image.crop(box)).mean[0]
        if (mean - black) / (white - black) < 0.5:
            return True
    return False


def thumbnail(image: Image.Image) -> bytes:
    thumb = image.copy()
    thumb.thumbnail(THUMB_BOX, Image.Resampling.BILINEAR, reducing_gap=2.0)
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=70)
    return out.getvalue()


# --- Cutting pages out for a case -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Piece:
    """A file for a case: ``path`` holds ``pages`` pages; ``owned`` when we wrote it (scratch, delete after)."""

    path: Path
    name: str
    pages: int
    owned: bool


def cut(reader: StackReader, indices: list[int], *, total: int, dest: Path, name: str) -> list[Piece]:
    """The pages ``indices`` of ``reader``'s file as files a case accepts: the original itself when it is taken
    whole (a signed PDF stays signed), otherwise new files of at most ``SCAN_BATCH_PIECE_PAGES`` pages, split
    further while one is over the upload size limit."""
    if indices == list(range(total)) and _fits(reader.path, len(indices)):
        return [Piece(path=reader.path, name=name, pages=len(indices), owned=False)]
    step = max(1, min(settings.SCAN_BATCH_PIECE_PAGES, settings.UPLOAD_MAX_PDF_PAGES))
    pieces: list[Piece] = []
    for start in range(0, len(indices), step):
        pieces.extend(_write_fitting(reader, indices[start : start + step], dest, name, len(pieces)))
    return pieces


def _fits(path: Path, pages: int) -> bool:
    return path.stat().st_size <= settings.UPLOAD_MAX_BYTES and pages <= settings.UPLOAD_MAX_PDF_PAGES


def _write_fitting(reader: StackReader, indices: list[int], dest: Path, name: str, seq: int) -> list[Piece]:
    stem = name.rsplit(".", 1)[0]
    is_pdf = reader.content_type == PDF
    suffix = "pdf" if is_pdf else "tif"
    path = dest / f"{stem[:80]}-{seq + 1}-p{indices[0] + 1}.{suffix}"
    (_write_pdf if is_pdf else _write_tiff)(reader, indices, path)
    if path.stat().st_size <= settings.UPLOAD_MAX_BYTES or len(indices) == 1:
        return [Piece(path=path, name=path.name, pages=len(indices), owned=True)]
    path.unlink()
    half = len(indices) // 2
    first = _write_fitting(reader, indices[:half], dest, name, seq)
    return first + _write_fitting(reader, indices[half:], dest, name, seq + len(first))


def _write_pdf(reader: StackReader, indices: list[int], path: Path) -> None:
    out = pdfium.PdfDocument.new()
    try:
        out.import_pages(reader.pdf, indices)
        out.save(str(path))
    finally:
        out.close()


def _write_tiff(reader: StackReader, indices: list[int], path: Path) -> None:
    """Frames written one at a time (never all in memory), keeping each frame's compression and resolution."""
    im = reader.image
    with TiffImagePlugin.AppendingTiffWriter(str(path), True) as tiff:
        for index in indices:
            im.seek(index)
            im.load()
            frame = im
            compression = im.info.get("compression")
            if compression not in TIFF_COMPRESSIONS or (compression in ("group4", "group3") and im.mode != "1"):
                compression = "tiff_lzw"
            if compression == "jpeg" and im.mode not in ("L", "RGB"):
                compression = "tiff_lzw"
            options = {"compression": compression}
            if dpi := im.info.get("dpi"):
                options["dpi"] = dpi
            if compression == "jpeg":
                options["quality"] = 90
            if frame.mode in ("P", "PA"):
                frame = frame.convert("RGBA" if "transparency" in frame.info else "RGB")
            frame.save(tiff, format="TIFF", **options)
            tiff.newFrame()


def copy_to(source: IO[bytes], path: Path) -> None:
    source.seek(0)
    with open(path, "wb") as out:
        shutil.copyfileobj(source, out, CHUNK)
