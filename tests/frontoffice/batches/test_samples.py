"""The batch samples (the suite's own stacks in tests/corpus.py, and the third-party ones of the same names when
they are there, see ``samples`` in tests/conftest.py): each gets the outcome its README asks.

Without a cover sheet no page belongs to a case, so every page stays in the batch; what the samples test is
where the stack splits: PATCH-T sheets start new documents (and are dropped), other codes split nothing."""

import pytest

from frontoffice.services import uploaded
from tests import corpus
from tests.factories import make_case
from tests.frontoffice.batches.stacks import cover, route, run_batch, sample, stack_pdf

pytestmark = pytest.mark.django_db


def groups(batch) -> list[list[int]]:
    """Pages kept in the batch, in the documents the plan made of them."""
    out: dict[int, list[int]] = {}
    for page in batch.pages.exclude(status="dropped").order_by("number"):
        out.setdefault(page.group, []).append(page.number)
    return list(out.values())


def dropped(batch) -> list[int]:
    return list(batch.pages.filter(status="dropped").values_list("number", flat=True))


@pytest.mark.parametrize(
    ("name", "pages", "split", "sheets"),
    [
        ("patch-code-t.pdf", 1, [], [1]),
        ("patch-code-t-qr.pdf", 1, [], [1]),
        ("patch-code-t-middle.pdf", 3, [[1], [3]], [2]),
        ("patch-code-t-middle-distorted.pdf", 3, [[1], [3]], [2]),
        ("patch-code-t-middle-reverse.pdf", 3, [[1], [3]], [2]),
        ("patch-code-t-middle.tiff", 3, [[1], [3]], [2]),
        ("barcode-fax-image.pdf", 3, [[1], [3]], [2]),
        ("several-patcht-codes.pdf", 7, [[1, 2], [4, 5], [7]], [3, 6]),
        # A separator no reader can decode: one document, nothing lost.
        ("patch-code-t-middle-unreadable.pdf", 3, [[1, 2, 3]], []),
        # Codes that are not ours: route nowhere, split nothing, kept for the clerk.
        ("barcode-qr-custom.pdf", 1, [[1]], []),
        ("barcode-128-custom.pdf", 1, [[1]], []),
        # Seven QR codes on page 2 split nothing (and would split once if they were ours).
        ("many-qr-codes.pdf", 3, [[1, 2, 3]], []),
    ],
)
@pytest.mark.parametrize("source", ["corpus", "third-party"])
def test_stacks_split_where_the_readme_says(world, request, name, pages, split, sheets, source):
    if source == "corpus":
        stack = sample(name)
    else:
        stack = uploaded((request.getfixturevalue("samples") / "batches" / name).read_bytes(), name)
    batch = run_batch(world.fo_a, world.clerk_a, [stack])
    assert batch.status == "done"
    assert batch.page_count == pages
    assert groups(batch) == split
    assert dropped(batch) == sheets
    # Nothing lost: every page is dropped (a sheet) or waits for the clerk, before the first cover sheet.
    assert all(row[1] in ("dropped", "unrouted") for row in route(batch))
    assert {row[4] for row in route(batch) if row[1] == "unrouted"} <= {"no_cover"}


def test_custom_codes_are_recorded_so_the_clerk_can_see_them(world):
    batch = run_batch(world.fo_a, world.clerk_a, [sample("barcode-qr-custom.pdf")])
    assert batch.pages.get().barcodes == "CUSTOM BARCODE"
    assert batch.pages.get().kind == "content"


def test_behind_our_cover_sheet_patch_t_sheets_make_the_cases_documents(world):
    """Our cover sheet on top of a third-party stack: its PATCH-T sheets split the case's papers into documents."""
    case = make_case(world)
    cover_pdf = uploaded(stack_pdf([cover(case)]), "cover.pdf")
    batch = run_batch(world.fo_a, world.clerk_a, [cover_pdf, sample("several-patcht-codes.pdf")])

    assert batch.page_count == 8
    assert [d.pages.count() for d in case.documents.all()] == [2, 2, 1]
    assert all(d.document_type is None for d in case.documents.all())  # PATCH-T names no type: unsorted
    assert not batch.pages.filter(status="unrouted").exists()
    # The pages went in as cut-out PDFs of the sample's own pages (no re-rendering of the originals).
    assert [s.page_count for s in case.source_files.order_by("pk")] == [2, 2, 1]
    assert {s.content_type for s in case.source_files.all()} == {"application/pdf"}


def test_a_cover_sheet_before_many_qr_codes_makes_one_document(world):
    case = make_case(world)
    cover_pdf = uploaded(stack_pdf([cover(case)]), "cover.pdf")
    batch = run_batch(world.fo_a, world.clerk_a, [cover_pdf, sample("many-qr-codes.pdf")])
    assert [d.pages.count() for d in case.documents.all()] == [3]
    assert batch.pages.filter(status="routed").count() == 3


SCANS = [
    "multi-page-images.tiff",
    "multi-page-images-alpha.tiff",
    "multi-page-mixed.pdf",
    "rotated.pdf",
    "signed.pdf",
    "with-form.pdf",
    "test_with_bom.pdf",
    "damaged-recoverable.pdf",
    "simple.heic",
    "simple-alpha.png",
    "simple.gif",
    "simple-no-dpi.png",
]


@pytest.mark.parametrize("name", SCANS)
def test_every_kind_of_scan_behind_a_cover_sheet_reaches_the_case(world, name):
    """Every kind of scan (multi-frame TIFF with alpha, rotated, signed, damaged-but-recoverable PDFs, HEIC, palette
    GIF…) as the papers of one applicant: all their pages reach the case, none is lost."""
    case = make_case(world)
    cover_pdf = uploaded(stack_pdf([cover(case)]), "cover.pdf")
    scan = uploaded(corpus.scan(name), name)
    batch = run_batch(world.fo_a, world.clerk_a, [cover_pdf, scan])

    assert batch.status == "done"
    kept = batch.page_count - 1
    assert batch.pages.filter(status="routed").count() == kept
    assert case.documents.get().pages.count() == kept
    assert not case.documents.get().pages.exclude(status="ready").exists()
