"""What checkout needs for made-to-measure products: whether a product is one, and the
snapshot of the customer's measurements to store on its order line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from prefero.catalog.models import Product
from prefero.config import Settings
from prefero.customers.households import subject_for
from prefero.errors import Conflict, FieldError, NotFound
from prefero.fit.advisor import charts_of
from prefero.fit.charts import load_size_charts
from prefero.fit.measurements import MEASURES
from prefero.fit.models import FitProfile
from prefero.fit.service import FitConsentRequired, fit_allowed
from prefero.recommend.catalog_index import CatalogIndex

__all__ = ["MeasurementsMissing", "is_made_to_measure", "order_measurements"]


@dataclass
class MeasurementsMissing(Conflict):
    """A made-to-measure product ordered without the measurements its maker needs."""

    slug: str = "measurements-missing"
    title: str = "Measurements are needed for this made-to-measure product"


def is_made_to_measure(product: Product | str, *, index: CatalogIndex | None = None,
                       session: Session | None = None, settings: Settings | None = None
                       ) -> bool:
    """Whether the product is made to the customer's measurements (its size chart's kind).
    Give a ``Product``, or an id with the catalogue snapshot ``index`` (no query) or the
    ``session`` to read it; an unknown id is not.

    >>> is_made_to_measure(Product(id="p", brand="Massimo Dutti",
    ...                            category="Fashion > Outerwear > Coats", facets={}))
    True
    """
    charts = charts_of(settings) if settings is not None else load_size_charts()
    if isinstance(product, str):
        if index is not None:
            chart = charts.chart_at(index, product)
            return chart is not None and chart.made_to_measure
        if session is None:
            raise TypeError("a product id needs the catalogue snapshot or the session")
        found = session.get(Product, product)
        if found is None:
            return False
        product = found
    chart = charts.chart_of(product)
    return chart is not None and chart.made_to_measure


def order_measurements(session: Session, *, customer_id: str, product_id: str,
                       settings: Settings, profile_key: str | None = None
                       ) -> dict[str, Any] | None:
    """The JSON-able snapshot to keep on the order line of a made-to-measure product: the
    measurements (cm) and fit preference of the customer (or of its household profile
    ``profile_key``), and the measurements the maker needs. None for other products.

    ``FitConsentRequired`` (409, ``fit-consent-required``) without the ``fit`` consent;
    ``MeasurementsMissing`` (409, ``measurements-missing``) naming each measurement the
    maker needs that is not held; ``NotFound`` for an unknown product or profile.

    >>> order_measurements(session, customer_id="c1", product_id="p-coat",
    ...                    settings=settings)  # doctest: +SKIP
    {'chart_id': 'tailored-coats', 'profile_id': 'main', 'fit': 'regular',
     'measurements': {'chest': 98.0, 'waist': 84.0, 'height': 182.0}, 'needed': [...]}
    """
    product = session.get(Product, product_id)
    if product is None:
        raise NotFound(f"no product {product_id!r}")
    chart = charts_of(settings).chart_of(product)
    if chart is None or not chart.made_to_measure:
        return None
    subject = subject_for(session, owner_id=customer_id, profile_id=profile_key)
    if not fit_allowed(session, customer_id=subject, settings=settings):
        raise FitConsentRequired(
            f"{product.title} is made to measure: allow us to use your measurements for fit "
            "to order it", [FieldError(("consent", "fit"), "not granted")])
    row = session.get(FitProfile, subject)
    held = {name: getattr(row, name) for name in MEASURES} if row is not None else {}
    missing = [name for name in chart.measures if held.get(name) is None]
    if missing:
        raise MeasurementsMissing(
            f"{product.title} is made to measure: give your {', '.join(missing)} first",
            [FieldError(("measurements", name), "is needed for this made-to-measure product")
             for name in missing])
    assert row is not None  # nothing missing means a row was held
    return {
        "chart_id": chart.chart_id,
        "profile_id": profile_key or "main",
        "fit": row.fit,
        "measurements": {name: value for name, value in held.items() if value is not None},
        "needed": list(chart.measures),
        "measured_at": row.updated_at.isoformat(),
    }
