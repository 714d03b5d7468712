"""A small chart of confidence intervals on one scale: each a line from its low to its high
end with its estimate marked, against the line of no difference.

Drawn here rather than by pygal (``charts``): pygal has no interval chart, and three lines on
a shared axis need only a few SVG shapes. Presentation attributes, not ``style``, colour them
(the site's Content-Security-Policy refuses inline styles). The chart is decoration for the
eye: the intervals are written out beside it, so it is hidden from screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

__all__ = ["Interval", "interval_svg"]

_WIDTH = 320
_ROW = 18
_PAD = 12
_COLOURS = ("#1f5fbf", "#6b3fa0", "#1d6b35")


@dataclass(frozen=True)
class Interval:
    """One line of the chart: ``low``/``high`` None when unbounded (drawn to the edge with
    an open end)."""

    label: str
    estimate: float
    low: float | None
    high: float | None


def interval_svg(intervals: Sequence[Interval]) -> Markup:
    """The chart of ``intervals`` as inline SVG (empty when there is none).

    >>> "<svg" in interval_svg([Interval("Difference", 0.02, -0.01, 0.05)])
    True
    """
    if not intervals:
        return Markup("")
    ends = [0.0] + [v for i in intervals for v in (i.low, i.high, i.estimate) if v is not None]
    low, high = min(ends), max(ends)
    span = (high - low) or 1.0
    low, high = low - span * 0.08, high + span * 0.08

    def x(value: float) -> float:
        return round(_PAD + (value - low) / (high - low) * (_WIDTH - 2 * _PAD), 1)

    height = _ROW * len(intervals) + 8
    shapes = [f'<line x1="{x(0.0)}" y1="2" x2="{x(0.0)}" y2="{height - 2}" stroke="#4a5366" '
              f'stroke-dasharray="3 3"/>']
    for row, interval in enumerate(intervals):
        y = 4 + _ROW * row + _ROW / 2
        colour = _COLOURS[row % len(_COLOURS)]
        left = _PAD if interval.low is None else x(interval.low)
        right = _WIDTH - _PAD if interval.high is None else x(interval.high)
        shapes.append(f'<line x1="{left}" y1="{y}" x2="{right}" y2="{y}" stroke="{colour}" '
                      f'stroke-width="4" stroke-linecap="round"><title>{escape(interval.label)}'
                      f'</title></line>')
        shapes.append(f'<circle cx="{x(interval.estimate)}" cy="{y}" r="5" fill="#fff" '
                      f'stroke="{colour}" stroke-width="2"/>')
    return Markup(f'<svg class="exp-interval" viewBox="0 0 {_WIDTH} {height}" width="{_WIDTH}" '
                  f'height="{height}" aria-hidden="true" focusable="false" '
                  f'xmlns="http://www.w3.org/2000/svg">{"".join(shapes)}</svg>')
