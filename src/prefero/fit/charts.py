"""Size charts: per brand and category, each size label with the measurement ranges it fits,
read from a size-chart file (``prefero/catalog/size_charts.yaml``, or the file named by
``PREFERO_SIZE_CHARTS``) by a loader that names every fault by its path.

The file::

    charts:
      - id: tops                          # unique; returns are remembered per chart
        categories: [Fashion > Tops]      # the chart covers these and every category below
        brands: [Mango]                   # optional: only these brands (any when left out)
        sizes:                            # smallest first; [from, to) in cm
          - {size: S, chest: [84, 90]}
          - {size: M, chest: [90, 96]}
      - id: tailored-coats
        kind: made_to_measure             # made to the customer's measurements: no sizes
        categories: [Fashion > Outerwear > Coats]
        brands: [Massimo Dutti]
        measures: [chest, waist, height]  # what the tailor needs

A product is sized by the most specific chart that covers it: one naming its brand beats
one for any brand, then the deeper category wins. A product whose ``tags`` name a chart
(``size-chart:<id>``, a column any feed can carry) is sized by that chart whatever its brand
and category: a shop whose feed carries per-product charts needs no matching rules.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml

from prefero.catalog.facets import CATEGORY_SEPARATOR, category_ancestors, normalize_category
from prefero.errors import FieldError, InvalidInput
from prefero.fit.measurements import MEASURES

if TYPE_CHECKING:
    from prefero.catalog.models import Product
    from prefero.recommend.catalog_index import CatalogIndex

__all__ = [
    "CHART_TAG",
    "DEFAULT_CHARTS",
    "ChartSize",
    "SizeChart",
    "SizeCharts",
    "SizeRange",
    "load_size_charts",
    "parse_size_charts",
]

DEFAULT_CHARTS = Path(__file__).resolve().parent.parent / "catalog" / "size_charts.yaml"
#: A product tag that names its chart: ``size-chart:tops``.
CHART_TAG = "size-chart:"
_ID_PATTERN_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-_")
ChartKind = Literal["sized", "made_to_measure"]
Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class SizeRange:
    """``[low, high)`` in cm: a value on the border belongs to the larger size."""

    low: float
    high: float

    def holds(self, value: float) -> bool:
        return self.low <= value < self.high


@dataclass(frozen=True)
class ChartSize:
    label: str
    ranges: Mapping[str, SizeRange]


@dataclass(frozen=True)
class SizeChart:
    chart_id: str
    categories: tuple[str, ...]
    brands: frozenset[str] = frozenset()  # case-folded; empty: any brand
    sizes: tuple[ChartSize, ...] = ()
    kind: ChartKind = "sized"
    #: The measurements the chart reads (a made-to-measure chart: what the tailor needs).
    measures: tuple[str, ...] = ()

    @property
    def made_to_measure(self) -> bool:
        return self.kind == "made_to_measure"

    def position(self, label: str) -> int | None:
        """The size's place, smallest first; None for a label the chart lacks (compared
        case-folded: feeds write "m" and "M")."""
        wanted = label.strip().casefold()
        for i, size in enumerate(self.sizes):
            if size.label.casefold() == wanted:
                return i
        return None


@dataclass(frozen=True)
class SizeCharts:
    charts: tuple[SizeChart, ...]
    _by_id: dict[str, SizeChart] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_id.update((chart.chart_id, chart) for chart in self.charts)

    def get(self, chart_id: str) -> SizeChart | None:
        return self._by_id.get(chart_id)

    def chart_for(self, *, brand: str | None, category: str,
                  tags: Iterable[str] = ()) -> SizeChart | None:
        """The chart that sizes a product: the one its tags name, else the most specific
        that covers its brand and category; None when no chart does.

        >>> charts = parse_size_charts({"charts": [
        ...     {"id": "tops", "categories": ["Fashion"], "sizes": [{"size": "M",
        ...      "chest": [90, 96]}]}]})
        >>> charts.chart_for(brand="Acme", category="Fashion > Tops").chart_id
        'tops'
        """
        for tag in tags:
            if tag.startswith(CHART_TAG) and (named := self.get(tag[len(CHART_TAG):])):
                return named
        paths = set(category_ancestors(category))
        folded = (brand or "").strip().casefold()
        best: tuple[int, int] | None = None
        found: SizeChart | None = None
        for chart in self.charts:
            if chart.brands and folded not in chart.brands:
                continue
            depth = max((c.count(CATEGORY_SEPARATOR) + 1 for c in chart.categories
                         if c in paths), default=0)
            if depth == 0:
                continue
            score = (1 if chart.brands else 0, depth)
            if best is None or score > best:
                best, found = score, chart
        return found

    def chart_at(self, index: CatalogIndex, product_id: str) -> SizeChart | None:
        """The chart of a product of the catalogue snapshot, read from the snapshot's brand,
        category and tags (no query); None for a product the snapshot lacks."""
        position = index.position.get(product_id)
        if position is None:
            return None
        values = index.facet_values[position] if position < len(index.facet_values) else {}
        return self.chart_for(brand=index.label("brand", str(values.get("brand") or "")),
                              category=index.categories[position], tags=_tags(values))

    def chart_of(self, product: Product) -> SizeChart | None:
        """The chart of a stored product, from its brand, category and tags."""
        facets = product.facets if isinstance(product.facets, dict) else {}
        return self.chart_for(brand=product.brand, category=product.category or "",
                              tags=_tags(facets))


def _tags(facets: Mapping[str, Any]) -> tuple[str, ...]:
    """A product's tags (where a ``size-chart:<id>`` tag names its chart), as text."""
    tags = facets.get("tags")
    return tuple(str(t) for t in tags) if isinstance(tags, list) else ()


# --------------------------------------------------------------------------- the loader


class _Faults:
    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, loc: Loc, msg: str) -> None:
        self.errors.append(FieldError(loc, msg))


def _range(raw: Any, loc: Loc, faults: _Faults) -> SizeRange | None:
    numbers = (isinstance(raw, list | tuple) and len(raw) == 2
               and all(isinstance(v, int | float) and not isinstance(v, bool)
                       and math.isfinite(v) for v in raw))
    if not numbers:
        faults.add(loc, "must be [from, to] in cm")
        return None
    low, high = float(raw[0]), float(raw[1])
    if low >= high:
        faults.add(loc, f"from ({low:g}) must be below to ({high:g})")
        return None
    return SizeRange(low, high)


def _sizes(raw: Any, loc: Loc, faults: _Faults) -> tuple[tuple[ChartSize, ...], tuple[str, ...]]:
    if not isinstance(raw, list) or not raw:
        faults.add(loc, "a sized chart needs at least one size")
        return (), ()
    sizes: list[ChartSize] = []
    measures: tuple[str, ...] = ()
    seen: set[str] = set()
    for i, entry in enumerate(raw):
        here = (*loc, i)
        if not isinstance(entry, dict):
            faults.add(here, "must be a mapping such as {size: M, chest: [96, 100]}")
            continue
        label = entry.get("size")
        if not isinstance(label, str | int) or isinstance(label, bool) or not str(label).strip() \
                or len(str(label).strip()) > 20:
            faults.add((*here, "size"), "must be the size's label (1 to 20 characters)")
            continue
        label = str(label).strip()
        if label.casefold() in seen:
            faults.add((*here, "size"), f"size {label} is listed twice")
        seen.add(label.casefold())
        ranges: dict[str, SizeRange] = {}
        for name, value in entry.items():
            if name == "size":
                continue
            if name not in MEASURES:
                faults.add((*here, str(name)), f"unknown measurement; one of "
                                               f"{', '.join(MEASURES)}")
                continue
            checked = _range(value, (*here, name), faults)
            if checked is not None:
                ranges[name] = checked
        if len(entry) == 1:
            faults.add(here, "a size needs at least one measurement range")
        if i == 0:
            measures = tuple(name for name in entry if name in MEASURES)
        elif tuple(name for name in entry if name in MEASURES) != measures:
            faults.add(here, f"every size of a chart gives the same measurements "
                             f"({', '.join(measures)})")
        sizes.append(ChartSize(label, ranges))
    _ordered(sizes, loc, faults)
    return tuple(sizes), measures


def _ordered(sizes: Sequence[ChartSize], loc: Loc, faults: _Faults) -> None:
    """Sizes smallest first, each range starting where the one before ended or later."""
    for i in range(1, len(sizes)):
        before, this = sizes[i - 1], sizes[i]
        for name, wide in this.ranges.items():
            prior = before.ranges.get(name)
            if prior is None:
                continue
            if wide.low < prior.low:
                faults.add((*loc, i, name), f"sizes must go from smallest to largest: "
                                            f"{this.label} starts below {before.label}")
            elif wide.low < prior.high:
                faults.add((*loc, i, name), f"overlaps {before.label} "
                                            f"({prior.low:g}–{prior.high:g} cm)")


def _texts(raw: Any, loc: Loc, faults: _Faults, *, what: str) -> list[str]:
    if not isinstance(raw, list) or not raw or not all(
            isinstance(v, str) and v.strip() for v in raw):
        faults.add(loc, f"must be a non-empty list of {what}")
        return []
    return [v.strip() for v in raw]


def _chart(raw: Any, loc: Loc, faults: _Faults) -> SizeChart | None:
    if not isinstance(raw, dict):
        faults.add(loc, "must be a mapping with id, categories and sizes")
        return None
    known = {"id", "kind", "categories", "brands", "sizes", "measures"}
    for name in raw:
        if name not in known:
            faults.add((*loc, str(name)), f"unknown field; one of {', '.join(sorted(known))}")
    chart_id = raw.get("id")
    if not isinstance(chart_id, str) or not chart_id or len(chart_id) > 60 \
            or not set(chart_id) <= _ID_PATTERN_CHARS:
        faults.add((*loc, "id"), "must be 1 to 60 lower-case letters, digits, - or _")
        chart_id = ""
    kind = raw.get("kind", "sized")
    if kind not in ("sized", "made_to_measure"):
        faults.add((*loc, "kind"), "must be sized or made_to_measure")
        kind = "sized"
    categories = tuple(normalize_category(c) for c in _texts(
        raw.get("categories"), (*loc, "categories"), faults, what="category paths"))
    brands: frozenset[str] = frozenset()
    if "brands" in raw:
        brands = frozenset(b.casefold() for b in _texts(raw["brands"], (*loc, "brands"),
                                                        faults, what="brands"))
    if kind == "made_to_measure":
        if "sizes" in raw:
            faults.add((*loc, "sizes"), "a made-to-measure chart has no sizes: it is made to "
                                        "the customer's measurements")
        needed = _texts(raw.get("measures"), (*loc, "measures"), faults, what="measurements")
        for i, name in enumerate(needed):
            if name not in MEASURES:
                faults.add((*loc, "measures", i), f"unknown measurement; one of "
                                                  f"{', '.join(MEASURES)}")
        return SizeChart(chart_id, categories, brands, (), "made_to_measure", tuple(needed))
    if "measures" in raw:
        faults.add((*loc, "measures"), "only a made-to-measure chart lists measures; a sized "
                                       "chart's come from its sizes")
    sizes, measures = _sizes(raw.get("sizes"), (*loc, "sizes"), faults)
    return SizeChart(chart_id, categories, brands, sizes, "sized", measures)


def parse_size_charts(document: Any) -> SizeCharts:
    """Validate a size-chart document (parsed YAML/JSON); ``InvalidInput`` lists every fault
    at its path, e.g. ``("charts", 0, "sizes", 2, "chest")`` for a range that overlaps the
    size before.

    >>> parse_size_charts({"charts": [{"id": "t", "categories": ["A"], "sizes": []}]})
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    prefero.errors.InvalidInput: the size charts are not valid: charts.0.sizes: a sized ...
    """
    faults = _Faults()
    charts: list[SizeChart] = []
    if not isinstance(document, dict) or not isinstance(document.get("charts"), list):
        faults.add(("charts",), "the file needs a list of charts under 'charts'")
    else:
        for name in document:
            if name != "charts":
                faults.add((str(name),), "unknown field; the file holds 'charts'")
        ids: set[str] = set()
        for i, raw in enumerate(document["charts"]):
            chart = _chart(raw, ("charts", i), faults)
            if chart is None:
                continue
            if chart.chart_id and chart.chart_id in ids:
                faults.add(("charts", i, "id"), f"chart {chart.chart_id} is defined twice")
            ids.add(chart.chart_id)
            charts.append(chart)
    if faults.errors:
        first = faults.errors[0]
        raise InvalidInput(
            f"the size charts are not valid: {'.'.join(map(str, first.loc))}: {first.msg}",
            faults.errors)
    return SizeCharts(tuple(charts))


@cache
def load_size_charts(path: Path | None = None) -> SizeCharts:
    """The charts of ``path`` (the packaged demo charts when None), read once per process.

    >>> load_size_charts().get("tops").sizes[2].label
    'M'
    """
    source = path or DEFAULT_CHARTS
    try:
        document = yaml.safe_load(source.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{source}: not valid YAML: {exc}",
                           [FieldError(("charts",), "not valid YAML")]) from exc
    return parse_size_charts(document)
