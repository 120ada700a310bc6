"""Charts drawn on the server as SVG geometry (no chart library, no script): each function returns a ``Chart`` the
template ``payments/partials/chart.html`` draws. Coordinates are pre-formatted strings so the page's locale never
turns ``12.5`` into ``12,5`` inside an SVG attribute. Every chart also carries its data as a table."""

import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _

WIDTH = 640
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 14, 36


@dataclass
class Chart:
    id: str
    title: str
    desc: str
    width: int = WIDTH
    height: int = 240
    ticks: list[dict] = field(default_factory=list)  # gridlines: y, x1, x2, label
    bars: list[dict] = field(default_factory=list)  # x, y, w, h, css, title
    lines: list[dict] = field(default_factory=list)  # points, css, name
    labels: list[dict] = field(default_factory=list)  # x, y, text, anchor, css
    legend: list[dict] = field(default_factory=list)  # css, name
    table_head: list[str] = field(default_factory=list)
    table: list[list[str]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.table


def _f(value: float) -> str:
    return f"{value:.1f}"


def nice_step(top: float, steps: int = 4) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) that divides ``top`` into about ``steps`` parts."""
    if top <= 0:
        return 1.0
    raw = top / steps
    magnitude = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * magnitude:
            return m * magnitude
    return 10 * magnitude


def _short(value: float, digits: int) -> str:
    value = round(value, digits)
    return number_format(int(value) if value == int(value) else value)


def compact(value: float) -> str:
    """A short axis label: 12 500 000 -> "12,5 M", 1 000 000 -> "1 M"."""
    if abs(value) >= 1_000_000:
        return _("%(value)s M") % {"value": _short(value / 1_000_000, 2)}
    if abs(value) >= 1_000:
        return _("%(value)s k") % {"value": _short(value / 1_000, 1)}
    return _short(value, 2)


def elide(name: str, limit: int = 32) -> str:
    """Shorten in the middle: "Управління соціального захисту населення Вінницької РДА" keeps its distinctive end."""
    if len(name) <= limit:
        return name
    head = (limit - 1) * 3 // 5
    return f"{name[:head].rstrip()}…{name[-(limit - 1 - head) :].lstrip()}"


def one_decimal(value) -> str:
    """A figure people read (days, averages) with one decimal, in the page's language: "3,8" in Ukrainian."""
    return number_format(float(value or 0), decimal_pos=1)


def money(value) -> str:
    return number_format(Decimal(value or 0), decimal_pos=2, force_grouping=True)


def _scale(values: list[float]) -> tuple[float, float, float]:
    """The axis range (lowest, highest, step) covering ``values`` and zero."""
    high, low = max([0.0, *values]), min([0.0, *values])
    step = nice_step(high - low or 1.0)
    return math.floor(low / step) * step, math.ceil(high / step) * step or step, step


def columns(
    chart_id: str, title: str, desc: str, labels: list[str], values: list, *, fmt=money, head=("", "")
) -> Chart:
    """Vertical bars, one per label (months)."""
    chart = Chart(chart_id, title, desc, table_head=list(head))
    numbers = [float(v) for v in values]
    low, high, step = _scale(numbers)
    plot_h = chart.height - TOP - BOTTOM
    plot_w = chart.width - LEFT - RIGHT

    def y(v: float) -> float:
        return TOP + plot_h * (high - v) / (high - low)

    tick = low
    while tick <= high + step / 2:
        chart.ticks.append({"y": _f(y(tick)), "x1": LEFT, "x2": chart.width - RIGHT, "label": compact(tick)})
        tick += step
    slot = plot_w / max(len(labels), 1)
    for i, (label, value, raw) in enumerate(zip(labels, numbers, values, strict=True)):
        top, bottom = y(max(value, 0)), y(min(value, 0))
        x = LEFT + i * slot + slot * 0.15
        chart.bars.append(
            {
                "x": _f(x),
                "y": _f(top),
                "w": _f(slot * 0.7),
                "h": _f(max(bottom - top, 0.5 if value else 0)),
                "css": "neg" if value < 0 else "",
                "title": f"{label}: {fmt(raw)}",
            }
        )
        chart.labels.append(
            {"x": _f(x + slot * 0.35), "y": _f(chart.height - BOTTOM + 16), "text": label, "anchor": "middle"}
        )
        chart.table.append([label, fmt(raw)])
    return chart


def bars(chart_id: str, title: str, desc: str, rows: list[tuple[str, object]], *, fmt=money, head=("", "")) -> Chart:
    """Horizontal bars, one row per name (back offices, communities), longest first as given. A value of None
    (nothing to measure) gets no bar and a dash."""
    row_h, label_w = 24, 230
    chart = Chart(chart_id, title, desc, height=TOP + BOTTOM // 2 + row_h * max(len(rows), 1), table_head=list(head))
    numbers = [float(v or 0) for _, v in rows]
    _low, high, _step = _scale(numbers)
    plot_w = chart.width - label_w - RIGHT - 90
    for i, ((name, raw), value) in enumerate(zip(rows, numbers, strict=True)):
        y = TOP + i * row_h
        width = plot_w * max(value, 0) / high if high else 0
        short = elide(name)
        chart.labels.append({"x": label_w - 6, "y": _f(y + row_h * 0.65), "text": short, "anchor": "end"})
        chart.bars.append(
            {
                "x": label_w,
                "y": _f(y + 4),
                "w": _f(max(width, 0.5)),
                "h": _f(row_h - 8),
                "css": "",
                "title": f"{name}: {fmt(raw)}",
            }
        )
        chart.labels.append(
            {
                "x": _f(label_w + width + 6),
                "y": _f(y + row_h * 0.65),
                "text": fmt(raw),
                "anchor": "start",
                "css": "value",
            }
        )
        chart.table.append([name, fmt(raw)])
    return chart


def lines(
    chart_id: str, title: str, desc: str, labels: list[str], series: list[tuple[str, str, list]], *, fmt=money
) -> Chart:
    """Lines over the labels (months); ``series`` are (name, css class, values); a value of None is not drawn."""
    chart = Chart(chart_id, title, desc, table_head=["", *(name for name, _, _ in series)])
    numbers = [float(v) for _, _, values in series for v in values if v is not None]
    low, high, step = _scale(numbers or [0.0])
    plot_h = chart.height - TOP - BOTTOM
    plot_w = chart.width - LEFT - RIGHT

    def y(v: float) -> float:
        return TOP + plot_h * (high - v) / (high - low)

    tick = low
    while tick <= high + step / 2:
        chart.ticks.append({"y": _f(y(tick)), "x1": LEFT, "x2": chart.width - RIGHT, "label": compact(tick)})
        tick += step
    slot = plot_w / max(len(labels), 1)
    xs = [LEFT + slot * (i + 0.5) for i in range(len(labels))]
    for name, css, values in series:
        points = " ".join(f"{_f(x)},{_f(y(float(v)))}" for x, v in zip(xs, values, strict=True) if v is not None)
        chart.lines.append({"points": points, "css": css, "name": name})
        chart.legend.append({"css": css, "name": name})
    for x, label in zip(xs, labels, strict=True):
        chart.labels.append({"x": _f(x), "y": _f(chart.height - BOTTOM + 16), "text": label, "anchor": "middle"})
    for i, label in enumerate(labels):
        chart.table.append([label, *("" if values[i] is None else fmt(values[i]) for _, _, values in series)])
    return chart
