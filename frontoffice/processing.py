"""Uploaded files: decide what they are by content, refuse what we cannot take, derive page images.

Pure functions over file objects and Pillow images; no database. ``inspect`` runs before anything is stored
(a refused file leaves nothing behind); ``render_page`` and ``derive`` run in the background task.
"""

import hashlib
import io
from dataclasses import dataclass
from typing import IO

import pypdfium2 as pdfium
from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

from cases.exceptions import FileRejected

register_heif_opener()

CHUNK = 1024 * 1024
PDF = "application/pdf"
IMAGE_TYPES = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "TIFF": "image/tiff",
    "GIF": "image/gif",
    "HEIF": "image/heif",
}
EXTENSIONS = {PDF: "pdf", "image/jpeg": "jpg", "image/png": "png", "image/tiff": "tif", "image/gif": "gif"}
EXTENSIONS["image/heif"] = "heic"

# A4 at 300 dpi: what a normalised page is sized for (long side x short side).
PAGE_LONG, PAGE_SHORT = 3508, 2480
THUMB_BOX = (240, 340)
PDF_RENDER_DPI = 300


@dataclass(frozen=True)
class Inspected:
    """What an upload turned out to be."""

    content_type: str
    page_count: int
    sha256: str
    size: int


def sniff(head: bytes) -> str | None:
    """The content type by magic bytes, or None. Names and declared types are never trusted."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1", b"hevc"):
        return "image/heif"
    # The PDF header may follow a few bytes of junk (a BOM, a mail header); readers accept it in the first 1 KB.
    if b"%PDF-" in head[:1024]:
        return PDF
    return None


def _size_of(f: IO[bytes]) -> int:
    f.seek(0, io.SEEK_END)
    size = f.tell()
    f.seek(0)
    return size


def sha256_of(f: IO[bytes]) -> str:
    digest = hashlib.sha256()
    f.seek(0)
    while chunk := f.read(CHUNK):
        digest.update(chunk)
    f.seek(0)
    return digest.hexdigest()


def inspect(f: IO[bytes], *, name: str = "") -> Inspected:
    """Check an upload completely, without storing anything. Raises ``FileRejected`` with a clear message."""
    size = _size_of(f)
    if size == 0:
        raise FileRejected(_("“%(name)s” is empty (0 bytes).") % {"name": name})
    if size > settings.UPLOAD_MAX_BYTES:
        raise FileRejected(
            _("“%(name)s” is larger than %(limit)d MB.") % {"name": name, "limit": settings.UPLOAD_MAX_BYTES // 2**20}
        )
    content_type = sniff(f.read(1024))
    f.seek(0)
    if content_type is None:
        raise FileRejected(
            _("“%(name)s” is not a supported file. Upload JPEG, PNG, TIFF, GIF or HEIC images, or PDF documents.")
            % {"name": name}
        )
    pages = _count_pdf_pages(f, name) if content_type == PDF else _check_image(f, name)
    return Inspected(content_type=content_type, page_count=pages, sha256=sha256_of(f), size=size)


def _open_image(f: IO[bytes], name: str) -> Image.Image:
    Image.MAX_IMAGE_PIXELS = settings.UPLOAD_MAX_PIXELS
    try:
        return Image.open(f)
    except Image.DecompressionBombError:
        raise FileRejected(_("“%(name)s” is too large an image to process.") % {"name": name}) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise FileRejected(_("“%(name)s” is damaged or not a readable image.") % {"name": name}) from None


def _check_image(f: IO[bytes], name: str) -> int:
    """Decode every frame once: catches truncation and bombs before the file is kept. Returns the frame count."""
    im = _open_image(f, name)
    try:
        frames = getattr(im, "n_frames", 1)
        if frames > settings.UPLOAD_MAX_PDF_PAGES:
            raise FileRejected(
                _("“%(name)s” has %(pages)d pages; the limit is %(limit)d.")
                % {"name": name, "pages": frames, "limit": settings.UPLOAD_MAX_PDF_PAGES}
            )
        for index in range(frames):
            im.seek(index)
            if im.format == "JPEG":
                im.draft("RGB", (im.width // 8 or 1, im.height // 8 or 1))  # decode at 1/8: same stream, less work
            im.load()
        return frames
    except Image.DecompressionBombError:
        raise FileRejected(_("“%(name)s” is too large an image to process.") % {"name": name}) from None
    except (OSError, ValueError, SyntaxError, EOFError):
        raise FileRejected(_("“%(name)s” is damaged or truncated.") % {"name": name}) from None
    finally:
        # Not im.close(): that would close the caller's file, which is still to be stored.
        f.seek(0)


def _open_pdf(f: IO[bytes], name: str) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(f, autoclose=False)
    except pdfium.PdfiumError as e:
        if "password" in str(e).lower():
            raise FileRejected(
                _("“%(name)s” is a password-protected PDF. Ask for an unprotected copy or scan the paper.")
                % {"name": name}
            ) from None
        raise FileRejected(_("“%(name)s” is a damaged PDF that cannot be read.") % {"name": name}) from None


def _count_pdf_pages(f: IO[bytes], name: str) -> int:
    pdf = _open_pdf(f, name)
    try:
        pages = len(pdf)
    finally:
        pdf.close()
        f.seek(0)
    if pages == 0:
        raise FileRejected(_("“%(name)s” has no pages.") % {"name": name})
    if pages > settings.UPLOAD_MAX_PDF_PAGES:
        raise FileRejected(
            _("“%(name)s” has %(pages)d pages; the limit is %(limit)d.")
            % {"name": name, "pages": pages, "limit": settings.UPLOAD_MAX_PDF_PAGES}
        )
    return pages


def render_page(f: IO[bytes], content_type: str, index: int) -> Image.Image:
    """Page ``index`` of a stored original as an upright Pillow image (EXIF orientation applied)."""
    if content_type == PDF:
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
    Image.MAX_IMAGE_PIXELS = settings.UPLOAD_MAX_PIXELS
    im = Image.open(f)
    im.seek(index)
    if im.format == "JPEG":
        # Decode no larger than needed for a 300-dpi A4 page (JPEG can scale by 1/2, 1/4, 1/8 while decoding).
        im.draft(im.mode, _fit((im.width, im.height)))
    im.load()
    return ImageOps.exif_transpose(im)


def _fit(size: tuple[int, int]) -> tuple[int, int]:
    width, height = size
    box = (PAGE_SHORT, PAGE_LONG) if height >= width else (PAGE_LONG, PAGE_SHORT)
    ratio = min(1.0, box[0] / width, box[1] / height)
    return max(1, round(width * ratio)), max(1, round(height * ratio))


def _flatten(im: Image.Image) -> Image.Image:
    """Any mode to L or RGB: alpha onto white, CMYK and 16-bit to 8-bit, palette expanded."""
    if im.mode.startswith("I;16") or im.mode == "I":
        # 16-bit greyscale: scale 0..65535 down to 0..255 rather than letting convert() clip it to white.
        return (im if im.mode == "I" else im.convert("I")).point(lambda v: v * (1 / 256)).convert("L")
    if im.mode == "F":
        return ImageOps.autocontrast(im.convert("L"))
    if im.mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    if im.mode in ("RGBA", "LA", "PA"):
        background = Image.new("RGB", im.size, "white")
        background.paste(im.convert("RGBA"), mask=im.convert("RGBA").getchannel("A"))
        return background
    if im.mode in ("1", "L"):
        return im.convert("L")
    return im.convert("RGB")


def _looks_grey(im: Image.Image) -> bool:
    """A document scan saved in colour whose colours are all near-grey (checked on a small copy)."""
    if im.mode == "L":
        return True
    small = im.resize((64, 64), Image.Resampling.BOX)
    r, g, b = small.split()
    spread = max(
        max(abs(x - y) for x, y in zip(r.getdata(), g.getdata(), strict=True)),
        max(abs(x - y) for x, y in zip(g.getdata(), b.getdata(), strict=True)),
    )
    return spread <= 24


@dataclass(frozen=True)
class Derived:
    image: bytes
    thumbnail: bytes
    width: int
    height: int


def derive(im: Image.Image, *, rotation: int = 0) -> Derived:
    """The normalised page (JPEG, fit to A4 at 300 dpi, grey when it is a grey scan) and its thumbnail."""
    im = _flatten(im)
    if rotation:
        im = im.rotate(-rotation, expand=True)  # Pillow turns counter-clockwise; ``rotation`` is clockwise
    size = _fit(im.size)
    if size != im.size:
        im = im.resize(size, Image.Resampling.LANCZOS if size[0] < im.size[0] // 2 else Image.Resampling.BICUBIC)
    if im.mode == "RGB" and _looks_grey(im):
        im = im.convert("L")
    page = io.BytesIO()
    im.save(page, "JPEG", quality=80 if im.mode == "L" else 85, optimize=False, dpi=(300, 300))
    thumb = im.copy()
    thumb.thumbnail(THUMB_BOX, Image.Resampling.BILINEAR, reducing_gap=2.0)
    thumb_bytes = io.BytesIO()
    thumb.save(thumb_bytes, "JPEG", quality=75)
    return Derived(image=page.getvalue(), thumbnail=thumb_bytes.getvalue(), width=im.width, height=im.height)
