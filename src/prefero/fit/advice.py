"""The recommended size, with the reason that is true of it.

Pure: given a chart, the customer's measurements and fit preference, and the newest return
that said how a size of this chart fitted, answer the size and why, or no advice. Never a
guess presented as fact: a chart measurement the customer did not give, or a value outside
the chart, gives no advice.

The chart's size for a body is the largest of the sizes each of its measurements falls in
(clothes too tight anywhere do not fit). Between two sizes (within ``BETWEEN_CM`` of the
border) the fit preference decides: relaxed takes the larger, slim the smaller. A return
then moves the advice: "too small" at least one size above the returned one, "too large" at
least one below, said in the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from prefero.fit.charts import SizeChart
from prefero.fit.measurements import FitPreference

__all__ = ["BETWEEN_CM", "AdviceCode", "Returned", "SizeAdvice", "recommend_size"]

#: How close to the border between two sizes a measurement is "between sizes", in cm.
BETWEEN_CM = 1.0

AdviceCode = Literal["size_in_range", "size_relaxed_fit", "size_slim_fit",
                     "size_after_return"]


@dataclass(frozen=True)
class Returned:
    """The newest return of a size of this chart that said how it fitted."""

    size: str
    reason: Literal["too_small", "too_large"]


@dataclass(frozen=True)
class SizeAdvice:
    """``size`` with its reason ``code`` and typed ``params``.

    - ``size_in_range``: measure, value, low, high (the size's range of that measure)
    - ``size_relaxed_fit`` / ``size_slim_fit``: the same, of ``between`` (the size the
      measurement is in), the advice being the next size up / down
    - ``size_after_return``: returned (size), direction ("up"/"down"), and the chart's size
      for the measurements as ``chart_size``
    """

    chart_id: str
    size: str
    code: AdviceCode
    params: Mapping[str, str | float] = field(default_factory=dict)


def _fitting(chart: SizeChart, measurements: Mapping[str, float | None]
             ) -> tuple[int, str, float] | None:
    """(position, deciding measure, its value) of the chart's size for the body; None when a
    measure the chart reads is missing or outside every size."""
    if not chart.sizes or not chart.measures:
        return None
    chosen: tuple[int, str, float] | None = None
    for measure in chart.measures:
        value = measurements.get(measure)
        if value is None:
            return None
        where = next((i for i, size in enumerate(chart.sizes)
                      if size.ranges[measure].holds(value)), None)
        if where is None:
            return None
        if chosen is None or where > chosen[0]:
            chosen = (where, measure, value)
    return chosen


def _range_params(chart: SizeChart, position: int, measure: str, value: float
                  ) -> dict[str, str | float]:
    wide = chart.sizes[position].ranges[measure]
    return {"measure": measure, "value": value, "low": wide.low, "high": wide.high}


def recommend_size(chart: SizeChart, *, measurements: Mapping[str, float | None],
                   fit: FitPreference = "regular", returned: Returned | None = None
                   ) -> SizeAdvice | None:
    """The size to recommend from ``chart``, or None when the measurements do not place the
    customer on it (or a return leaves no size to move to).

    >>> from prefero.fit.charts import load_size_charts
    >>> tops = load_size_charts().get("tops")
    >>> advice = recommend_size(tops, measurements={"chest": 98})
    >>> advice.size, advice.code, advice.params["low"], advice.params["high"]
    ('M', 'size_in_range', 96.0, 104.0)
    >>> recommend_size(tops, measurements={"chest": 98},
    ...                returned=Returned("M", "too_small")).size
    'L'
    >>> recommend_size(tops, measurements={"waist": 80}) is None
    True
    """
    placed = _fitting(chart, measurements)
    if placed is None:
        return None
    position, measure, value = placed
    base = position
    code: AdviceCode = "size_in_range"
    params = _range_params(chart, position, measure, value)
    wide = chart.sizes[position].ranges[measure]
    if fit == "relaxed" and position + 1 < len(chart.sizes) and wide.high - value <= BETWEEN_CM:
        base, code = position + 1, "size_relaxed_fit"
        params["between"] = chart.sizes[position].label
    elif fit == "slim" and position > 0 and value - wide.low < BETWEEN_CM:
        base, code = position - 1, "size_slim_fit"
        params["between"] = chart.sizes[position].label
    if returned is not None:
        moved = _after_return(chart, base, returned)
        if moved is None:
            return None
        if moved != base:
            return SizeAdvice(chart.chart_id, chart.sizes[moved].label, "size_after_return", {
                "returned": chart.sizes[chart.position(returned.size) or 0].label,
                "direction": "up" if returned.reason == "too_small" else "down",
                "chart_size": chart.sizes[base].label})
    return SizeAdvice(chart.chart_id, chart.sizes[base].label, code, params)


def _after_return(chart: SizeChart, base: int, returned: Returned) -> int | None:
    """Where a return moves the advice: at least one size beyond the returned one, in the
    direction it said; ``base`` when the advice is there already; None when the chart has no
    size beyond it (the largest came back too small)."""
    at = chart.position(returned.size)
    if at is None:
        return base  # a size this chart lacks says nothing about it
    if returned.reason == "too_small":
        target = at + 1
        if target >= len(chart.sizes):
            return None if base <= at else base
        return max(base, target)
    target = at - 1
    if target < 0:
        return None if base >= at else base
    return min(base, target)
