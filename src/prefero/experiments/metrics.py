"""Per-unit metrics of an experiment, read from the stored events.

A unit's measurement window runs from its first exposure (``first_at``, when its arm was
first actually shown) to the experiment's stop, or now while it runs; its pre-period (CUPED's
covariate) is the ``pre_period_days`` before that first exposure. Over each window, per unit:

- ``click_through``: 1 when it made at least one ``rec_click``, else 0 (likewise
  ``add_to_cart_rate`` with ``add_to_cart``, ``conversion`` with ``purchase`` and
  ``not_for_me_rate`` with ``rec_dismiss``);
- ``revenue_per_visitor``: the value of its purchases (price × quantity, one when left out)
  minus the value of its refunds. A refund without a price is worth the purchase lines it
  covers: the same customer and order, its product (its quantity, else the line's), or every
  line of the order for a refund of the whole order. A refund of an order comes off only
  when the order was bought inside the same window: an order bought before the first
  exposure was bought without the arm, and taking its refund off would charge the arm for
  it. A refund without an order id cannot be matched to a purchase and comes off whenever
  it falls inside the window;
- ``average_order_value``: a ratio, revenue over orders, both per unit (orders: distinct
  ``order_id`` of its purchases; a purchase without one is an order of its own). The
  delta method (``prefero.experiments.stats.ratio``) needs both per-unit columns.

A unit exposed to more than one arm (an anonymous visitor merged into a known customer of
the other arm) is left out and counted: what it did cannot be laid at one arm's door.

Two queries, whatever the number of units: the exposures, and the events of the units kept
(only the kinds the metrics read, only from the earliest pre-period on; the index on
customer and time serves the join). The windows are then cut in memory, which also lets the
results recompute every metric "as of" each daily look without another query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import numpy as np
import numpy.typing as npt
from sqlalchemy import ColumnElement, Float, and_, case, cast, func, or_, select
from sqlalchemy.orm import Session, aliased

from prefero.events.models import Event
from prefero.experiments.models import ExperimentExposure
from prefero.experiments.schemas import Metric

__all__ = ["RATE_METRICS", "ExperimentUnits", "Outcomes", "measure", "metric_kind"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Metrics that are shares of units (one 0/1 value per unit), by the event they count.
RATE_METRICS: dict[Metric, str] = {"click_through": "rec_click",
                                   "add_to_cart_rate": "add_to_cart",
                                   "conversion": "purchase",
                                   "not_for_me_rate": "rec_dismiss"}
_KINDS = ("rec_click", "add_to_cart", "purchase", "refund", "rec_dismiss")
_CODE = {kind: code for code, kind in enumerate(_KINDS)}
_DAY = 86_400.0


def metric_kind(metric: Metric) -> Literal["rate", "mean", "ratio"]:
    """How a metric is tested: a share of units, a mean per unit, or a ratio of means.

    >>> metric_kind("conversion"), metric_kind("revenue_per_visitor")
    ('rate', 'mean')
    """
    if metric in RATE_METRICS:
        return "rate"
    return "ratio" if metric == "average_order_value" else "mean"


@dataclass(frozen=True)
class Outcomes:
    """Per-unit totals over one window, aligned with ``ExperimentUnits.units``."""

    counts: dict[str, IntArray]
    revenue: FloatArray
    orders: IntArray

    def values(self, metric: Metric) -> FloatArray:
        """One value per unit: 0/1 for a rate, revenue for revenue per visitor, and for
        average order value the numerator (revenue; ``orders`` is the denominator).

        >>> o = Outcomes(counts={k: np.array([0, 2]) for k in _KINDS},
        ...              revenue=np.array([0.0, 5.0]), orders=np.array([0, 1]))
        >>> o.values("conversion").tolist(), o.values("revenue_per_visitor").tolist()
        ([0.0, 1.0], [0.0, 5.0])
        """
        event = RATE_METRICS.get(metric)
        if event is not None:
            return (self.counts[event] > 0).astype(np.float64)
        return self.revenue


@dataclass(frozen=True)
class _Log:
    """The kept units' events as columns: unit index, time (epoch seconds), kind code,
    value, order index (-1: not a purchase) and, for a refund with an order id, the index
    of the order it refunds (-1 otherwise; an order nobody bought has an index too)."""

    unit: IntArray
    at: FloatArray
    kind: IntArray
    amount: FloatArray
    order: IntArray
    refunded: IntArray


@dataclass(frozen=True)
class ExperimentUnits:
    """The units an experiment measured as themselves, each in exactly one arm.

    ``arm`` holds each unit's index into ``arm_keys``; ``first_at`` its first exposure in
    epoch seconds; ``excluded`` the units left out for being exposed to several arms.
    """

    arm_keys: tuple[str, ...]
    units: tuple[str, ...]
    arm: IntArray
    first_at: FloatArray
    excluded: int
    end: datetime
    pre_period_days: int
    _log: _Log

    def counts(self, *, until: datetime | None = None) -> list[int]:
        """Units per arm (in ``arm_keys``' order) exposed before ``until``."""
        mask = self.reached(until=until)
        return [int(n) for n in np.bincount(self.arm[mask], minlength=len(self.arm_keys))]

    def reached(self, *, until: datetime | None = None) -> BoolArray:
        """Which units were first exposed before ``until`` (default: the end)."""
        cut = (until or self.end).timestamp()
        return self.first_at < cut

    def during(self, *, until: datetime | None = None) -> Outcomes:
        """Each unit's outcomes from its first exposure up to ``until`` (default: the end,
        the experiment's stop or now); a unit not yet exposed then has zeros."""
        log = self._log
        cut = min((until or self.end).timestamp(), self.end.timestamp())
        keep = (log.at >= self.first_at[log.unit]) & (log.at < cut)
        return self._outcomes(keep)

    def before(self) -> Outcomes:
        """Each unit's outcomes in the pre-period before its first exposure."""
        log = self._log
        start = self.first_at[log.unit] - self.pre_period_days * _DAY
        keep = (log.at >= start) & (log.at < self.first_at[log.unit])
        return self._outcomes(keep)

    def _outcomes(self, keep: BoolArray) -> Outcomes:
        log, size = self._log, len(self.units)
        # A refund of an order counts only where the order was bought in this window (see
        # the module's docstring); order indexes are per unit, so the order's owner matches.
        bought_here = np.unique(log.order[keep & (log.kind == _CODE["purchase"])])
        keep = keep & ((log.refunded < 0) | np.isin(log.refunded, bought_here))
        unit, kind = log.unit[keep], log.kind[keep]
        counts = {name: np.bincount(unit[kind == code], minlength=size).astype(np.int64)
                  for name, code in _CODE.items()}
        sign = np.where(kind == _CODE["refund"], -1.0,
                        np.where(kind == _CODE["purchase"], 1.0, 0.0))
        revenue = np.bincount(unit, weights=sign * log.amount[keep], minlength=size)
        bought = keep & (log.kind == _CODE["purchase"])
        # Orders are distinct per unit: an order of several lines is one order.
        orders = np.unique(log.order[bought])
        owners = np.zeros(0, dtype=np.int64) if orders.size == 0 else self._order_unit[orders]
        return Outcomes(counts=counts, revenue=revenue.astype(np.float64),
                        orders=np.bincount(owners, minlength=size).astype(np.int64))

    @property
    def _order_unit(self) -> IntArray:
        log = self._log
        purchases = log.order >= 0
        owner = np.zeros(int(log.order.max(initial=-1)) + 1, dtype=np.int64)
        owner[log.order[purchases]] = log.unit[purchases]
        return owner


def _amount() -> ColumnElement[float]:
    """What an event is worth in money: a purchase its price × quantity; a refund its own
    price × quantity, else the purchase lines it covers (see the module's docstring)."""
    line = aliased(Event)
    covered = (select(func.sum(line.price * func.coalesce(Event.quantity, line.quantity, 1)))
               .where(line.customer_id == Event.customer_id, line.order_id == Event.order_id,
                      line.type == "purchase",
                      or_(Event.product_id.is_(None), line.product_id == Event.product_id))
               .correlate(Event).scalar_subquery())
    worth = case(
        (Event.type == "purchase", func.coalesce(Event.price * func.coalesce(Event.quantity, 1),
                                                 0)),
        (and_(Event.type == "refund", Event.price.is_not(None)),
         Event.price * func.coalesce(Event.quantity, 1)),
        (Event.type == "refund", func.coalesce(covered, 0)),
        else_=0)
    # As a float on both databases: money here feeds statistics, never a ledger.
    return cast(worth, Float)


def measure(session: Session, *, experiment_id: int, arm_keys: tuple[str, ...],
            pre_period_days: int, end: datetime) -> ExperimentUnits:
    """The experiment's measured units with their events, read in two queries.

    >>> # measure(session, experiment_id=1, arm_keys=("control", "treatment"),
    >>> #         pre_period_days=14, end=now).during().values("conversion").mean() -> 0.1
    """
    rows = session.execute(select(ExperimentExposure.unit_id, ExperimentExposure.arm_key,
                                  ExperimentExposure.first_at)
                           .where(ExperimentExposure.experiment_id == experiment_id)).all()
    seen: dict[str, list[tuple[str, datetime]]] = {}
    for unit, arm_key, first in rows:
        seen.setdefault(unit, []).append((arm_key, first))
    index = {key: i for i, key in enumerate(arm_keys)}
    kept = sorted(unit for unit, arms in seen.items()
                  if len(arms) == 1 and arms[0][0] in index)
    excluded = sum(1 for arms in seen.values() if len(arms) > 1)
    position = {unit: i for i, unit in enumerate(kept)}
    first_at = np.array([seen[u][0][1].timestamp() for u in kept], dtype=np.float64)
    arm = np.array([index[seen[u][0][0]] for u in kept], dtype=np.int64)
    log = _read_log(session, experiment_id=experiment_id, position=position,
                    since=float(first_at.min()) - pre_period_days * _DAY if kept else None, end=end)
    return ExperimentUnits(arm_keys=arm_keys, units=tuple(kept), arm=arm, first_at=first_at,
                           excluded=excluded, end=end, pre_period_days=pre_period_days,
                           _log=log)


def _read_log(session: Session, *, experiment_id: int, position: dict[str, int],
              since: float | None, end: datetime) -> _Log:
    empty = _Log(unit=np.zeros(0, np.int64), at=np.zeros(0), kind=np.zeros(0, np.int64),
                 amount=np.zeros(0), order=np.zeros(0, np.int64),
                 refunded=np.zeros(0, np.int64))
    if since is None:
        return empty
    single = (select(ExperimentExposure.unit_id)
              .where(ExperimentExposure.experiment_id == experiment_id)
              .group_by(ExperimentExposure.unit_id).having(func.count() == 1).subquery())
    start = datetime.fromtimestamp(since, tz=end.tzinfo) - timedelta(seconds=1)
    statement = (select(Event.customer_id, Event.occurred_at, Event.type, _amount(),
                        Event.order_id, Event.id)
                 .join(single, single.c.unit_id == Event.customer_id)
                 .where(Event.type.in_(_KINDS), Event.occurred_at >= start,
                        Event.occurred_at < end))
    units: list[int] = []
    times: list[float] = []
    kinds: list[int] = []
    amounts: list[float] = []
    orders: list[int] = []
    refunded: list[int] = []
    # An order is its order_id; a purchase without one (keyed by its event id, an int, so
    # that it never meets a shop's order id) is an order of its own.
    order_ids: dict[tuple[int, str | int], int] = {}
    for customer, at, kind, amount, order, event_id in session.execute(statement):
        unit = position.get(customer)
        if unit is None:  # an arm no longer in the experiment's set-up
            continue
        units.append(unit)
        times.append(at.timestamp())
        kinds.append(_CODE[kind])
        amounts.append(float(amount or 0.0))
        if kind == "purchase":
            key: tuple[int, str | int] = (unit, order if order is not None else event_id)
            orders.append(order_ids.setdefault(key, len(order_ids)))
        else:
            orders.append(-1)
        refunded.append(order_ids.setdefault((unit, order), len(order_ids))
                        if kind == "refund" and order is not None else -1)
    if not units:
        return empty
    return _Log(unit=np.array(units, np.int64), at=np.array(times, np.float64),
                kind=np.array(kinds, np.int64), amount=np.array(amounts, np.float64),
                order=np.array(orders, np.int64), refunded=np.array(refunded, np.int64))
