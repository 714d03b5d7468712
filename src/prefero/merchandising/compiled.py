"""The shop's rules compiled over one catalogue snapshot, for the request path.

Each enabled rule's products are worked out once per (rules revision, snapshot) as
positions; what a request needs — which products are hidden, how far each score moves, which
pins want which slot — once per set of rules in force (a placement and the rules whose window
holds ``now``), and kept: a request costs a pass over the few rules' windows and a lookup.

How conflicts are settled (docs/merchandising.md):

- hide wins over everything: a hidden product is never shown, pinned or boosted;
- a pin places its product whatever boosts and buries say of it;
- a product that several boost or bury rules match moves by one of them only: the highest
  priority's, a bury before a boost at equal priority (the cautious one), then the oldest;
- two pins for one slot: the higher priority (then the older) takes it, the other the next
  free slot below.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np

from prefero.merchandising.schemas import Rule
from prefero.merchandising.service import ShopRules
from prefero.recommend.catalog_index import BoolArray, CatalogIndex, FloatArray, IntArray
from prefero.types import Placement

__all__ = ["NOTHING", "CompiledRules", "InForce", "Pin", "compile_rules", "matching"]

_KEPT = 256  # sets of rules in force kept per compilation; past that, the cache starts over


@dataclass(frozen=True)
class Pin:
    """A pin in force: the 0-based ``slot`` it wants and the products it may show there
    (``by_order``: in the listed order of the rule's product ids; otherwise the best-scored
    of them for this customer)."""

    slot: int
    choices: IntArray
    by_order: bool


@dataclass(frozen=True)
class InForce:
    """What the rules in force for one request do over the snapshot."""

    hidden: BoolArray | None = None  # True where a hide rule removes the product
    visible: BoolArray | None = None  # ``~hidden``, kept: a request only ands it in
    shift: FloatArray | None = None  # how far each product's score moves (0: no rule)
    lifted: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    pins: tuple[Pin, ...] = ()  # the winner of a conflict first

    @property
    def empty(self) -> bool:
        return self.hidden is None and self.shift is None and not self.pins


NOTHING = InForce()
_ACTION_RANK = {"boost": 0, "bury": 1}


def matching(index: CatalogIndex, rule: Rule) -> IntArray:
    """Positions of the products ``rule``'s condition names: ascending for a facet's values,
    in the listed order for product ids (ids not in the catalogue match nothing).

    >>> # matching(index, rule_on_brand_acme).tolist() -> [3, 17, 42]
    """
    condition = rule.condition
    if condition.facet is None:
        found = [index.position[p] for p in condition.product_ids if p in index.position]
        return np.asarray(found, dtype=np.int64)
    parts = [index.postings[(condition.facet, value)] for value in condition.values
             if (condition.facet, value) in index.postings]
    if not parts:
        return np.zeros(0, dtype=np.int64)
    positions: IntArray = np.unique(np.concatenate(parts)).astype(np.int64)
    return positions


@dataclass(frozen=True)
class _Compiled:
    rule: Rule
    positions: IntArray
    starts: float
    ends: float
    placements: frozenset[Placement]

    def live(self, placement: Placement, now: float) -> bool:
        return placement in self.placements and self.starts <= now < self.ends


class CompiledRules:
    """The enabled rules of ``source`` over ``index``; ``in_force`` per request."""

    def __init__(self, index: CatalogIndex, source: ShopRules) -> None:
        self.index = index
        self.source = source
        self.revision = source.revision
        self._rules = tuple(_Compiled(
            rule, matching(index, rule),
            rule.starts_at.timestamp() if rule.starts_at is not None else -np.inf,
            rule.ends_at.timestamp() if rule.ends_at is not None else np.inf,
            frozenset(rule.placements)) for rule in source.rules if rule.enabled)
        self._kept: dict[tuple[int, ...], InForce] = {}
        self._lock = threading.Lock()

    def in_force(self, placement: Placement, now: float) -> InForce:
        """What the rules in force on ``placement`` at ``now`` (a POSIX time) do."""
        if not self._rules:
            return NOTHING
        live = tuple(at for at, rule in enumerate(self._rules) if rule.live(placement, now))
        if not live:
            return NOTHING
        found = self._kept.get(live)
        if found is None:
            found = self._build([self._rules[at] for at in live])
            with self._lock:
                if len(self._kept) >= _KEPT:
                    self._kept.clear()
                self._kept[live] = found
        return found

    def _build(self, live: list[_Compiled]) -> InForce:
        size = self.index.size
        hidden: BoolArray | None = None
        for compiled in live:
            if compiled.rule.action == "hide":
                if hidden is None:
                    hidden = np.zeros(size, dtype=bool)
                hidden[compiled.positions] = True
        moving = [c for c in live if c.rule.action in _ACTION_RANK]
        shift: FloatArray | None = None
        lifted: IntArray = np.zeros(0, dtype=np.int64)
        if moving:
            shift = np.zeros(size)
            # The winner of a conflict writes last: lowest priority first, at equal priority
            # a boost before a bury, the newest before the oldest.
            moving.sort(key=lambda c: (c.rule.priority, _ACTION_RANK[c.rule.action],
                                       -c.rule.id))
            for compiled in moving:
                strength = compiled.rule.strength or 1.0
                shift[compiled.positions] = (strength if compiled.rule.action == "boost"
                                             else -strength)
            lifted = np.flatnonzero(shift > 0).astype(np.int64)
        pins = tuple(Pin(slot=(c.rule.position or 1) - 1, choices=c.positions,
                         by_order=c.rule.condition.facet is None)
                     for c in sorted(live, key=lambda c: (-c.rule.priority, c.rule.id))
                     if c.rule.action == "pin")
        return InForce(hidden=hidden, visible=~hidden if hidden is not None else None,
                       shift=shift, lifted=lifted, pins=pins)


def compile_rules(index: CatalogIndex, source: ShopRules) -> CompiledRules:
    """``source`` over ``index`` (the request path holds one per snapshot and revision)."""
    return CompiledRules(index, source)

