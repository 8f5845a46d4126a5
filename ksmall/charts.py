"""Server-rendered SVG charts for the dashboards: no JavaScript, no CDN, readable on a
phone (the SVG scales to its container's width; labels are real text)."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Point:
    label: str  # shown under the bar (kept short: "11-23")
    value: Decimal | int | float
    title: str = ""  # the tooltip: "11-23 ¥1,299.00"


def _n(number: float) -> str:
    return f"{number:.1f}"


def _nice_top(largest: float) -> float:
    """A round axis maximum a little above ``largest`` (1, 2, 2.5, 5 × 10^n)."""
    if largest <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(largest))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if largest <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def bar_chart(
    points: list[Point],
    *,
    label: str,
    height: int = 180,
    label_every: int = 1,
    value_format=str,
    top: float | None = None,
) -> SafeString:
    """Vertical bars, one per point, with a top gridline showing the axis maximum."""
    width = max(len(points) * 16, 240)
    plot_top, plot_bottom = 18, height - 22
    top = top or _nice_top(float(max((p.value for p in points), default=0)))
    slot = width / max(len(points), 1)
    bars = []
    for index, point in enumerate(points):
        bar_height = (plot_bottom - plot_top) * float(point.value) / top
        x = index * slot + slot * 0.15
        bars.append(
            format_html(
                '<rect class="chart__bar" x="{}" y="{}" width="{}" height="{}">'
                "<title>{}</title></rect>",
                _n(x),
                _n(plot_bottom - bar_height),
                _n(slot * 0.7),
                _n(max(bar_height, 0.5 if point.value else 0)),
                point.title or f"{point.label} {value_format(point.value)}",
            )
        )
        if index % label_every == 0:
            bars.append(
                format_html(
                    '<text class="chart__label" x="{}" y="{}" text-anchor="{}">{}</text>',
                    _n(index * slot + (0 if index == 0 else slot / 2)),
                    height - 6,
                    "start" if index == 0 else "middle",
                    point.label,
                )
            )
    grid = format_html(
        '<line class="chart__grid" x1="0" x2="{}" y1="{}" y2="{}"/>'
        '<text class="chart__axis" x="2" y="{}">{}</text>'
        '<line class="chart__base" x1="0" x2="{}" y1="{}" y2="{}"/>',
        width,
        plot_top,
        plot_top,
        plot_top - 5,
        value_format(top),
        width,
        plot_bottom,
        plot_bottom,
    )
    return mark_safe(  # noqa: S308 (every piece above is escaped by format_html)
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}">{grid}{"".join(bars)}</svg>'
    )


def hbar_chart(points: list[Point], *, label: str, value_format=str) -> SafeString:
    """Horizontal bars with their label and value: for a few categories (order statuses)."""
    row, width, label_width = 28, 480, 110
    height = row * max(len(points), 1)
    top = float(max((p.value for p in points), default=0)) or 1.0
    rows = []
    for index, point in enumerate(points):
        y = index * row
        bar = (width - label_width - 70) * float(point.value) / top
        rows.append(
            format_html(
                '<text class="chart__label" x="0" y="{}">{}</text>'
                '<rect class="chart__bar" x="{}" y="{}" width="{}" height="{}">'
                "<title>{}</title></rect>"
                '<text class="chart__value" x="{}" y="{}">{}</text>',
                y + 18,
                point.label,
                label_width,
                y + 6,
                _n(bar),
                row - 12,
                point.title or f"{point.label} {value_format(point.value)}",
                _n(label_width + bar + 6),
                y + 18,
                value_format(point.value),
            )
        )
    return mark_safe(  # noqa: S308 (escaped by format_html)
        f'<svg class="chart chart--h" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}">{"".join(rows)}</svg>'
    )
