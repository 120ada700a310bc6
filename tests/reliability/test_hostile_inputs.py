"""The hostile-input corpus: files and fields made to hurt, through the API a client would use.

Every hostile upload gets a 4xx with a machine code and a message a clerk can read, and leaves nothing behind: no
new row (document, original, page), no new file in storage, no fee. Files that are unusual but legitimate (CMYK,
16-bit, a name with a path in it) are accepted and handled safely — that is checked separately below.
"""

import io
import struct
import zipfile
import zlib

import pypdfium2 as pdfium
import pytest
from django.core.files.storage import default_storage
from PIL import Image
from rest_framework.test import APIClient

from cases.models import Applicant, Case, Document, Page, SourceFile
from payments.models import Accrual
from tests import corpus
from tests.conftest import stored_files
from tests.factories import committed, image_bytes, make_case

pytestmark = pytest.mark.django_db


# --- makers -----------------------------------------------------------------------------------------------------


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb() -> bytes:
    """A valid PNG header claiming 100,000 x 100,000 pixels over a few bytes of data."""
    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def gif_bomb() -> bytes:
    """A GIF whose logical screen and image are 65,535 x 65,535."""
    header = b"GIF89a" + struct.pack("<HHBBB", 65535, 65535, 0, 0, 0)
    image = b"," + struct.pack("<HHHHB", 0, 0, 65535, 65535, 0) + b"\x02\x02\x44\x01\x00;"
    return header + image


def tiff_bomb() -> bytes:
    """A baseline TIFF whose tags claim 100,000 x 100,000 8-bit pixels in one tiny strip."""
    entries = [
        (256, 4, 1, 100_000),  # ImageWidth
        (257, 4, 1, 100_000),  # ImageLength
        (258, 3, 1, 8),  # BitsPerSample
        (259, 3, 1, 1),  # Compression: none
        (262, 3, 1, 1),  # BlackIsZero
        (273, 4, 1, 8 + 2 + 10 * 12 + 4),  # StripOffsets: just after the IFD
        (277, 3, 1, 1),  # SamplesPerPixel
        (278, 4, 1, 100_000),  # RowsPerStrip
        (279, 4, 1, 16),  # StripByteCounts
        (284, 3, 1, 1),  # PlanarConfiguration
    ]
    ifd = struct.pack("<H", len(entries))
    for tag, kind, count, value in entries:
        ifd += (
            struct.pack("<HHII", tag, kind, count, value)
            if kind == 4
            else struct.pack("<HHIHH", tag, kind, count, value, 0)
        )
    return b"II*\x00" + struct.pack("<I", 8) + ifd + struct.pack("<I", 0) + b"\x00" * 16


def truncated(fmt: str) -> bytes:
    whole = image_bytes(fmt, size=(800, 1100), mode="RGB")
    return whole[: len(whole) // 2]


def jpeg_zip_polyglot() -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("payload.exe", b"MZ" + b"\x00" * 200)
    return image_bytes("JPEG", size=(400, 560), mode="RGB") + archive.getvalue()


def png_with_trailer() -> bytes:
    return image_bytes("PNG") + b"<script>alert(document.cookie)</script>"


def tiny_pdf(extra_catalog: bytes = b"") -> bytes:
    """A hand-made one-page PDF (with a correct cross-reference table), optionally with more in its catalog."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + extra_catalog + b">>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def pdf_html_polyglot() -> bytes:
    return b"<html><body><script>alert(document.cookie)</script></body></html>\n" + tiny_pdf()


def pdf_with_javascript() -> bytes:
    return tiny_pdf(b"/OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >> ")


def pdf_of_pages(count: int) -> bytes:
    pdf = pdfium.PdfDocument.new()
    for _ in range(count):
        pdf.new_page(595, 842)
    buffer = io.BytesIO()
    pdf.save(buffer)
    return buffer.getvalue()


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script><rect width="10"/></svg>'
HTML = b"<!doctype html><html><body><script>fetch('/api/v1/applicants/')</script></body></html>"


HOSTILE = {
    "png decompression bomb": (png_bomb, "bomb.png"),
    "gif decompression bomb": (gif_bomb, "bomb.gif"),
    "tiff decompression bomb": (tiff_bomb, "bomb.tif"),
    "truncated jpeg": (lambda: truncated("JPEG"), "cut.jpg"),
    "truncated png": (lambda: truncated("PNG"), "cut.png"),
    "jpeg + zip polyglot": (jpeg_zip_polyglot, "photo.jpg"),
    "png with a script after its end": (png_with_trailer, "scan.png"),
    "pdf + html polyglot": (pdf_html_polyglot, "statement.pdf"),
    "pdf with javascript": (pdf_with_javascript, "form.pdf"),
    "pdf of 3,000 pages": (lambda: pdf_of_pages(3000), "huge.pdf"),
    "svg with a script": (lambda: SVG, "scan.svg"),
    "svg named .jpg": (lambda: SVG, "scan.jpg"),
    "html named .jpg": (lambda: HTML, "passport.jpg"),
    "zero bytes": (lambda: b"", "empty.jpg"),
    "over the size limit": (lambda: b"\xff\xd8\xff\xe0" + b"\x00" * (25 * 1024 * 1024), "huge.jpg"),
    "windows executable named .pdf": (lambda: b"MZ\x90\x00" + b"\x00" * 4000, "scan.pdf"),
    "zip archive": (corpus.zip_archive, "simple.zip"),
    "password-protected pdf": (lambda: corpus.encrypted_pdf("a secret"), "encrypted.pdf"),
    "password 'test' pdf": (lambda: corpus.encrypted_pdf("test"), "pw.pdf"),
}


# --- harness ----------------------------------------------------------------------------------------------------


@pytest.fixture
def clerk_api(world):
    client = APIClient()
    client.force_authenticate(world.clerk_a)
    return client


def counts():
    return (
        Document.objects.count(),
        SourceFile.objects.count(),
        Page.objects.count(),
        Accrual.objects.count(),
        Applicant.objects.count(),
        Case.objects.count(),
    )


@pytest.mark.parametrize("label", list(HOSTILE))
def test_hostile_file_is_refused_and_leaves_nothing(world, clerk_api, media_root, label):
    make, name = HOSTILE[label]
    case = make_case(world, Case.Status.DRAFT)
    before, files_before = counts(), stored_files(media_root)
    content = make()
    response = clerk_api.post(
        f"/api/v1/cases/{case.pk}/documents/",
        {"document_type": "passport", "file": _named(content, name)},
        format="multipart",
    )
    assert 400 <= response.status_code < 500, (label, response.status_code)
    body = response.json()
    assert body.get("code") == "file_rejected" or "file" in body, body
    message = body.get("detail") or " ".join(body.get("file", []))
    assert len(message) > 15, body  # a sentence a clerk can act on, not a bare code
    assert counts() == before
    assert stored_files(media_root) == files_before


def _named(content: bytes, name: str):
    f = io.BytesIO(content)
    f.name = name
    return f


def test_malformed_multipart_is_a_400(world, clerk_api):
    case = make_case(world, Case.Status.DRAFT)
    before = counts()
    response = clerk_api.generic(
        "POST",
        f"/api/v1/cases/{case.pk}/documents/",
        b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\n\xff\xd8',  # no end
        content_type="multipart/form-data; boundary=xyz",
    )
    assert response.status_code == 400
    assert counts() == before


def test_a_path_in_the_file_name_goes_nowhere(world, clerk_api, media_root):
    """Names never become storage paths: the original is stored under our own name inside the case's folder."""
    case = make_case(world, Case.Status.DRAFT)
    response = clerk_api.post(
        f"/api/v1/cases/{case.pk}/documents/",
        {"document_type": "passport", "file": _named(image_bytes(), "../../../etc/cron.d/x\x07.png")},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    source = SourceFile.objects.get(case=case)
    assert source.file.name.startswith(f"cases/{case.pk}/originals/")
    assert "/" not in source.original_name and "\x07" not in source.original_name
    assert all(name.startswith(f"cases/{case.pk}/") for name in stored_files(media_root))
    assert default_storage.exists(source.file.name)


@pytest.mark.parametrize(
    ("mode", "fmt", "name"),
    [("CMYK", "JPEG", "cmyk.jpg"), ("I;16", "PNG", "deep.png"), ("I;16", "TIFF", "deep.tif")],
)
def test_unusual_but_legitimate_images_are_processed(world, clerk_api, mode, fmt, name):
    case = make_case(world, Case.Status.DRAFT)
    im = Image.new(mode, (600, 840), 3000 if mode.startswith("I") else (10, 200, 30, 0))
    buffer = io.BytesIO()
    im.save(buffer, fmt)
    with committed():
        response = clerk_api.post(
            f"/api/v1/cases/{case.pk}/documents/",
            {"document_type": "passport", "file": _named(buffer.getvalue(), name)},
            format="multipart",
        )
    assert response.status_code == 201, response.content
    assert list(Page.objects.filter(document__case=case).values_list("status", flat=True)) == ["ready"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("last_name", "Бой\x00ко"),
        ("last_name", "\x1b[31mБойко"),
        ("first_name", "М" * 5000),
        ("address", "вул. Соборна\x07, 1"),
        ("rnokpp", "3068208401"),  # wrong check digit
        ("rnokpp", "30682084OO"),
        ("passport_number", "QZ123456"),  # Latin letters with no Cyrillic look-alike (А/К/… are converted)
        ("unzr", "19840102-0001"),
    ],
)
def test_hostile_applicant_fields_are_refused(world, clerk_api, field, value):
    data = {
        "last_name": "Бойко",
        "first_name": "Марія",
        "birth_date": "1984-01-02",
        "rnokpp": "3068208400",
        "passport_kind": "booklet",
        "passport_number": "АК123456",
    }
    data[field] = value
    before = counts()
    response = clerk_api.post("/api/v1/applicants/", data, format="json")
    if value == "3068208401":  # well formed, but the check digit disagrees with the other nine: a 409
        assert response.status_code == 409, response.content
        assert field in response.json()["errors"], response.json()
    else:
        assert response.status_code == 400, response.content
        assert field in response.json(), response.json()
    assert counts() == before


def _png(*chunks: bytes) -> bytes:
    ihdr = struct.pack(">IIBBBBB", 2, 1, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + b"".join(chunks) + png_chunk(b"IEND", b"")


def test_compressed_pixels_that_happen_to_spell_an_archive_signature_are_not_refused():
    """Four bytes of a noisy scan's compressed pixels can read "PK\\x03\\x04" by chance (CI refused such a page): the
    pixels are skipped; a chunk that carries an archive, or bytes after IEND, are still refused."""
    from cases.exceptions import FileRejected
    from cases.processing.inspection import refuse_hidden_content

    by_chance = _png(png_chunk(b"IDAT", b"\x78\x01" + b"PK\x03\x04" * 4 + b"PK\x05\x06"))
    refuse_hidden_content(io.BytesIO(by_chance), "image/png", name="scan.png")  # no error
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("payload.txt", "x")
    for smuggled in (
        _png(png_chunk(b"tEXt", b"Comment\x00" + archive.getvalue())),
        _png(png_chunk(b"IDAT", b"\x78\x01")) + archive.getvalue(),
    ):
        with pytest.raises(FileRejected):
            refuse_hidden_content(io.BytesIO(smuggled), "image/png", name="scan.png")
