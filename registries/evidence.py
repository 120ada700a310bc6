"""A registry's answer as a one-page extract (an A4 page image at 150 dpi) filed in the case like a scanned page."""

import io
from functools import cache
from pathlib import Path

from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

import cases

FONTS = Path(cases.__file__).resolve().parent / "fonts"
PAGE = (1240, 1754)  # A4 at 150 dpi
MARGIN = 90
THUMB_BOX = (240, 340)

LABELS = {
    "rnokpp": "РНОКПП",
    "last_name": "Прізвище",
    "first_name": "Ім'я",
    "patronymic": "По батькові",
    "birth_date": "Дата народження",
    "unzr": "УНЗР",
    "passport": "Документ",
    "births": "Актові записи про народження",
    "birth_act": "Актовий запис",
    "income": "Доходи",
    "month": "Місяць",
    "amount": "Сума, грн",
    "source": "Джерело",
    "since": "З",
    "from_katottg": "Звідки (КАТОТТГ)",
    "group": "Група",
    "community_katottg": "Громада (КАТОТТГ)",
    "text": "Адреса",
    "registered_since": "Зареєстровано з",
}


@cache
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), size)


def _lines(data, indent: int = 0) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            label = LABELS.get(key, key)
            if isinstance(value, dict | list):
                out.append((indent, f"{label}:"))
                out.extend(_lines(value, indent + 1))
            else:
                out.append((indent, f"{label}: {value or '—'}"))
    elif isinstance(data, list):
        if not data:
            out.append((indent, "—"))
        for n, item in enumerate(data, start=1):
            out.append((indent, f"{n}."))
            out.extend(_lines(item, indent + 1))
    return out


def render_extract(
    *, registry_name: str, service_id: str, person: str, data: dict, query_id: str, answered_at, request_hash: str
) -> tuple[bytes, bytes, int, int]:
    """(page JPEG, thumbnail JPEG, width, height) of the extract."""
    im = Image.new("L", PAGE, 255)
    draw = ImageDraw.Draw(im)
    y = MARGIN
    draw.text((MARGIN, y), "ВИТЯГ З ДЕРЖАВНОГО РЕЄСТРУ", font=_font(40, bold=True), fill=0)
    y += 64
    for line in _wrap(draw, registry_name, _font(30, bold=True), PAGE[0] - 2 * MARGIN):
        draw.text((MARGIN, y), line, font=_font(30, bold=True), fill=0)
        y += 42
    draw.text((MARGIN, y), f"Сервіс: {service_id}", font=_font(20), fill=60)
    y += 44
    draw.line((MARGIN, y, PAGE[0] - MARGIN, y), fill=0, width=2)
    y += 24
    draw.text((MARGIN, y), f"Особа: {person}", font=_font(28), fill=0)
    y += 56
    body = _font(26)
    for indent, text in _lines(data):
        if y > PAGE[1] - 330:
            draw.text((MARGIN, y), "…", font=body, fill=0)
            break
        for part in _wrap(draw, text, body, PAGE[0] - 2 * MARGIN - indent * 40):
            draw.text((MARGIN + indent * 40, y), part, font=body, fill=0)
            y += 38
    y = PAGE[1] - 300
    draw.line((MARGIN, y, PAGE[0] - MARGIN, y), fill=0, width=2)
    y += 24
    small = _font(20)
    local = timezone.localtime(answered_at)
    for text in (
        f"Ідентифікатор запиту: {query_id}",
        f"Відповідь отримано: {local:%d.%m.%Y %H:%M:%S}",
        f"Геш запиту: {request_hash[:64]}",
        "Сформовано автоматично за відповіддю реєстру через систему електронної взаємодії (Трембіта).",
        "Заміняє паперову довідку; подання паперового документа не вимагається.",
    ):
        for part in _wrap(draw, text, small, PAGE[0] - 2 * MARGIN):
            draw.text((MARGIN, y), part, font=small, fill=40)
            y += 30
    page = io.BytesIO()
    im.save(page, "JPEG", quality=85)
    thumb = im.reduce(4)  # a quarter first: thumbnail() of the full page would resample every pixel
    thumb.thumbnail(THUMB_BOX)
    small_buf = io.BytesIO()
    thumb.save(small_buf, "JPEG", quality=75)
    return page.getvalue(), small_buf.getvalue(), PAGE[0], PAGE[1]


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    words, lines, current = text.split(), [], ""
    for word in words:
        trial = f"{current} {word}".strip()
        if draw.textlength(trial, font=font) <= width or not current:
            current = trial
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines or [""]
