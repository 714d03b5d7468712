"""Charts for the dashboard: pygal draws them on the server as SVG, put inline in the page.

Why pygal and server-side SVG: the page needs no script (the site's Content-Security-Policy
allows no inline code, and a chart should not wait for one), the SVG scales with the page
and prints sharply, and pygal is a maintained library with no dependency of its own.

What is changed in pygal's output, and why:

- its ``<style>`` and ``<script>`` are taken out: the policy refuses inline styles, and the
  script only drives tooltips. The same style, scoped to ``.dash-chart``, is served from
  ``/dashboard/charts.css`` (``chart_css``), generated from pygal itself so it can never
  drift from the version installed;
- the value axis is labelled where ``_ticks`` says: pygal's own choice labels only "0"
  on an axis up to 0.5 or up to tens of thousands (its ``majorize`` keeps the labels at
  whole powers of ten and hides the rest), and puts "0.4" on an axis of counts;
- the ``<svg>`` gets ``role="img"`` and ``aria-labelledby`` pointing at its ``<title>``, so
  a screen reader announces one image by its name rather than hundreds of shapes; the
  numbers themselves are in the table every chart has beside it (``_macros.html``).
"""

from __future__ import annotations

import math
import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Literal

import pygal  # type: ignore[import-untyped]  # no stubs, no py.typed
from markupsafe import Markup
from pygal.style import Style  # type: ignore[import-untyped]

# pygal appends a legacy import hook (for its map plug-ins, which we do not use) to
# sys.meta_path; Python 3.11 warns about it on every later import that reaches it, and
# warnings are errors in the tests and noise in production. Take it out again.
sys.meta_path[:] = [finder for finder in sys.meta_path
                    if type(finder).__module__ != "pygal"]

__all__ = ["Chart", "Series", "chart_css", "render_svg"]

_SVG = "http://www.w3.org/2000/svg"
_XLINK = "http://www.w3.org/1999/xlink"
ET.register_namespace("", _SVG)
ET.register_namespace("xlink", _XLINK)
_CLASS = "dash-chart"
_ID = re.compile(r"[^a-z0-9-]")

# Colours with at least 3:1 contrast against white (WCAG 1.4.11 for graphics), told apart by
# lightness as well as hue.
_STYLE = Style(
    background="transparent", plot_background="transparent",
    foreground="#1d2330", foreground_strong="#1d2330", foreground_subtle="#4a5366",
    opacity=".9", opacity_hover="1", transition="0ms",
    colors=("#1f5fbf", "#b3261e", "#6b3fa0", "#1d6b35", "#8a5a00", "#00687a", "#4a5366"),
    font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    label_font_size=13, major_label_font_size=13, legend_font_size=14,
    value_font_size=13, tooltip_font_size=13,
)

Kind = Literal["bars", "stacked"]


@dataclass(frozen=True)
class Series:
    """One coloured series: its name in the reader's language and one value per label."""

    name: str
    values: Sequence[float | None]


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart (``stacked``: the series add up in one bar per label).

    ``key`` makes the SVG's ids unique on the page; ``title`` names the chart for screen
    readers (the page shows it as the heading above chart and table); ``number`` writes a
    value as the reader's language does (axis and labels)."""

    key: str
    title: str
    labels: Sequence[str]
    series: Sequence[Series]
    number: Callable[[float], str] = str
    kind: Kind = "bars"


def _config(chart: Chart) -> dict[str, object]:
    return {
        "style": _STYLE, "js": [], "disable_xml_declaration": True,
        "classes": ["pygal-chart", _CLASS], "explicit_size": False,
        "width": 560, "height": max(160, 50 + 34 * max(1, len(chart.labels))),
        # The key is HTML beside the chart (``Figure.legend``): pygal's cuts long names
        # ("Refused or withdrawn") and cannot wrap them.
        "show_legend": False,
        # The exact numbers are in the table beside the chart; on the bars they would
        # collide with the bars' ends.
        "print_values": False,
        # A horizontal chart's value axis is pygal's y: its guides only, none across bars.
        "show_y_guides": True, "show_x_guides": False, "truncate_label": -1,
        "truncate_legend": -1, "margin": 12, "spacing": 8,
        "value_formatter": chart.number, "formatter": chart.number, "no_data_text": "",
        "x_labels_major_count": 6, "show_minor_x_labels": False,
        # pygal's y is the value axis of a horizontal chart: every tick labelled.
        "y_labels": _ticks(chart), "y_labels_major_every": 1,
    }


# About this many steps along the value axis: enough to read a bar's length, few enough
# that the labels of a phone-wide chart do not run into each other.
_STEPS = 5


def _ticks(chart: Chart) -> list[float]:
    """Where the value axis is labelled: 0 and even steps of 1, 2 or 5 times a power of
    ten up to the longest bar (a label's total when stacked), about ``_STEPS`` of them;
    whole steps when every value is whole (a count has no "0.4").

    >>> def ticks(*values, kind="bars"):
    ...     return _ticks(Chart(key="k", title="", labels=["a"] * len(values),
    ...                         series=[Series("s", values)], kind=kind))
    >>> ticks(2.8, 6.4), ticks(0.03, 0.07), ticks(1, 3), ticks(26894, 38585)
    ([0, 2, 4, 6, 8], [0, 0.02, 0.04, 0.06, 0.08], [0, 1, 2, 3], [0, 10000, 20000, 30000, 40000])
    >>> ticks(0, None), ticks(0.5)
    ([0, 1], [0, 0.1, 0.2, 0.3, 0.4, 0.5])
    """
    present = [[v for v in values if v is not None] for values in
               zip(*(series.values for series in chart.series), strict=True)]
    whole = all(float(v).is_integer() for values in present for v in values)
    if chart.kind == "stacked":
        longest = max((sum(values) for values in present), default=0.0)
    else:
        longest = max((max(values) for values in present if values), default=0.0)
    if longest <= 0:
        return [0, 1]
    rough = longest / _STEPS
    power = 10.0 ** math.floor(math.log10(rough))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= rough * (1 - 1e-9))
    if whole:
        step = max(step, 1.0)
    count = math.ceil(longest / step - 1e-9)
    ticks = [round(i * step, 12) for i in range(count + 1)]
    return [int(t) if t.is_integer() else t for t in ticks]


_LABEL_MAX = 34


def _short(label: str) -> str:
    """A label cut to what fits beside a bar; the table beside the chart has it whole.

    >>> _short("Brand"), _short("Question 3: Do you need food labelled gluten-free?")
    ('Brand', 'Question 3: Do you need food labe…')
    """
    return label if len(label) <= _LABEL_MAX else label[:_LABEL_MAX - 1].rstrip() + "…"


def _pygal(chart: Chart) -> pygal.graph.graph.Graph:
    kind = pygal.HorizontalStackedBar if chart.kind == "stacked" else pygal.HorizontalBar
    drawn = kind(**_config(chart))
    # pygal draws the first label at the bottom of a horizontal chart; reversed, the chart
    # reads top to bottom in the table's order.
    drawn.x_labels = [_short(label) for label in reversed(chart.labels)]
    for series in chart.series:
        drawn.add(series.name, list(reversed(series.values)))
    return drawn


def render_svg(chart: Chart) -> Markup:
    """The chart as inline, accessible SVG without style or script elements."""
    root = ET.fromstring(_pygal(chart).render(is_unicode=True))
    ident = f"chart-{_ID.sub('-', chart.key.lower())}"
    for defs in root.iter(f"{{{_SVG}}}defs"):
        for child in list(defs):
            if child.tag in (f"{{{_SVG}}}style", f"{{{_SVG}}}script"):
                defs.remove(child)
    title = root.find(f"{{{_SVG}}}title")
    if title is None:
        title = ET.Element(f"{{{_SVG}}}title")
        root.insert(0, title)
    title.text = chart.title
    title.set("id", f"{ident}-title")
    root.set("id", ident)
    root.set("role", "img")
    root.set("aria-labelledby", f"{ident}-title")
    root.set("focusable", "false")
    # pygal's own ids ("activate-serie-0") repeat in every chart: made unique on the page.
    for element in root.iter():
        own = element.get("id")
        if own and element is not root and element is not title:
            element.set("id", f"{ident}-{own}")
    return Markup(ET.tostring(root, encoding="unicode"))


@cache
def chart_css() -> str:
    """pygal's style sheet for the dashboard's charts, scoped to ``.dash-chart``."""
    sample = Chart(key="css", title="", labels=["a"],
                   series=[Series(name=str(i), values=[1]) for i in range(len(_STYLE.colors))])
    drawn = _pygal(sample)
    text = drawn.render(is_unicode=True)
    found = re.search(r"<style[^>]*>(.*?)</style>", text, re.S)
    css = found.group(1) if found else ""
    css = css.replace(f"#chart-{drawn.uuid}", f".{_CLASS}")
    css = css.replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&")
    # The HTML key's swatches, in the series' colours.
    swatches = "".join(f".dash-legend .color-{i}{{background:{colour}}}"
                       for i, colour in enumerate(_STYLE.colors))
    return f"{css}\n{swatches}\n"
