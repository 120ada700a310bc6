"""The suite's own test corpus, made at test time: every kind of file the intake pipeline meets (photos, scans,
multi-page TIFFs and PDFs, rotated, signed, form, BOM and damaged PDFs, password-protected PDFs, a ZIP) and the
scanned stacks with PATCH-T separator sheets and other people's barcodes. Nothing here reads a file outside the
repository, so `make test` passes on a bare clone.

The third-party samples (real files nobody on this project made) are an extra: ``shared_samples()`` finds them in
``HROMADA_SAMPLES_DIR`` or ``../shared/samples``; tests that need them skip without them, except in CI (CI=true),
where they fail.

Each maker is cached per process: the bytes are the same on every call, so generate once, use everywhere."""

import functools
import io
import os
import zipfile
from pathlib import Path

import img2pdf
import pikepdf
import pytest
import zxingcpp
from PIL import Image, ImageDraw, ImageFont

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
REPOSITORY = Path(__file__).resolve().parents[1]
DPI = 100  # small pages: every behaviour the tests prove holds at 100 dpi, and they process four times faster
A4 = (827, 1169)  # A4 at 100 dpi
SENTENCE = (
    "Hromada intake keeps the applicant's papers together Quality of every page is checked before the back office "
    "sees the case Lightly typed lines with capitals ascenders and descenders tell which way is up"
)
WORDS = SENTENCE.split()


def samples_dir() -> Path:
    """Where the third-party samples live: ``HROMADA_SAMPLES_DIR``, else ``../shared/samples`` beside the clone."""
    configured = os.environ.get("HROMADA_SAMPLES_DIR")
    return Path(configured) if configured else REPOSITORY.parent / "shared" / "samples"


def shared_samples() -> Path:
    """The third-party samples' folder, or a skip (a failure in CI, where they must be proven) when it is absent."""
    path = samples_dir() / "third-party"
    if not path.is_dir():
        message = f"the shared samples are missing at {path} (set HROMADA_SAMPLES_DIR)"
        if IN_CI:
            pytest.fail(f"CI must run this test on {message}")
        pytest.skip(message)
    return path


# --- images ---------------------------------------------------------------------------------------------------------


@functools.cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size)


def text_page(label: str = "", size: tuple[int, int] = A4, mode: str = "L", lines: int = 16) -> Image.Image:
    """A page of printed lines (real glyphs, so capitals and ascenders tell which way is up)."""
    im = Image.new(mode, size, "white")
    draw = ImageDraw.Draw(im)
    scale = size[0] / A4[0]
    font = _font(max(8, round(28 * scale)))  # measured: what the orientation check reads every way up
    ink = 0 if mode in ("L", "1", "LA") else (0, 0, 0) if mode == "RGB" else (0, 0, 0, 255)
    step = round(56 * scale)
    for row in range(lines):
        words = [WORDS[(row * 5 + k) % len(WORDS)] for k in range(6)]
        text = f"{label} {' '.join(words)}" if row == 0 and label else " ".join(words)
        draw.text((round(60 * scale), round(80 * scale) + row * step), text, fill=ink, font=font)
    return im


def encoded(im: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    im.save(out, fmt, **options)
    return out.getvalue()


def _alpha(im: Image.Image) -> Image.Image:
    """The page on a transparent background (the ink opaque), as a scan tool exports it."""
    grey = im.convert("L")
    mask = grey.point(lambda v: 255 if v < 200 else 0)
    out = Image.new("RGBA", im.size, (0, 0, 0, 0))
    out.paste(Image.new("RGBA", im.size, (0, 0, 0, 255)), mask=mask)
    return out


def _pdf(images: list[Image.Image], dpi: int = DPI) -> bytes:
    """A scanner's PDF: one JPEG per page."""
    jpegs = [encoded(im.convert("L") if im.mode != "RGB" else im, "JPEG", quality=80) for im in images]
    return img2pdf.convert(jpegs, layout_fun=img2pdf.get_fixed_dpi_layout_fun((dpi, dpi)))


def _digital_pdf(pages: int, *, form: bool = False) -> bytes:
    """A PDF drawn as text and vectors (no image at all), optionally with an AcroForm text field."""
    from reportlab.lib.pagesizes import A4 as PDF_A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=PDF_A4)
    for n in range(pages):
        pdf.setFont("Helvetica", 12)
        for row in range(20):
            pdf.drawString(60, 780 - row * 24, f"Page {n + 1} line {row + 1}: {' '.join(WORDS[row % 9 : row % 9 + 6])}")
        if form:
            pdf.acroForm.textfield(name=f"name{n}", x=60, y=200, width=300, height=24, value="Olena")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def _rewritten(content: bytes, change) -> bytes:
    with pikepdf.open(io.BytesIO(content)) as pdf:
        change(pdf)
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()


def _signed(pdf: pikepdf.Pdf) -> None:
    """A signature field with a signature dictionary, as a signing tool leaves it (the signature itself is not
    checked by intake, only that a signed PDF is not mistaken for a hostile one)."""
    sig = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Sig,
            Filter=pikepdf.Name("/Adobe.PPKLite"),
            SubFilter=pikepdf.Name("/adbe.pkcs7.detached"),
            ByteRange=pikepdf.Array([0, 0, 0, 0]),
            Contents=pikepdf.String(b"\x00" * 64),
            M=pikepdf.String("D:20260101120000+02'00'"),
        )
    )
    field = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Widget,
            FT=pikepdf.Name.Sig,
            T=pikepdf.String("Signature1"),
            V=sig,
            Rect=pikepdf.Array([0, 0, 0, 0]),
            F=132,
            P=pdf.pages[0].obj,
        )
    )
    pdf.pages[0].obj.Annots = pdf.make_indirect(pikepdf.Array([field]))
    pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array([field]), SigFlags=3)


def _joined(first: bytes, second: bytes) -> bytes:
    """Scanned pages followed by digital ones, in one PDF."""
    with pikepdf.open(io.BytesIO(first)) as pdf, pikepdf.open(io.BytesIO(second)) as extra:
        pdf.pages.extend(extra.pages)
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()


def _damaged(content: bytes) -> bytes:
    """The PDF with its cross-reference table and trailer cut off (as an interrupted copy leaves it): PDFium rebuilds
    the table by scanning the objects."""
    cut = content.rfind(b"xref")
    assert cut > 0
    return content[:cut] + b"%%EOF\n"


@functools.cache
def scans() -> dict[str, bytes]:
    """Every kind of scan a front office uploads, by file name (the names of the third-party samples they stand
    for); ``SCAN_PAGES`` gives the pages each must yield."""
    page = text_page("simple")
    colour = text_page("colour", mode="RGB")
    colour.paste((200, 30, 30), (600, 1000, 780, 1120))  # a red stamp
    frames = [text_page(f"frame {n}") for n in range(3)]
    portrait = [text_page(f"rotated {n}") for n in range(4)]
    # Pages 1 and 3 fed sideways (landscape, text turned), 2 and 4 upright, no /Rotate anywhere: like rotated.pdf.
    sideways = [im.rotate(90, expand=True) if n % 2 == 0 else im for n, im in enumerate(portrait)]
    out = {
        "simple.jpg": encoded(colour, "JPEG", quality=85, dpi=(200, 200)),
        "simple.tif": encoded(colour, "TIFF", compression="tiff_lzw", dpi=(200, 200)),
        "simple.png": encoded(page, "PNG", dpi=(200, 200)),
        "simple-no-dpi.png": encoded(page.convert("RGB"), "PNG"),
        "simple-alpha.png": encoded(_alpha(colour), "PNG"),
        "no-text-alpha.png": encoded(_alpha(Image.new("L", (400, 560), 255)), "PNG"),
        "simple.gif": encoded(colour.convert("P", palette=Image.Palette.ADAPTIVE, colors=16), "GIF"),
        "multi-page-images.tiff": encoded(
            frames[0], "TIFF", save_all=True, append_images=frames[1:], compression="tiff_lzw"
        ),
        "multi-page-images-alpha.tiff": encoded(
            frames[0].convert("LA"),
            "TIFF",
            save_all=True,
            append_images=[f.convert("LA") for f in frames[1:]],
            compression="tiff_lzw",
        ),
        "multi-page-images.pdf": _pdf(frames),
        "multi-page-digital.pdf": _digital_pdf(3),
        "rotated.pdf": _pdf(sideways),
        "signed.pdf": _rewritten(_pdf([page]), _signed),
        "with-form.pdf": _digital_pdf(1, form=True),
        "damaged-recoverable.pdf": _damaged(_pdf(frames[:2])),
    }
    out["multi-page-mixed.pdf"] = _joined(out["multi-page-images.pdf"], out["multi-page-digital.pdf"])
    out["test_with_bom.pdf"] = b"\xef\xbb\xbf" + _pdf(frames[:2])
    import pillow_heif

    pillow_heif.register_heif_opener()
    out["simple.heic"] = encoded(colour.resize((400, 566)), "HEIF", quality=60)
    return out


SCAN_PAGES = {
    "simple.jpg": 1,
    "simple.tif": 1,
    "simple.png": 1,
    "simple-no-dpi.png": 1,
    "simple-alpha.png": 1,
    "no-text-alpha.png": 1,
    "simple.gif": 1,
    "simple.heic": 1,
    "multi-page-images.tiff": 3,
    "multi-page-images-alpha.tiff": 3,
    "multi-page-images.pdf": 3,
    "multi-page-mixed.pdf": 6,
    "multi-page-digital.pdf": 3,
    "rotated.pdf": 4,
    "signed.pdf": 1,
    "with-form.pdf": 1,
    "test_with_bom.pdf": 2,
    "damaged-recoverable.pdf": 2,
}


def scan(name: str) -> bytes:
    return scans()[name]


def scan_file(tmp_path: Path, name: str) -> Path:
    """The scan written to a file (for a browser's file chooser)."""
    path = tmp_path / name
    path.write_bytes(scan(name))
    return path


# --- files intake must refuse -----------------------------------------------------------------------------------


@functools.cache
def encrypted_pdf(password: str) -> bytes:
    """A PDF that cannot be opened without ``password`` (AES-256)."""
    owner = "owner-secret"
    with pikepdf.open(io.BytesIO(_pdf([text_page("locked", size=(413, 584))]))) as pdf:
        out = io.BytesIO()
        pdf.save(out, encryption=pikepdf.Encryption(owner=owner, user=password, R=6))
    return out.getvalue()


@functools.cache
def zip_archive() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("scan.png", encoded(text_page(size=(200, 280)), "PNG"))
        archive.writestr("readme.txt", "two files in an archive")
    return out.getvalue()


BAD = {
    "encrypted.pdf": lambda: encrypted_pdf("a secret"),
    "password-is-test.pdf": lambda: encrypted_pdf("test"),
    "simple.zip": zip_archive,
}


def bad(name: str) -> bytes:
    return BAD[name]()


# --- scanned stacks -------------------------------------------------------------------------------------------------


@functools.cache
def _code(text: str, fmt: str, height: int) -> Image.Image:
    barcode = zxingcpp.create_barcode(text, getattr(zxingcpp.BarcodeFormat, fmt))
    im = Image.fromarray(barcode.to_image(scale=3, add_quiet_zones=True)).convert("L")
    if fmt == "Code39":
        im = im.resize((im.width, height), Image.Resampling.NEAREST)
    return im


def patch_t(size: tuple[int, int] = A4) -> Image.Image:
    """A PATCH-T separator sheet as third-party scanners print it: a Code 39 "PATCHT" across the page."""
    im = Image.new("L", size, 255)
    code = _code("PATCHT", "Code39", 200)
    im.paste(code, ((size[0] - code.width) // 2, size[1] // 3))
    return im


def with_codes(page: Image.Image, codes: list[tuple[str, str]]) -> Image.Image:
    """The page with barcodes (``(text, format)``: QRCode, Code128…) printed down its right half."""
    im = page.copy()
    y = 40
    for text, fmt in codes:
        code = _code(text, fmt, 120)
        if y + code.height > im.height:
            raise ValueError("more codes than the page holds")
        im.paste(code, (im.width - code.width - 30, y))
        y += code.height + 20
    return im


@functools.cache
def stacks() -> dict[str, bytes]:
    """The scanned stacks of the third-party batch samples, made: each tells where the stack must split."""
    pages = [text_page(f"stack {n}") for n in range(7)]
    sheet = patch_t()
    seven = [(f"not a case number {n}", "QRCode") for n in range(7)]
    return {
        "patch-code-t.pdf": _pdf([sheet]),
        "patch-code-t-qr.pdf": _pdf([with_codes(sheet, [("PATCHT", "QRCode")])]),
        "patch-code-t-middle.pdf": _pdf([pages[0], sheet, pages[1]]),
        "patch-code-t-middle-distorted.pdf": _pdf([pages[0], _distorted(sheet), pages[1]]),
        "barcode-fax-image.pdf": _pdf([_faxed(pages[2]), _faxed(sheet), _faxed(pages[3])]),
        "patch-code-t-middle-reverse.pdf": _pdf([pages[0], sheet.rotate(180), pages[1]]),
        "patch-code-t-middle.tiff": encoded(
            pages[0], "TIFF", save_all=True, append_images=[sheet, pages[1]], compression="tiff_lzw", dpi=(DPI, DPI)
        ),
        "several-patcht-codes.pdf": _pdf([pages[0], pages[1], sheet, pages[2], pages[3], sheet, pages[4]]),
        "patch-code-t-middle-unreadable.pdf": _pdf([pages[0], _unreadable(sheet), pages[1]]),
        "barcode-qr-custom.pdf": _pdf([with_codes(pages[5], [("CUSTOM BARCODE", "QRCode")])]),
        "barcode-128-custom.pdf": _pdf([with_codes(pages[6], [("CUSTOM BARCODE", "Code128")])]),
        "many-qr-codes.pdf": _pdf([pages[0], with_codes(pages[1], seven), pages[2]]),
    }


def _distorted(sheet: Image.Image) -> Image.Image:
    """Fed askew through a tired scanner: turned 4 degrees, faint and soft."""
    from PIL import ImageFilter

    turned = sheet.rotate(4, expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC)
    return turned.point(lambda v: 110 + v * 145 // 255).filter(ImageFilter.GaussianBlur(0.8))


def _faxed(page: Image.Image) -> Image.Image:
    """A fax: half the vertical resolution, black and white only."""
    half = page.resize((page.width, page.height // 2), Image.Resampling.BOX)
    return half.resize(page.size, Image.Resampling.NEAREST).point(lambda v: 0 if v < 128 else 255)


def _unreadable(sheet: Image.Image) -> Image.Image:
    """The separator with its bars smeared beyond any reader (a wet-roller jam)."""
    from PIL import ImageFilter

    return sheet.filter(ImageFilter.BoxBlur(18))


def stack(name: str) -> bytes:
    return stacks()[name]
