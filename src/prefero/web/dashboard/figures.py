"""A figure of the dashboard: a chart and, beside it, the table of the same numbers (for
screen readers, for copying, for exact values). Pages build them with ``figure`` and show
them with the ``figure`` macro of ``dashboard/_macros.html``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from prefero.web.dashboard.charts import Chart, render_svg

__all__ = ["Figure", "figure"]


@dataclass(frozen=True)
class Figure:
    """What the macro shows: a heading (``title``), the SVG, the table's column headings and
    rows (every cell already worded: numbers formatted for the page's language), and an
    optional note under it."""

    key: str
    title: str
    svg: Markup
    columns: Sequence[str]
    rows: Sequence[Sequence[str]]
    note: str | None = None
    legend: Sequence[str] = ()

    @property
    def empty(self) -> bool:
        return not self.rows

    @property
    def layout(self) -> str:
        """How chart and table share a wide screen (``dashboard.css``): a narrow table
        beside the chart, a wider one sharing the width, a table of many columns under it.
        A phone always shows the table under the chart."""
        if len(self.columns) <= 3:
            return "side"
        return "half" if len(self.columns) <= 5 else "stacked"


def figure(chart: Chart, *, columns: Sequence[str], rows: Sequence[Sequence[str]],
           note: str | None = None) -> Figure:
    """The figure of ``chart`` with its table; the chart is drawn only when there is
    something to draw.

    >>> figure(Chart(key="k", title="Levels", labels=[], series=[]), columns=["Level"],
    ...        rows=[]).empty
    True
    """
    drawn = render_svg(chart) if rows else Markup("")
    # A key only where colours tell series apart.
    legend = [series.name for series in chart.series] if len(chart.series) > 1 else []
    return Figure(key=chart.key, title=chart.title, svg=drawn, columns=columns, rows=rows,
                  note=note, legend=legend)
