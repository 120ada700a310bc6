"""Uploaded files: decide what they are by content, refuse what we cannot take, derive page images.

Pure functions over file objects and Pillow images; no database. ``inspect`` runs before anything is stored
(a refused file leaves nothing behind); ``render_page`` and ``derive`` run in the background task.
"""

import contextlib
import hashlib
import io
import math
import struct
import warnings
from dataclasses import dataclass
from typing import IO

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageChops, ImageOps, UnidentifiedImageError
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
FIT_TOLERANCE = 1.02  # up to 2% over the A4 box is kept as it is
DRAFT_MIN_SHARE = 0.6  # an oversized JPEG keeps at least 60% of the box (about 180 dpi over A4)
PAGE_QUALITY_GREY, PAGE_QUALITY_COLOUR = 80, 82
# A stored JPEG is kept as the page when it needs no turning or shrinking and is no bigger than this per pixel
# (a 300-dpi A4 scan at quality 85 is about 0.1-0.4 bytes per pixel; 1.5 means a wasteful quality 100 export).
PASSTHROUGH_MAX_BYTES_PER_PIXEL = 1.5
GREY_SPREAD = 28  # channel difference above which a pixel counts as coloured
EXIF_ORIENTATION = 0x0112
ROTATIONS = {90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_90}


@dataclass(frozen=True)
class Ready:
    """A page that needs no processing: the upload is an upright JPEG within A4 at 300 dpi, so the original is
    the page image, and the thumbnail comes from the 1/8-scale decode the inspection did anyway."""

    thumbnail: bytes
    width: int
    height: int


@dataclass(frozen=True)
class Inspected:
    """What an upload turned out to be."""

    content_type: str
    page_count: int
    sha256: str
    size: int
    ready: Ready | None = None


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


def size_of(f: IO[bytes]) -> int:
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
    size = size_of(f)
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
    refuse_hidden_content(f, content_type, name=name)
    ready = None
    if content_type == PDF:
        pages = _count_pdf_pages(f, name)
    else:
        pages, ready = _check_image(f, name, size)
    return Inspected(content_type=content_type, page_count=pages, sha256=sha256_of(f), size=size, ready=ready)


# Signatures that have no business inside a scan: archives (the end-of-directory record a ZIP must have within its
# last 64 KB, RAR, 7z) and executables.
HIDDEN_PAYLOADS = (b"PK\x05\x06", b"PK\x03\x04", b"Rar!\x1a\x07", b"7z\xbc\xaf\x27\x1c")
TAIL = 65_557  # 64 KB of ZIP comment + the 22-byte end-of-directory record
# Every JavaScript action says "/S /JavaScript"; short names like "/JS" also occur by chance in binary streams.
ACTIVE_PDF = (b"/JavaScript", b"/Launch", b"/EmbeddedFile", b"/RichMedia")


def refuse_hidden_content(f: IO[bytes], content_type: str, *, name: str) -> None:
    """Refuse polyglots: a file that is a valid image or PDF and something else besides (an archive appended to a
    JPEG, a web page in front of a PDF header, bytes after a PNG's end). Scanners and phones never make these;
    someone smuggling a payload does. Also refuses PDFs with active content (JavaScript, launch actions, embedded
    files): a reviewer who opens the original must not run anything."""
    size = size_of(f)
    head = f.read(1024)
    if content_type == PDF and b"<" in head[: head.find(b"%PDF-")]:
        raise FileRejected(_("“%(name)s” is a web page disguised as a PDF.") % {"name": name})
    f.seek(max(0, size - TAIL))
    tail = f.read()
    f.seek(0)
    if content_type != PDF and any(marker in tail for marker in HIDDEN_PAYLOADS):
        raise FileRejected(_("“%(name)s” has an archive hidden inside the image.") % {"name": name})
    if content_type == "image/png":
        end = tail.rfind(b"IEND")
        if end != -1 and len(tail) - (end + 8) > 0:
            raise FileRejected(_("“%(name)s” has data hidden after the end of the image.") % {"name": name})
    if content_type == PDF:
        overlap = b""
        while chunk := f.read(CHUNK):
            window = overlap + chunk
            if any(marker in window for marker in ACTIVE_PDF):
                f.seek(0)
                raise _active_content(name)
            overlap = chunk[-16:]
        f.seek(0)


def _active_content(name: str) -> FileRejected:
    return FileRejected(
        _(
            "“%(name)s” is a PDF with active content (scripts or embedded files). "
            "Print it to a new PDF or scan the paper."
        )
        % {"name": name}
    )


def check_file_name(name: str) -> str:
    """The name as we keep it (for display only: storage names are our own). Django already drops directory parts;
    control characters are removed too so nothing odd reaches a page or a log."""
    cleaned = "".join(ch for ch in name if ch.isprintable()).strip()
    return cleaned[-255:] or "file"


def _bomb(name: str) -> FileRejected:
    return FileRejected(
        _("“%(name)s” has too many pixels to process safely (over %(limit)d megapixels).")
        % {"name": name, "limit": settings.UPLOAD_MAX_PIXELS // 1_000_000}
    )


def _open_image(f: IO[bytes], name: str) -> Image.Image:
    Image.MAX_IMAGE_PIXELS = settings.UPLOAD_MAX_PIXELS
    try:
        with warnings.catch_warnings():
            # Pillow only warns between 1x and 2x the limit; for uploads that is already too many.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(f)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _bomb(name) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise FileRejected(_("“%(name)s” is damaged or not a readable image.") % {"name": name}) from None


def _check_image(f: IO[bytes], name: str, size: int) -> tuple[int, Ready | None]:
    """Decode every frame once (a JPEG at 1/8 scale: the whole stream, an eighth of the work): catches truncation,
    corruption and bombs before the file is kept. Returns the frame count, and the ready page when the upload
    needs no processing."""
    im = _open_image(f, name)
    try:
        frames = getattr(im, "n_frames", 1)
        if frames > settings.UPLOAD_MAX_PDF_PAGES:
            raise FileRejected(
                _("“%(name)s” has %(pages)d pages; the limit is %(limit)d.")
                % {"name": name, "pages": frames, "limit": settings.UPLOAD_MAX_PDF_PAGES}
            )
        ready = None
        for index in range(frames):
            im.seek(index)
            if im.format == "JPEG":
                width, height = im.size
                im.draft(im.mode, (width // 8 or 1, height // 8 or 1))
                im.load()
                ready = _ready_jpeg(im, width, height, size)
            else:
                im.load()
        return frames, ready
    except FileRejected:
        raise
    except Image.DecompressionBombError:
        raise _bomb(name) from None
    except (OSError, ValueError, SyntaxError, EOFError, struct.error, IndexError, TypeError):
        raise FileRejected(_("“%(name)s” is damaged or truncated.") % {"name": name}) from None
    finally:
        # Not im.close(): that would close the caller's file, which is still to be stored.
        f.seek(0)


def _ready_jpeg(small: Image.Image, width: int, height: int, size: int) -> Ready | None:
    """``small`` is the 1/8 decode of a ``width`` x ``height`` JPEG of ``size`` bytes."""
    if (
        small.mode not in ("L", "RGB")
        or small.getexif().get(EXIF_ORIENTATION, 1) != 1
        or _fit((width, height)) != (width, height)
        or size > PASSTHROUGH_MAX_BYTES_PER_PIXEL * width * height
        or (small.mode == "RGB" and _looks_grey(small))  # a grey scan saved in colour: stored grey, by the task
    ):
        return None
    return Ready(thumbnail=_thumbnail(small), width=width, height=height)


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
        # Document-level scripts may sit in compressed object streams the byte scan cannot see; PDFium can.
        if pdfium_c.FPDFDoc_GetJavaScriptActionCount(pdf.raw) > 0:
            raise _active_content(name)
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
        return _render_pdf_page(f, index)
    im = _open_frame(f, index)
    return ImageOps.exif_transpose(im)


def _open_frame(f: IO[bytes], index: int) -> Image.Image:
    Image.MAX_IMAGE_PIXELS = settings.UPLOAD_MAX_PIXELS
    im = Image.open(f)
    im.seek(index)
    if im.format == "JPEG" and _fit(im.size) != im.size:
        # A JPEG larger than the A4 box (a phone photo) is decoded by libjpeg at 1/2, 1/4 or 1/8 scale: the
        # largest reduction that keeps at least DRAFT_MIN_SHARE of the box. Resampling 12 megapixels in Python
        # land would cost four times the decode, for detail a hand-held photo of a page does not have.
        width, height = _fit(im.size)
        im.draft(im.mode, (max(1, int(width * DRAFT_MIN_SHARE)), max(1, int(height * DRAFT_MIN_SHARE))))
    im.load()
    return im


def _render_pdf_page(f: IO[bytes], index: int) -> Image.Image:
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


def _pdf_page_jpeg(f: IO[bytes], index: int) -> bytes | None:
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


def _fit(size: tuple[int, int]) -> tuple[int, int]:
    width, height = size
    box = (PAGE_SHORT, PAGE_LONG) if height >= width else (PAGE_LONG, PAGE_SHORT)
    ratio = min(1.0, box[0] / width, box[1] / height)
    if ratio >= 1 / FIT_TOLERANCE:
        return width, height  # a pixel or two over A4 at 300 dpi: resampling would cost more than it saves
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
    if im.mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        rgba = im.convert("RGBA")
        background = Image.new("RGB", im.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background.convert("L") if im.mode in ("LA", "La") else background
    if im.mode in ("1", "L"):
        return im.convert("L")
    return im.convert("RGB")


def _looks_grey(im: Image.Image) -> bool:
    """A scan saved in colour whose colours are all near-grey (paper, ink, a little JPEG chroma noise). Checked on
    a small image (a thumbnail or a 1/8 decode): a few per mille of clearly coloured pixels (a stamp) keep colour."""
    if im.mode == "L":
        return True
    small = im if im.width * im.height <= 400_000 else im.reduce(max(1, min(im.size) // 400))
    r, g, b = small.convert("RGB").split()
    total = small.width * small.height
    coloured = 0
    for x, y in ((r, g), (g, b), (b, r)):
        coloured = max(coloured, sum(ImageChops.difference(x, y).histogram()[GREY_SPREAD:]))
    return coloured <= total * 0.002


@dataclass(frozen=True)
class Derived:
    image: bytes
    thumbnail: bytes
    width: int
    height: int


def _jpeg(im: Image.Image, **options) -> bytes:
    buffer = io.BytesIO()
    im.save(buffer, "JPEG", **options)
    return buffer.getvalue()


def _thumb_image(im: Image.Image) -> Image.Image:
    ratio = min(THUMB_BOX[0] / im.width, THUMB_BOX[1] / im.height, 1.0)
    size = (max(1, round(im.width * ratio)), max(1, round(im.height * ratio)))
    return im if size == im.size else im.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)


def _thumbnail(im: Image.Image) -> bytes:
    return _jpeg(_thumb_image(im), quality=75)


def derive(im: Image.Image, *, rotation: int = 0) -> Derived:
    """The normalised page (JPEG, fit to A4 at 300 dpi, grey when it is a grey scan) and its thumbnail."""
    im = _flatten(im)
    size = _fit(im.size)
    if size != im.size:
        # Box (area) averaging: for the mild reductions pages need it is as sharp as bicubic, at half the cost.
        im = im.resize(size, Image.Resampling.BOX if size[0] * 2 > im.size[0] else Image.Resampling.BILINEAR)
    if rotation:
        im = im.transpose(ROTATIONS[rotation % 360])
    thumb = _thumb_image(im)
    if im.mode == "RGB" and _looks_grey(thumb):
        im, thumb = im.convert("L"), thumb.convert("L")
    page = _jpeg(im, quality=PAGE_QUALITY_GREY if im.mode == "L" else PAGE_QUALITY_COLOUR, dpi=(300, 300))
    return Derived(image=page, thumbnail=_jpeg(thumb, quality=75), width=im.width, height=im.height)


def _derive_jpeg(data: bytes, *, rotation: int, orient: bool = False) -> Derived:
    """A JPEG page, decoded as little as possible. One reduced decode serves the text-orientation check (``orient``),
    the grey check and the thumbnail. When the JPEG is already a sensible page (upright, at most A4 at 300 dpi, not
    bloated) it is kept as it is; a colour JPEG of a grey scan is decoded once more, luma only, and stored grey;
    anything else goes the general way."""
    Image.MAX_IMAGE_PIXELS = settings.UPLOAD_MAX_PIXELS
    im = Image.open(io.BytesIO(data))
    width, height = im.size
    if im.mode not in ("L", "RGB") or im.getexif().get(EXIF_ORIENTATION, 1) != 1:
        if orient:
            raise ValueError("a CMYK or odd JPEG inside a PDF: let PDFium draw the page")
        return derive(render_page(io.BytesIO(data), "image/jpeg", 0), rotation=rotation)
    ratio = (ORIENTATION_LONG_SIDE if orient else max(THUMB_BOX)) / max(width, height)
    im.draft(im.mode, (max(1, math.ceil(width * ratio)), max(1, math.ceil(height * ratio))))
    small = im.convert(im.mode)
    if orient:
        rotation = (rotation + (text_orientation(small) or 0)) % 360
    if (
        rotation
        or _fit((width, height)) != (width, height)
        or len(data) > PASSTHROUGH_MAX_BYTES_PER_PIXEL * width * height
    ):
        return derive(_open_frame(io.BytesIO(data), 0), rotation=rotation)
    if small.mode == "RGB" and _looks_grey(small):
        full = Image.open(io.BytesIO(data))
        full.draft("L", full.size)  # libjpeg decodes the luma channel only
        full.load()
        page = _jpeg(full, quality=PAGE_QUALITY_GREY, dpi=(300, 300))
        return Derived(image=page, thumbnail=_thumbnail(small.convert("L")), width=width, height=height)
    return Derived(image=data, thumbnail=_thumbnail(small), width=width, height=height)


def process(f: IO[bytes], content_type: str, index: int, *, rotation: int = 0) -> Derived:
    """Page ``index`` of a stored original -> its normalised image and thumbnail, by the cheapest correct path.
    ``rotation``: the clerk's clockwise quarter turns. PDF pages are also turned upright when their text says so."""
    if content_type == PDF:
        jpeg = _pdf_page_jpeg(f, index)
        f.seek(0)
        if jpeg is not None:
            with contextlib.suppress(OSError, ValueError, SyntaxError):  # else the renderer tries, and reports
                return _derive_jpeg(jpeg, rotation=rotation, orient=True)
        image = _render_pdf_page(f, index)
        return derive(image, rotation=(rotation + (text_orientation(image) or 0)) % 360)
    if content_type == "image/jpeg":
        return _derive_jpeg(f.read(), rotation=rotation)
    return derive(render_page(f, content_type, index), rotation=rotation)


# --- Text orientation ---------------------------------------------------------------------------------------------
#
# A scanner's PDF may hold a page fed sideways or upside down, with no /Rotate to say so. Printed text tells which way
# is up: its lines run along one axis (the ink profile across lines alternates ink and gap, along them it does not),
# and Latin and Cyrillic lines carry more ink above the x-height band (capitals, ascenders, accents) than below it
# (descenders). Cheap: a few Pillow reductions and sums over profiles. Undecided pages are left as they are.

ORIENTATION_LONG_SIDE = 850  # analysis resolution (about 70 dpi over A4): a text line is ~10 px high
MIN_TEXT_LINES = 5


def _profile(im: Image.Image, axis: int) -> list[float]:
    """Mean ink per row (axis 0) or per column (axis 1) of an ink-is-white image."""
    size = (1, im.height) if axis == 0 else (im.width, 1)
    return list(im.resize(size, Image.Resampling.BOX).tobytes())  # mode L: one byte per value


def _gap_share(profile: list[float]) -> float:
    """The share of the inked span that is (almost) blank."""
    peak = max(profile) or 1
    inked = [i for i, v in enumerate(profile) if v > peak * 0.04]
    if len(inked) < 10:
        return 0.0
    span = profile[inked[0] : inked[-1] + 1]
    return sum(1 for v in span if v <= peak * 0.04) / len(span)


def _ascender_balance(rows: list[float]) -> tuple[float, int]:
    """Ink above minus ink below the x-height band, summed over text lines (positive: upright), and the line count."""
    peak = max(rows) or 1
    balance, lines, i = 0.0, 0, 0
    while i < len(rows):
        if rows[i] <= peak * 0.04:
            i += 1
            continue
        start = i
        while i < len(rows) and rows[i] > peak * 0.04:
            i += 1
        line = rows[start:i]
        if len(line) < 6:
            continue
        top = max(line)
        core = [j for j, v in enumerate(line) if v >= top * 0.5]
        if not 0.2 <= (core[-1] - core[0] + 1) / len(line) <= 0.8:
            continue  # a bar, a rule or a photo strip, not a line of text
        above, below = sum(line[: core[0]]), sum(line[core[-1] + 1 :])
        balance += (above - below) / (sum(line) or 1)
        lines += 1
    return balance, lines


def text_orientation(im: Image.Image) -> int | None:
    """Clockwise degrees (0, 90, 180, 270) that turn this page's text upright, or None when unsure."""
    grey = im.convert("L")
    scale = ORIENTATION_LONG_SIDE / max(grey.size)
    if scale < 0.8:
        size = (max(1, round(grey.width * scale)), max(1, round(grey.height * scale)))
        grey = grey.resize(size, Image.Resampling.BOX)
    ink = grey.point(lambda v: 255 if v < 150 else 0)
    rows, columns = _profile(ink, 0), _profile(ink, 1)
    # Between lines of text the profile drops to nothing, again and again; across the lines it hardly ever does.
    across, along = _gap_share(rows), _gap_share(columns)
    if across > 1.5 * along:
        base, profile = 0, rows
    elif along > 1.5 * across:
        base, profile = 90, _profile(ink.transpose(Image.Transpose.ROTATE_270), 0)
    else:
        return None
    balance, lines = _ascender_balance(profile)
    if lines < MIN_TEXT_LINES or abs(balance) < 0.03 * lines:
        return None
    return base if balance > 0 else (base + 180) % 360
