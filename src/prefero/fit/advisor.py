"""Size advice for a whole page from one read of the customer: the consent, the measurements
and the newest returns are read once (``advisor_for``), then every product on the page is
advised in memory, so a page of cards costs no query per card.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from prefero.config import Settings
from prefero.fit.advice import Returned, SizeAdvice, recommend_size
from prefero.fit.charts import SizeChart, SizeCharts, load_size_charts
from prefero.fit.feedback import newest_returns
from prefero.fit.measurements import MEASURES, FitPreference
from prefero.fit.models import FitProfile
from prefero.fit.schemas import SizeAdviceOut
from prefero.fit.service import fit_allowed
from prefero.fit.wording import advice_text
from prefero.recommend.catalog_index import CatalogIndex

__all__ = ["FitAdvisor", "advise_products", "advisor_for", "charts_of"]


def charts_of(settings: Settings) -> SizeCharts:
    """The shop's size charts: ``PREFERO_SIZE_CHARTS`` when set, else the packaged ones."""
    return load_size_charts(settings.size_charts)


@dataclass(frozen=True)
class FitAdvisor:
    """Advice for the products of one page. ``measurements`` is None when the customer holds
    none or does not allow their use: then nothing is advised."""

    charts: SizeCharts
    measurements: Mapping[str, float | None] | None = None
    fit: FitPreference = "regular"
    returns: Mapping[str, Returned] = field(default_factory=dict)
    #: Whether the customer allows measurements for fit (the forms offer it when not).
    consent: bool = False

    def advise(self, chart: SizeChart | None) -> SizeAdvice | None:
        """The advice for a product sized by ``chart`` (None: no chart, a made-to-measure
        one, or no measurements that place the customer on it)."""
        if chart is None or self.measurements is None or chart.made_to_measure:
            return None
        return recommend_size(chart, measurements=self.measurements, fit=self.fit,
                              returned=self.returns.get(chart.chart_id))

    def chart_at(self, index: CatalogIndex, product_id: str) -> SizeChart | None:
        """The chart of a product of the catalogue snapshot (no query)."""
        return self.charts.chart_at(index, product_id)

    def your_size(self, index: CatalogIndex, product_id: str) -> str | None:
        """The size label to show on a card: advice exists and the product (or its model's
        other variants) comes in it; None otherwise."""
        if self.measurements is None:
            return None
        advice = self.advise(self.chart_at(index, product_id))
        if advice is None:
            return None
        position = index.position[product_id]
        offered = {size.casefold() for size in index.sizes[position]} \
            if position < len(index.sizes) else set()
        return advice.size if advice.size.casefold() in offered else None


def advisor_for(session: Session, *, customer_id: str, settings: Settings,
                consent: bool | None = None) -> FitAdvisor:
    """The page's advisor for ``customer_id`` (two indexed reads, a third when returns are
    held; none of them without the ``fit`` consent beyond the consent read). ``consent``:
    the ``fit`` consent in force when the caller has read it already.

    >>> advisor_for(session, customer_id="c1", settings=settings).measurements
    ... # doctest: +SKIP
    {'chest': 98.0, ...}
    """
    charts = charts_of(settings)
    if consent is None:
        consent = fit_allowed(session, customer_id=customer_id, settings=settings)
    row = session.get(FitProfile, customer_id) if consent else None
    if row is None:
        return FitAdvisor(charts, consent=consent)
    measurements = {name: getattr(row, name) for name in MEASURES}
    fit: FitPreference = "slim" if row.fit == "slim" else \
        "relaxed" if row.fit == "relaxed" else "regular"
    return FitAdvisor(charts, measurements, fit,
                      newest_returns(session, customer_id=customer_id, charts=charts),
                      consent=True)


def advise_products(advisor: FitAdvisor, *, index: CatalogIndex, product_ids: list[str],
                    language: str) -> list[SizeAdviceOut]:
    """The advice for each product (in the order asked, repeats once), from the catalogue
    snapshot: a product the snapshot lacks, or one without a chart, gets no advice.

    >>> advise_products(advisor, index=index, product_ids=["p1"], language="en")[0].size
    ... # doctest: +SKIP
    'M'
    """
    answers: list[SizeAdviceOut] = []
    for product_id in dict.fromkeys(product_ids):
        chart = advisor.chart_at(index, product_id)
        advice = advisor.advise(chart)
        answers.append(SizeAdviceOut(
            product_id=product_id, chart_id=chart.chart_id if chart else None,
            made_to_measure=bool(chart and chart.made_to_measure),
            size=advice.size if advice else None, code=advice.code if advice else None,
            params=dict(advice.params) if advice else {},
            reason=advice_text(advice, language) if advice else None))
    return answers
