"""Page processing: every kind of scan (the suite's own corpus, and the third-party samples when they are there) gets
the outcome the samples README states; images the tests make cover EXIF orientation, CMYK, 16-bit, palette with
alpha, grey detection; every refusal leaves nothing behind."""

import io
import zlib

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from cases.exceptions import FileRejected
from cases.models import Document, Page, SourceFile
from cases.processing.derive import process
from cases.processing.formats import PAGE_LONG, PAGE_SHORT
from cases.processing.inspection import inspect, sniff
from cases.processing.orientation import text_orientation
from frontoffice import services as front
from tests import corpus
from tests.conftest import stored_files
from tests.factories import committed, image_bytes, make_case

# They read messages' words. The tests that upload through the services ask for the database (``world``); those of
# the image functions alone run without one.
pytestmark = pytest.mark.usefixtures("english")

ACCEPTED = corpus.SCAN_PAGES  # the pages each scan yields: the corpus's files and the samples of the same name
REFUSED = {
    "encrypted.pdf": "password-protected",
    "password-is-test.pdf": "password-protected",
    "simple.zip": "not a supported",
}


def upload_bytes(world, content: bytes, name: str):
    case = make_case(world)
    with committed():
        document = front.document_add(
            case=case, document_type=None, files=[front.uploaded(content, name)], by=world.clerk_a
        )
    return case, document


def page_image(page: Page) -> Image.Image:
    page.refresh_from_db()
    with default_storage.open(page.image.name, "rb") as f:
        return Image.open(io.BytesIO(f.read()))


def processed(content: bytes, name: str) -> list[Image.Image]:
    """The page images of a file, as the pipeline makes them (inspection, then each page), without the database:
    an upright JPEG the inspection finds ready is its own page image."""
    info = inspect(io.BytesIO(content), name=name)
    if info.ready is not None:
        return [Image.open(io.BytesIO(content))]
    pages = []
    for index in range(info.page_count):
        derived = process(io.BytesIO(content), info.content_type, index)
        image = Image.open(io.BytesIO(derived.image))
        assert image.size == (derived.width, derived.height) and derived.thumbnail
        pages.append(image)
    return pages


def test_every_kind_of_scan_is_accepted_with_its_pages(world, media_root):
    for name, pages in ACCEPTED.items():
        _, document = upload_bytes(world, corpus.scan(name), name)
        statuses = list(document.pages.values_list("status", flat=True))
        assert statuses == ["ready"] * pages, (name, statuses)
        for page in document.pages.all():
            assert page.thumbnail and page.image and page.width and page.height


def test_every_third_party_sample_scan_is_accepted_with_its_pages(world, samples, media_root):
    found = sorted(p.name for p in (samples / "scans").iterdir() if p.name != "README.md")
    assert sorted(ACCEPTED) == found, "a sample without a stated outcome"
    for name, pages in ACCEPTED.items():
        _, document = upload_bytes(world, (samples / "scans" / name).read_bytes(), name)
        statuses = list(document.pages.values_list("status", flat=True))
        assert statuses == ["ready"] * pages, (name, statuses)
        for page in document.pages.all():
            assert page.thumbnail and page.image and page.width and page.height


@pytest.mark.parametrize("source", ["corpus", "third-party"])
@pytest.mark.parametrize(("name", "message"), sorted(REFUSED.items()))
def test_bad_samples_are_refused_clearly_and_leave_nothing(world, request, media_root, name, message, source):
    if source == "corpus":
        content = corpus.bad(name)
    else:
        content = (request.getfixturevalue("samples") / "bad" / name).read_bytes()
    case = make_case(world)
    with pytest.raises(FileRejected) as refused:
        front.document_add(case=case, document_type=None, files=[front.uploaded(content, name)], by=world.clerk_a)
    from django.utils import translation

    with translation.override("en"):
        assert message in str(refused.value.message) and name in str(refused.value.message)
    assert not Document.objects.exists() and not SourceFile.objects.exists() and stored_files(media_root) == []


def test_alpha_is_flattened_onto_white():
    [im] = processed(corpus.scan("no-text-alpha.png"), "a.png")
    assert im.mode in ("L", "RGB")
    corner = im.getpixel((0, 0))
    assert (corner if isinstance(corner, int) else min(corner)) > 240


def test_rotated_pdf_pages_come_out_upright():
    pages = processed(corpus.scan("rotated.pdf"), "rotated.pdf")
    assert len(pages) == 4
    for index, im in enumerate(pages):
        assert im.height > im.width, (index, im.size)
        assert text_orientation(im.convert("L")) == 0


def jpeg_bytes(im: Image.Image, **kw) -> bytes:
    buffer = io.BytesIO()
    im.save(buffer, "JPEG", quality=90, **kw)
    return buffer.getvalue()


def test_exif_rotated_photo_is_turned_upright():
    im = Image.new("RGB", (400, 300), "white")
    im.paste((200, 30, 30), (0, 0, 100, 300))  # a red band on the left of the stored pixels
    exif = Image.Exif()
    exif[0x0112] = 6  # display rotated 90 degrees clockwise
    [out] = processed(jpeg_bytes(im, exif=exif), "photo.jpg")
    assert out.size == (300, 400)
    assert out.convert("RGB").getpixel((150, 20))[0] > 150  # the band is now at the top


def test_cmyk_jpeg():
    im = Image.new("CMYK", (300, 400), (0, 0, 0, 0))
    im.paste((0, 255, 255, 0), (0, 0, 300, 100))  # red in CMYK
    [out] = processed(jpeg_bytes(im), "cmyk.jpg")
    out = out.convert("RGB")
    assert out.getpixel((150, 50))[0] > 180 and out.getpixel((150, 50))[1] < 100
    assert min(out.getpixel((150, 300))) > 230


def test_16_bit_tiff_is_scaled_not_clipped():
    im = Image.new("I", (300, 400))
    im.paste(30000, (0, 0, 300, 200))  # mid grey in 16 bits
    im.paste(65535, (0, 200, 300, 400))
    im = im.convert("I;16")
    buffer = io.BytesIO()
    im.save(buffer, "TIFF")
    [out] = processed(buffer.getvalue(), "deep.tif")
    assert out.mode == "L"
    assert 100 < out.getpixel((150, 100)) < 140 and out.getpixel((150, 300)) > 240


def test_palette_png_with_alpha():
    im = Image.new("P", (300, 400), 0)
    im.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    im.paste(1, (0, 0, 300, 100))
    buffer = io.BytesIO()
    im.save(buffer, "PNG", transparency=0)  # index 0 transparent
    [out] = processed(buffer.getvalue(), "palette.png")
    out = out.convert("RGB")
    assert out.getpixel((150, 50))[0] > 200 and out.getpixel((150, 50))[1] < 80  # opaque red stays red
    assert min(out.getpixel((150, 300))) > 240  # transparent became white


def test_grey_scan_saved_in_colour_is_stored_grey_and_a_stamp_keeps_colour():
    grey = Image.new("RGB", (600, 800), (250, 250, 250))
    grey.paste((20, 20, 20), (50, 50, 550, 80))
    assert [im.mode for im in processed(jpeg_bytes(grey), "grey.jpg")] == ["L"]
    stamped = grey.copy()
    stamped.paste((30, 40, 200), (400, 600, 560, 760))
    assert [im.mode for im in processed(jpeg_bytes(stamped), "stamped.jpg")] == ["RGB"]


def test_an_upright_jpeg_page_is_ready_on_upload_as_it_is(world):
    content = jpeg_bytes(Image.new("L", (2480, 3508), 250))
    case = make_case(world)
    document = front.document_add(
        case=case, document_type=None, files=[front.uploaded(content, "a4.jpg")], by=world.clerk_a
    )
    page = document.pages.get()
    assert page.status == Page.Status.READY  # no task needed, even before commit
    with default_storage.open(page.image.name, "rb") as f:
        assert f.read() == content


def test_oversized_photo_is_reduced_to_the_a4_box():
    [page] = processed(jpeg_bytes(Image.new("RGB", (4000, 6000), (200, 10, 10))), "big.jpg")
    assert page.width <= PAGE_SHORT and page.height <= PAGE_LONG


def test_multi_frame_tiff_gives_a_page_per_frame():
    frames = [Image.new("L", (200, 300), shade) for shade in (10, 120, 240)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "TIFF", save_all=True, append_images=frames[1:])
    shades = [im.getpixel((100, 150)) for im in processed(buffer.getvalue(), "stack.tif")]
    assert len(shades) == 3 and shades[0] < shades[1] < shades[2]


def truncated_jpeg() -> bytes:
    return jpeg_bytes(Image.effect_noise((600, 800), 50).convert("RGB"))[:5000]


def truncated_png() -> bytes:
    content = image_bytes("PNG", size=(600, 800), mode="RGB")
    return content[: len(content) // 2]


def bomb_png() -> bytes:
    """A tiny file that declares a huge image (IHDR only, as bombs do)."""
    ihdr = (20000).to_bytes(4, "big") + (20000).to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])
    chunk = b"IHDR" + ihdr
    body = len(ihdr).to_bytes(4, "big") + chunk + zlib.crc32(chunk).to_bytes(4, "big")
    return b"\x89PNG\r\n\x1a\n" + body + b"\x00\x00\x00\x00IEND\xaeB`\x82"


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "empty.jpg", "empty"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "x.png", "not a supported"),
        (b"<!doctype html><html><body>hi</body></html>", "page.jpg", "not a supported"),
        (b"#!/bin/sh\nrm -rf /\n", "scan.tif", "not a supported"),
        (b"MZ\x90\x00" + b"\x00" * 100, "scan.gif", "not a supported"),
        (truncated_jpeg(), "cut.jpg", "damaged or truncated"),
        (truncated_png(), "cut.png", "damaged or truncated"),
        (bomb_png(), "bomb.png", "too many pixels"),
        (b"%PDF-1.4\n garbage that is not a pdf", "broken.pdf", "damaged PDF"),
    ],
)
def test_bad_files_are_refused_with_a_clear_message(world, media_root, content, name, message):
    from django.utils import translation

    case = make_case(world)
    with translation.override("en"), pytest.raises(FileRejected) as refused:
        front.document_add(case=case, document_type=None, files=[front.uploaded(content, name)], by=world.clerk_a)
    with translation.override("en"):
        assert message in str(refused.value.message)
    assert not Page.objects.exists() and not SourceFile.objects.exists() and stored_files(media_root) == []


def test_size_and_page_limits_are_settings(world, settings, media_root):
    from django.utils import translation

    case = make_case(world)
    settings.UPLOAD_MAX_BYTES = 1000
    with translation.override("en"), pytest.raises(FileRejected, match="larger than"):
        front.document_add(
            case=case,
            document_type=None,
            files=[front.uploaded(b"\xff\xd8\xff" + b"0" * 2000, "a.jpg")],
            by=world.clerk_a,
        )
    settings.UPLOAD_MAX_BYTES = 25 * 2**20
    settings.UPLOAD_MAX_PDF_PAGES = 5
    pdf = corpus.scan("multi-page-mixed.pdf")
    with translation.override("en"), pytest.raises(FileRejected, match="limit is 5"):
        front.document_add(case=case, document_type=None, files=[front.uploaded(pdf, "long.pdf")], by=world.clerk_a)
    assert stored_files(media_root) == []


def test_a_page_that_cannot_be_read_fails_with_a_reason_and_retries(world, media_root):
    case = make_case(world)
    document = front.document_add(
        case=case, document_type=None, files=[front.uploaded(image_bytes("PNG"), "a.png")], by=world.clerk_a
    )
    page = document.pages.get()
    source = page.source
    good = default_storage.open(source.file.name).read()
    default_storage.delete(source.file.name)
    default_storage.save(source.file.name, io.BytesIO(good[:40]))
    front.page_process(page_id=page.pk)
    page.refresh_from_db()
    assert page.status == Page.Status.FAILED and page.failure_reason
    default_storage.delete(source.file.name)
    default_storage.save(source.file.name, io.BytesIO(good))
    with committed():
        front.page_retry(page=page, by=world.clerk_a)
    page.refresh_from_db()
    assert page.status == Page.Status.READY


def test_processing_twice_is_a_no_op(world, media_root):
    _, document = upload_bytes(world, image_bytes("PNG"), "a.png")
    page = document.pages.get()
    before = stored_files(media_root)
    Page.objects.filter(pk=page.pk).update(status=Page.Status.PENDING)  # a redelivered task after a crash
    front.page_process(page_id=page.pk)
    front.page_process(page_id=page.pk)
    assert stored_files(media_root) == before


def test_rotating_a_page_derives_it_again(world):
    _, document = upload_bytes(world, jpeg_bytes(Image.new("L", (300, 400), 255)), "p.jpg")
    page = document.pages.get()
    with committed():
        front.page_rotate(page=page, by=world.clerk_a)
    page.refresh_from_db()
    assert (page.width, page.height, page.rotation, page.status) == (400, 300, 90, Page.Status.READY)


def test_sniffing_ignores_the_name():
    assert sniff(image_bytes("PNG")[:64]) == "image/png"
    assert sniff(b"GIF89a....") == "image/gif"
    assert sniff(b"\xef\xbb\xbf%PDF-1.7") == "application/pdf"
    assert sniff(b"PK\x03\x04") is None


def test_a_cut_short_multi_frame_tiff_is_refused_not_a_crash(world, media_root):
    frames = [Image.new("L", (400, 560), shade) for shade in (40, 120, 200)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "TIFF", save_all=True, append_images=frames[1:])
    whole = buffer.getvalue()
    case = make_case(world)
    for cut in (len(whole) - 200, len(whole) // 2, 300):
        with pytest.raises(FileRejected):
            front.document_add(
                case=case, document_type=None, files=[front.uploaded(whole[:cut], "cut.tif")], by=world.clerk_a
            )
    assert not SourceFile.objects.filter(case=case).exists()
    assert stored_files(media_root) == []
