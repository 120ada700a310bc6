"""Decide what an upload is by its content and refuse what we cannot take, before anything is stored (a refused
file leaves nothing behind). No database."""

import hashlib
import io
import struct
import warnings
from dataclasses import dataclass
from typing import IO

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from cases.exceptions import FileRejected
from cases.processing.derive import looks_grey, thumbnail_jpeg
from cases.processing.formats import EXIF_ORIENTATION, PASSTHROUGH_MAX_BYTES_PER_PIXEL, PDF, fit

CHUNK = 1024 * 1024


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


def check_envelope(f: IO[bytes], *, name: str, max_bytes: int, unsupported) -> tuple[int, str]:
    """What every upload is checked for before its pages: not empty, not over ``max_bytes``, a type we read (by
    content; ``unsupported`` is the message naming what to upload instead), nothing hidden in it. Returns the size
    and the content type; raises ``FileRejected`` with a clear message."""
    size = size_of(f)
    if size == 0:
        raise FileRejected(_("“%(name)s” is empty (0 bytes).") % {"name": name})
    if size > max_bytes:
        raise FileRejected(_("“%(name)s” is larger than %(limit)d MB.") % {"name": name, "limit": max_bytes // 2**20})
    content_type = sniff(f.read(1024))
    f.seek(0)
    if content_type is None:
        raise FileRejected(unsupported % {"name": name})
    refuse_hidden_content(f, content_type, name=name)
    return size, content_type


def inspect(f: IO[bytes], *, name: str = "") -> Inspected:
    """Check an upload completely, without storing anything. Raises ``FileRejected`` with a clear message."""
    size, content_type = check_envelope(
        f,
        name=name,
        max_bytes=settings.UPLOAD_MAX_BYTES,
        unsupported=_(
            "“%(name)s” is not a supported file. Upload JPEG, PNG, TIFF, GIF or HEIC images, or PDF documents."
        ),
    )
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
    if content_type == "image/png":
        # Walked chunk by chunk: the compressed pixels (IDAT) are skipped, since four bytes of them can spell an
        # archive's signature by chance (a noisy 300-dpi scan was refused so); every other chunk and anything after
        # IEND are what a payload would hide in.
        hidden = _png_hidden(f, size)
        f.seek(0)
        if hidden == "archive":
            raise FileRejected(_("“%(name)s” has an archive hidden inside the image.") % {"name": name})
        if hidden == "after":
            raise FileRejected(_("“%(name)s” has data hidden after the end of the image.") % {"name": name})
    elif content_type != PDF and any(marker in tail for marker in HIDDEN_PAYLOADS):
        raise FileRejected(_("“%(name)s” has an archive hidden inside the image.") % {"name": name})
    if content_type == PDF:
        overlap = b""
        while chunk := f.read(CHUNK):
            window = overlap + chunk
            if any(marker in window for marker in ACTIVE_PDF):
                f.seek(0)
                raise _active_content(name)
            overlap = chunk[-16:]
        f.seek(0)


def _png_hidden(f: IO[bytes], size: int) -> str | None:
    """ "archive" if a chunk other than the compressed pixels holds an archive's signature, "after" if bytes follow
    the IEND chunk, else None (a damaged structure is Pillow's to refuse)."""
    f.seek(8)  # the signature
    while True:
        header = f.read(8)
        if len(header) < 8:
            return None
        length, kind = struct.unpack(">I4s", header)
        if kind == b"IDAT":
            f.seek(length + 4, io.SEEK_CUR)  # the data and its CRC
            continue
        data = f.read(length)
        f.seek(4, io.SEEK_CUR)
        if any(marker in data for marker in HIDDEN_PAYLOADS):
            return "archive"
        if kind == b"IEND":
            return "after" if f.tell() < size else None


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
        or fit((width, height)) != (width, height)
        or size > PASSTHROUGH_MAX_BYTES_PER_PIXEL * width * height
        or (small.mode == "RGB" and looks_grey(small))  # a grey scan saved in colour: stored grey, by the task
    ):
        return None
    return Ready(thumbnail=thumbnail_jpeg(small), width=width, height=height)


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
