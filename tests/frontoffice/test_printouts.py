"""The papers: the transfer register does not overprint and stars only what it explains; the package is A4 pages;
the receipt and the package follow the checklist's order, not the order uploads finished."""

from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pikepdf
import pypdfium2
import pytest

from cases.models import Case
from frontoffice import pdf
from frontoffice import services as front
from tests.factories import add_document, committed, image_bytes, make_case, upload

pytestmark = pytest.mark.django_db
A4 = (595.28, 841.89)


def _line(n: int, action: str = "submit"):
    case = SimpleNamespace(
        number=f"UA{n:017d}-2026-{n:06d}",  # 31 characters, as a real number
        applicant=SimpleNamespace(full_name="Костянтиненко-Володимирська Олександра Вікторівна"),
        service_type=SimpleNamespace(name="Державна соціальна допомога малозабезпеченим сім'ям"),
    )
    return SimpleNamespace(
        at=datetime(2026, 10, 5, 9, n % 60, tzinfo=ZoneInfo("Europe/Kyiv")), case=case, action=action, pages=12
    )


def _clashes(content: bytes) -> tuple[int, list]:
    """Glyphs drawn over other glyphs, page by page (a sweep over their boxes, sorted by their left edge)."""
    found, count, tolerance = [], 0, 0.3
    for page in pypdfium2.PdfDocument(content):
        text = page.get_textpage()
        boxes = sorted(
            text.get_charbox(i) for i in range(text.count_chars()) if not text.get_text_range(i, 1).isspace()
        )
        count += len(boxes)
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                if b[0] >= a[2] - tolerance:
                    break
                if a[1] < b[3] - tolerance and b[1] < a[3] - tolerance:
                    found.append((a, b))
    return count, found


def test_the_transfer_register_prints_no_text_over_other_text(world):
    lines = [_line(n, "resubmit" if n == 3 else "submit") for n in range(1, 40)]
    content = pdf.transfer_register_pdf(front_office=world.fo_a, day=date(2026, 10, 5), lines=lines)
    glyphs, clashes = _clashes(content)
    assert glyphs > 39 * 100 and clashes == []
    text = "".join(page.get_textpage().get_text_range() for page in pypdfium2.PdfDocument(content))
    assert "Олександра" in text and "малозабезпеченим" in text  # wrapped, not cut
    assert "повторно" in text  # the star is explained, since one line has it


def test_the_register_footnote_prints_only_when_something_is_starred(world):
    content = pdf.transfer_register_pdf(front_office=world.fo_a, day=date(2026, 10, 5), lines=[_line(1)])
    text = pypdfium2.PdfDocument(content)[0].get_textpage().get_text_range()
    assert "*" not in text


def _submitted_in_reverse_checklist_order(world) -> Case:
    case = make_case(world)
    items = list(case.service_type.checklist.all())
    for width, item in zip(range(600, 600 + 10 * len(items), 10), reversed(items), strict=False):
        add_document(case, world.clerk_a, item.document_types.first(), [upload(image_bytes("PNG", size=(width, 60)))])
    with committed():
        return front.case_submit(case=case, by=world.clerk_a)


def test_the_package_is_a4_in_the_checklists_order(world, media_root):
    import os

    case = _submitted_in_reverse_checklist_order(world)
    case.refresh_from_db()
    with open(os.path.join(media_root, case.package_pdf.name), "rb") as f:
        document = pikepdf.Pdf.open(f)
        sizes = [tuple(round(float(v), 2) for v in page.mediabox[2:]) for page in document.pages]
        widths = [next(iter(page.get_images().values())).Width for page in document.pages]
    assert all(size in (A4, A4[::-1]) for size in sizes), sizes
    # Uploaded last item first, each a wider image: the checklist's order is the widths' descending order.
    assert widths == sorted(widths, reverse=True) and len(widths) == case.service_type.checklist.count()


def test_the_receipt_lists_documents_in_the_checklists_order(client, world):
    from django.urls import reverse

    case = _submitted_in_reverse_checklist_order(world)
    client.force_login(world.clerk_a)
    content = client.get(reverse("frontoffice:case-receipt", args=[case.pk])).content
    text = pypdfium2.PdfDocument(content)[0].get_textpage().get_text_range()
    names = [item.document_types.first().name for item in case.service_type.checklist.all()]
    positions = [text.find(name) for name in names]
    assert -1 not in positions and positions == sorted(positions)
