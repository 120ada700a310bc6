"""The pages the product writes itself when an offer is accepted: the pre-filled application with the consent that
stands for the person's signature (who agreed, when, how), and the bank details the person gave. Each is one A4 page
image filed in the case like a scanned page, ready at once (nothing to process)."""

import hashlib
import io

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Max
from django.utils import timezone
from PIL import Image, ImageDraw

from cases import clock
from cases.models import Case, Document, DocumentType, Page, SourceFile
from registries.evidence import MARGIN, PAGE, THUMB_BOX, _font, _wrap


def render_form(*, title: str, lines: list[str], footer: list[str]) -> tuple[bytes, bytes]:
    im = Image.new("L", PAGE, 255)
    draw = ImageDraw.Draw(im)
    y = MARGIN
    for part in _wrap(draw, title, _font(36, bold=True), PAGE[0] - 2 * MARGIN):
        draw.text((MARGIN, y), part, font=_font(36, bold=True), fill=0)
        y += 52
    y += 10
    draw.line((MARGIN, y, PAGE[0] - MARGIN, y), fill=0, width=2)
    y += 30
    body = _font(26)
    for text in lines:
        for part in _wrap(draw, text, body, PAGE[0] - 2 * MARGIN):
            if y > PAGE[1] - 300:
                break
            draw.text((MARGIN, y), part, font=body, fill=0)
            y += 38
        y += 8
    y = PAGE[1] - 260
    draw.line((MARGIN, y, PAGE[0] - MARGIN, y), fill=0, width=2)
    y += 24
    for text in footer:
        for part in _wrap(draw, text, _font(20), PAGE[0] - 2 * MARGIN):
            draw.text((MARGIN, y), part, font=_font(20), fill=40)
            y += 30
    page = io.BytesIO()
    im.save(page, "JPEG", quality=85)
    thumb = im.reduce(4)
    thumb.thumbnail(THUMB_BOX)
    small = io.BytesIO()
    thumb.save(small, "JPEG", quality=75)
    return page.getvalue(), small.getvalue()


def file_page(*, case: Case, type_code: str, image: bytes, thumbnail: bytes, name: str, by) -> Document | None:
    """One document of ``type_code`` made of ``image``, ready. Part of the caller's transaction; the stored files'
    names are returned on the document (``_saved``) for clean-up if it rolls back."""
    document_type = DocumentType.objects.filter(code=type_code).first()
    if document_type is None:
        return None
    sha = hashlib.sha256(image).hexdigest()
    original = default_storage.save(f"cases/{case.pk}/originals/{sha[:20]}.jpg", ContentFile(image))
    source = SourceFile.objects.create(
        case=case,
        file=original,
        sha256=sha,
        size=len(image),
        content_type="image/jpeg",
        original_name=name,
        created_by=by,
    )
    position = (case.documents.aggregate(m=Max("position"))["m"] or 0) + 1
    document = Document.objects.create(case=case, document_type=document_type, position=position, created_by=by)
    page = Page.objects.create(document=document, source=source, position=1)
    base = f"cases/{case.pk}/pages/{page.pk}"
    image_name = default_storage.save(f"{base}.jpg", ContentFile(image))
    thumb_name = default_storage.save(f"{base}-thumb.jpg", ContentFile(thumbnail))
    Page.objects.filter(pk=page.pk).update(
        status=Page.Status.READY,
        image=image_name,
        thumbnail=thumb_name,
        width=PAGE[0],
        height=PAGE[1],
        attempts=1,
        processed_at=clock.now(),
    )
    document._saved = [original, image_name, thumb_name]
    return document


def application_lines(*, offer, consent_label: str, channel_label: str, note: str, by_label: str) -> list[str]:
    a = offer.applicant
    at = timezone.localtime(offer.decided_at or clock.now())
    return [
        f"Послуга: {offer.service_type.name_uk}",
        f"Заявник: {a.full_name}, {a.birth_date:%d.%m.%Y}, РНОКПП {a.rnokpp or '—'}",
        f"Адреса: {a.address or '—'}",
        f"Підстава пропозиції: {offer.reason}",
        f"Згоду надав(ла): {consent_label}; спосіб: {channel_label}; {at:%d.%m.%Y %H:%M}",
        f"Згоду прийняв(ла): {by_label}",
        *([f"Примітка: {note}"] if note else []),
        "Заявник просить призначити допомогу без окремої заяви (Закон України № 1689-IX) та погоджується, "
        "що відомості державних реєстрів будуть використані для її призначення.",
    ]
