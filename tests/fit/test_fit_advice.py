"""On synthetic charts and bodies: the recommended size is the one the chart gives; between
two sizes the fit preference decides; a return moves the advice and the reason says so;
nothing outside the chart is advised."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from prefero.fit.advice import Returned, recommend_size
from prefero.fit.charts import ChartSize, SizeChart, SizeRange
from prefero.fit.wording import advice_text

LABELS = ("XS", "S", "M", "L", "XL", "XXL", "3XL", "4XL")


@st.composite
def charts(draw: st.DrawFn) -> SizeChart:
    count = draw(st.integers(2, len(LABELS)))
    start = draw(st.integers(60, 100))
    widths = draw(st.lists(st.integers(3, 10), min_size=count, max_size=count))
    sizes, low = [], float(start)
    for label, width in zip(LABELS, widths, strict=False):
        sizes.append(ChartSize(label, {"chest": SizeRange(low, low + width)}))
        low += width
    return SizeChart("synthetic", ("Fashion",), sizes=tuple(sizes), measures=("chest",))


def _containing(chart: SizeChart, value: float) -> int | None:
    return next((i for i, s in enumerate(chart.sizes) if s.ranges["chest"].holds(value)), None)


@settings(max_examples=300, deadline=None)
@given(chart=charts(), offset=st.floats(-20, 120, allow_nan=False))
def test_the_recommended_size_is_the_one_the_chart_gives(chart: SizeChart,
                                                         offset: float) -> None:
    value = round(chart.sizes[0].ranges["chest"].low + offset, 1)
    advice = recommend_size(chart, measurements={"chest": value})
    expected = _containing(chart, value)
    if expected is None:
        assert advice is None  # never a guess presented as fact
        return
    assert advice is not None and advice.size == chart.sizes[expected].label
    assert advice.code == "size_in_range"
    wide = chart.sizes[expected].ranges["chest"]
    assert advice.params == {"measure": "chest", "value": value, "low": wide.low,
                             "high": wide.high}
    assert wide.low <= value < wide.high  # the reason is true


@settings(max_examples=300, deadline=None)
@given(chart=charts(), data=st.data())
def test_a_return_moves_the_next_advice_one_size_from_the_returned(chart: SizeChart,
                                                                   data: st.DataObject) -> None:
    at = data.draw(st.integers(0, len(chart.sizes) - 1))
    wide = chart.sizes[at].ranges["chest"]
    value = (wide.low + wide.high) / 2
    small = recommend_size(chart, measurements={"chest": value},
                           returned=Returned(chart.sizes[at].label, "too_small"))
    if at + 1 < len(chart.sizes):
        assert small is not None and small.size == chart.sizes[at + 1].label
        assert small.code == "size_after_return" and small.params["direction"] == "up"
        assert "one size up" in advice_text(small, "en")
    else:
        assert small is None  # no larger size: no advice rather than the one that failed
    large = recommend_size(chart, measurements={"chest": value},
                           returned=Returned(chart.sizes[at].label, "too_large"))
    if at > 0:
        assert large is not None and large.size == chart.sizes[at - 1].label
        assert large.params["direction"] == "down"
    else:
        assert large is None


def test_the_reason_reads_as_the_issue_says_in_english_and_polish() -> None:
    chart = SizeChart("t", ("Fashion",), sizes=(
        ChartSize("S", {"chest": SizeRange(92, 96)}),
        ChartSize("M", {"chest": SizeRange(96, 100)}),
        ChartSize("L", {"chest": SizeRange(100, 104)})), measures=("chest",))
    advice = recommend_size(chart, measurements={"chest": 98})
    assert advice is not None
    assert advice_text(advice, "en") == "Size M: your chest 98 cm is in M's 96–100 cm"
    assert advice_text(advice, "pl") == ("Rozmiar M: obwód klatki piersiowej 98 cm mieści się "
                                         "w zakresie rozmiaru M (96–100 cm)")
    relaxed = recommend_size(chart, measurements={"chest": 99.5}, fit="relaxed")
    assert relaxed is not None and relaxed.size == "L" and relaxed.code == "size_relaxed_fit"
    assert "relaxed fit" in advice_text(relaxed, "en")
    slim = recommend_size(chart, measurements={"chest": 96.5}, fit="slim")
    assert slim is not None and slim.size == "S"
    # Regular in the middle of a size stays there, whatever the preference.
    middle = recommend_size(chart, measurements={"chest": 98}, fit="relaxed")
    assert middle is not None and middle.size == "M"
    returned = recommend_size(chart, measurements={"chest": 98},
                              returned=Returned("M", "too_small"))
    assert returned is not None
    assert advice_text(returned, "en") == "Size L, one size up: you returned M as too small"


def test_a_measure_the_chart_needs_but_the_customer_lacks_gives_no_advice() -> None:
    chart = SizeChart("jeans", ("Fashion",), sizes=(
        ChartSize("M", {"waist": SizeRange(74, 81), "hips": SizeRange(96, 102)}),
        ChartSize("L", {"waist": SizeRange(81, 89), "hips": SizeRange(102, 108)})),
        measures=("waist", "hips"))
    assert recommend_size(chart, measurements={"waist": 78}) is None
    # Clothes too tight anywhere do not fit: the larger of the sizes wins, and says why.
    advice = recommend_size(chart, measurements={"waist": 78, "hips": 104})
    assert advice is not None and advice.size == "L" and advice.params["measure"] == "hips"
