"""The size-chart loader names every fault at its path; the packaged charts load; a product
is sized by the most specific chart."""

from __future__ import annotations

from typing import Any

import pytest

from prefero.errors import InvalidInput
from prefero.fit.charts import load_size_charts, parse_size_charts


def _faults(document: Any) -> list[tuple[tuple[str | int, ...], str]]:
    with pytest.raises(InvalidInput) as caught:
        parse_size_charts(document)
    return [(e.loc, e.msg) for e in caught.value.errors]


def _chart(**fields: Any) -> dict[str, Any]:
    return {"charts": [{"id": "tops", "categories": ["Fashion > Tops"], **fields}]}


def test_overlapping_ranges_are_named_at_the_size_and_measure() -> None:
    faults = _faults(_chart(sizes=[{"size": "S", "chest": [88, 96]},
                                   {"size": "M", "chest": [94, 104]}]))
    assert faults == [(("charts", 0, "sizes", 1, "chest"), "overlaps S (88–96 cm)")]


def test_unsorted_sizes_are_refused() -> None:
    faults = _faults(_chart(sizes=[{"size": "M", "chest": [96, 104]},
                                   {"size": "S", "chest": [88, 96]}]))
    assert faults[0][0] == ("charts", 0, "sizes", 1, "chest")
    assert "smallest to largest" in faults[0][1]


def test_unknown_measurement_empty_chart_and_bad_range() -> None:
    assert _faults(_chart(sizes=[{"size": "M", "neck": [38, 40]}]))[0][0] == (
        "charts", 0, "sizes", 0, "neck")
    assert _faults(_chart(sizes=[]))[0] == (("charts", 0, "sizes"),
                                            "a sized chart needs at least one size")
    assert _faults(_chart(sizes=[{"size": "M", "chest": [100, 96]}]))[0][0] == (
        "charts", 0, "sizes", 0, "chest")
    assert _faults({"charts": [{"id": "Bad Id", "categories": ["A"],
                                "sizes": [{"size": "M", "chest": [1, 2]}]}]})[0][0] == (
        "charts", 0, "id")


def test_made_to_measure_charts_name_known_measures_and_have_no_sizes() -> None:
    faults = _faults(_chart(kind="made_to_measure", measures=["chest", "neck"],
                            sizes=[{"size": "M", "chest": [96, 104]}]))
    assert {loc for loc, _ in faults} == {("charts", 0, "sizes"), ("charts", 0, "measures", 1)}


def test_the_packaged_charts_load_and_the_most_specific_wins() -> None:
    charts = load_size_charts()
    mango = charts.chart_for(brand="Mango", category="Fashion > Tops > Shirts")
    tops = charts.chart_for(brand="H&M", category="Fashion > Tops > Shirts")
    assert mango is not None and mango.chart_id == "mango-tops"
    assert tops is not None and tops.chart_id == "tops"
    coats = charts.chart_for(brand="massimo dutti", category="Fashion > Outerwear > Coats")
    assert coats is not None and coats.made_to_measure
    assert charts.chart_for(brand="Acme", category="Groceries > Pasta") is None
    # A tag naming a chart wins over brand and category (a feed column can carry it).
    tagged = charts.chart_for(brand="Acme", category="Groceries", tags=["size-chart:shoes"])
    assert tagged is not None and tagged.chart_id == "shoes"
