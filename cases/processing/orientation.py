"""Text orientation of a scanned page.

A scanner's PDF may hold a page fed sideways or upside down, with no /Rotate to say so. Printed text tells which way
is up: its lines run along one axis (the ink profile across lines alternates ink and gap, along them it does not),
and Latin and Cyrillic lines carry more ink above the x-height band (capitals, ascenders, accents) than below it
(descenders). Cheap: a few Pillow reductions and sums over profiles. Undecided pages are left as they are."""

from PIL import Image

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
