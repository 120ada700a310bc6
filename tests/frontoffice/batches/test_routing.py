"""A scanned stack split by our own cover and separator sheets, read however the scanner left them."""

import io

import pytest
from PIL import Image, ImageDraw

from cases.models import Page
from frontoffice.models import ScanBatch
from frontoffice.services import uploaded
from tests.factories import make_case
from tests.frontoffice.batches.stacks import (
    content,
    cover,
    jpeg,
    pdf_upload,
    photocopied,
    rotated,
    route,
    run_batch,
    separator,
    spoiled,
    stack_tiff,
)

# Every test that routes a stack asks for the database (``world``); the code-reading ones run without it.


def test_cover_sheets_split_a_stack_into_cases_and_drop_the_sheets(world):
    a, b = make_case(world), make_case(world)
    stack = [cover(a), content("A1"), content("A2"), cover(b), content("B1")]
    batch = run_batch(world.fo_a, world.clerk_a, [pdf_upload(stack)])

    assert batch.status == ScanBatch.Status.DONE
    assert batch.page_count == 5 and batch.pages_read == 5
    assert route(batch) == [
        (1, "dropped", "", None, ""),
        (2, "routed", a.number, None, ""),
        (3, "routed", a.number, None, ""),
        (4, "dropped", "", None, ""),
        (5, "routed", b.number, None, ""),
    ]
    doc_a = a.documents.get()
    assert doc_a.document_type is None  # no separator: "unsorted" for the clerk to label
    assert doc_a.pages.count() == 2
    assert b.documents.get().pages.count() == 1
    assert Page.objects.filter(document__case__in=[a, b], status=Page.Status.READY).count() == 3


def test_separators_start_documents_typed_by_the_sheet_or_unsorted(world):
    case = make_case(world)
    stack = [
        cover(case),
        separator("application"),
        content("form"),
        separator("passport"),
        content("passport 1"),
        content("passport 2"),
        separator(),  # the plain PATCH-T sheet
        content("something"),
        separator("income"),
        separator("passport"),  # two separators in a row: the first makes no empty document
        content("passport again"),
    ]
    batch = run_batch(world.fo_a, world.clerk_a, [pdf_upload(stack)])

    documents = [(d.document_type.code if d.document_type else None, d.pages.count()) for d in case.documents.all()]
    assert documents == [("application", 1), ("passport", 2), (None, 1), ("passport", 1)]
    statuses = [row[1] for row in route(batch)]
    assert statuses.count("dropped") == 6 and statuses.count("routed") == 5


@pytest.mark.parametrize(
    "turn",
    [
        pytest.param(lambda im: rotated(im, 90), id="rotated-90"),
        pytest.param(lambda im: rotated(im, 180), id="rotated-180"),
        pytest.param(lambda im: rotated(im, 270), id="rotated-270"),
        pytest.param(lambda im: rotated(im, 2.5), id="skewed"),
        pytest.param(photocopied, id="low-contrast-photocopy"),
        pytest.param(lambda im: photocopied(rotated(im, -1.5)), id="skewed-photocopy"),
    ],
)
def test_sheets_are_read_however_the_scanner_left_them(world, turn):
    a, b = make_case(world), make_case(world)
    stack = [turn(cover(a)), content(), turn(separator("passport")), content(), turn(cover(b)), content()]
    batch = run_batch(world.fo_a, world.clerk_a, [pdf_upload(stack)])

    assert [row[:4] for row in route(batch)] == [
        (1, "dropped", "", None),
        (2, "routed", a.number, None),
        (3, "dropped", "", None),
        (4, "routed", a.number, "passport"),
        (5, "dropped", "", None),
        (6, "routed", b.number, None),
    ]


def test_a_cover_sheet_whose_qr_code_is_torn_off_is_read_by_its_code_128(world):
    """Nothing read at the modest resolution, but the page has our sheets' band: it is read again, closer."""
    a = make_case(world)
    torn = cover(a)
    ImageDraw.Draw(torn).rectangle((0, 300, 700, 900), fill=250)  # the QR code's corner of the sheet
    batch = run_batch(world.fo_a, world.clerk_a, [pdf_upload([torn, content()])])
    assert [r[:3] for r in route(batch)] == [(1, "dropped", ""), (2, "routed", a.number)]
    assert batch.pages.get(number=1).barcodes == f"HIC:{a.number}"


def test_an_unreadable_cover_sheet_routes_nothing_into_the_case_before_it(world):
    """A spoiled cover sheet may be the next applicant's: its pages wait for the clerk rather than fall into the
    previous case. Nothing is lost, and the case number it interrupted is offered to the clerk."""
    a, b = make_case(world), make_case(world)
    stack = [cover(a), content("A"), spoiled(cover(b)), content("B1"), content("B2")]
    batch = run_batch(world.fo_a, world.clerk_a, [pdf_upload(stack)])

    rows = route(batch)
    assert rows[:2] == [(1, "dropped", "", None, ""), (2, "routed", a.number, None, "")]
    assert [(r[0], r[1], r[4]) for r in rows[2:]] == [
        (3, "unrouted", "unreadable_sheet"),
        (4, "unrouted", "unreadable_sheet"),
        (5, "unrouted", "unreadable_sheet"),
    ]
    assert batch.pages.get(number=3).kind == "unreadable_sheet"
    assert batch.pages.get(number=4).case_number == a.number  # the hint for the clerk
    assert a.documents.get().pages.count() == 1 and not b.documents.exists()
    assert batch.files.get().file  # the stack is kept while pages wait


def test_an_unreadable_separator_keeps_the_pages_for_the_clerk(world):
    case = make_case(world)
    stack = [cover(case), content(), spoiled(separator("passport")), content()]
    batch = run_batch(world.fo_a, world.clerk_a, [pdf_upload(stack)])
    assert [r[1] for r in route(batch)] == ["dropped", "routed", "unrouted", "unrouted"]


def test_pages_before_the_first_cover_sheet_stay_in_the_batch(world):
    case = make_case(world)
    stack = [content("stray"), separator("passport"), content("stray 2"), cover(case), content()]
    batch = run_batch(world.fo_a, world.clerk_a, [pdf_upload(stack)])
    rows = route(batch)
    assert [(r[0], r[1], r[4]) for r in rows] == [
        (1, "unrouted", "no_cover"),
        (2, "dropped", ""),
        (3, "unrouted", "no_cover"),
        (4, "dropped", ""),
        (5, "routed", ""),
    ]
    # Two documents in the plan: the separator still splits what no case claims.
    assert batch.pages.get(number=1).group != batch.pages.get(number=3).group
    assert batch.pages.get(number=3).document_type.code == "passport"


def test_a_cover_sheet_of_another_communitys_case_routes_nothing_there(world):
    ours, theirs = make_case(world), make_case(world, community="b")
    stack = [cover(theirs), content("theirs"), cover(ours), content("ours")]
    batch = run_batch(world.fo_a, world.clerk_a, [pdf_upload(stack)])

    rows = route(batch)
    assert rows[1] == (2, "unrouted", "", None, "other_community")
    assert rows[3] == (4, "routed", ours.number, None, "")
    assert not theirs.documents.exists()
    assert batch.pages.get(number=2).case_id is None


def test_unknown_case_numbers_and_cases_that_no_longer_accept_documents(world):
    submitted = make_case(world, "submitted")
    waiting = make_case(world, "needs_info")
    ghost = make_case(world)
    ghost.number = "UA00000000000000000-2020-999999"  # a sheet printed for a number no case has (not saved)
    before = waiting.documents.count()
    stack = [cover(ghost), content(), cover(submitted), content(), cover(waiting), content()]
    batch = run_batch(world.fo_a, world.clerk_a, [pdf_upload(stack)])

    rows = route(batch)
    assert rows[1][4] == "unknown_case" and batch.pages.get(number=2).detail == ghost.number
    assert rows[3][4] == "not_accepting"
    assert rows[5][:3] == (6, "routed", waiting.number)
    assert waiting.documents.count() == before + 1
    assert submitted.documents.count() == len(submitted.service_type.checklist.all())  # untouched


def test_a_misread_linear_code_never_outvotes_the_qr_code():
    from frontoffice.batches.codes import Code, Kind, classify

    number = "UA05020000000007-2026-000001"
    sheet = classify([Code(f"HIC:{number}", matrix=True), Code("HIC:UA05020000000008-2026-000001")])
    assert (sheet.kind, sheet.case_numbers) == (Kind.COVER, (number,))
    # A misread into another shape is no case number at all.
    assert classify([Code("HIC:UA05020000000007'-2026U000001")]).kind == Kind.CONTENT
    # Two different QR codes of ours on one sheet: a cover, but of no single case.
    two = classify([Code(f"HIC:{number}", matrix=True), Code("HIC:UA05020000000007-2026-000002", matrix=True)])
    assert two.kind == Kind.COVER and two.case_number == ""
    # A cover and a separator on one page split once, as a cover.
    assert classify([Code("HID:passport"), Code(f"HIC:{number}", matrix=True)]).kind == Kind.COVER
    assert classify([Code("PATCHT"), Code("HID:passport")]).document_type == "passport"


def test_codes_that_are_neither_cover_nor_separator_split_nothing(world):
    """A QR code on an enclosed paper, even one holding a bare case number (a receipt), is a page like any other."""
    import segno

    case = make_case(world)
    receipt = content("receipt")
    buffer = io.BytesIO()
    segno.make(case.number).save(buffer, kind="png", scale=8, border=4)
    qr = Image.open(io.BytesIO(buffer.getvalue())).convert("L")
    receipt.paste(qr, (900, 1500))
    stack = [cover(case), content(), receipt, content()]
    batch = run_batch(world.fo_a, world.clerk_a, [pdf_upload(stack)])

    assert [r[1] for r in route(batch)] == ["dropped", "routed", "routed", "routed"]
    assert case.documents.get().pages.count() == 3
    assert batch.pages.get(number=3).barcodes == case.number


def test_a_tiff_stack_is_split_frame_by_frame(world):
    a, b = make_case(world), make_case(world)
    tiff = stack_tiff([cover(a), content(), content(), cover(b), content()])
    batch = run_batch(world.fo_a, world.clerk_a, [uploaded(tiff, "stack.tif")])
    assert [r[1] for r in route(batch)] == ["dropped", "routed", "routed", "dropped", "routed"]
    source = a.source_files.get()
    assert source.content_type == "image/tiff" and source.page_count == 2
    assert b.source_files.get().page_count == 1


def test_several_images_make_one_stack_in_the_order_given(world):
    case = make_case(world)
    files = [uploaded(jpeg(im), f"{n}.jpg") for n, im in enumerate([cover(case), content(), content()], start=1)]
    batch = run_batch(world.fo_a, world.clerk_a, files)
    assert [r[1] for r in route(batch)] == ["dropped", "routed", "routed"]
    document = case.documents.get()
    # Whole image files go to the case unchanged (two originals), in order.
    assert [p.source.original_name for p in document.pages.order_by("position")] == ["2.jpg", "3.jpg"]


def test_a_long_document_reaches_its_case_in_pieces_within_the_upload_limits(world, settings):
    settings.SCAN_BATCH_PIECE_PAGES = 2
    case = make_case(world)
    batch = run_batch(world.fo_a, world.clerk_a, [pdf_upload([cover(case)] + [content() for _ in range(5)])])
    document = case.documents.get()
    assert document.pages.count() == 5
    assert sorted(s.page_count for s in case.source_files.all()) == [1, 2, 2]
    assert [p.source_index for p in document.pages.order_by("position")] == [0, 1, 0, 1, 0]
    assert batch.status == "done"
