"""Shopping behaviour acted out from each customer's hidden taste.

A customer's sessions pick a vertical from their mix, land on a product (their taste times
its popularity, with trending items pushed in the last two weeks), browse its neighbours,
sometimes put things in the cart, add complements (a memory card with the camera, a case
with the phone, socks with running shoes) and buy. Grocery shoppers rebuy their staples.

Every simulated event feeds the anonymous per-product day counters; only the events of
customers who consented to tracking become ``Event`` rows linked to them.

Some views are reached from a recommendation row: a ``rec_click`` (placement and leading
reason, ``prefero.demo.clicks``) comes a second before them, and every click, linked or
not, is tallied per day, placement and reason as the storefront's clicks are
(``Behaviour.rec_clicks``; ``prefero.demo.recommendation_stats`` stores them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

import numpy as np

from prefero.demo.catalog import NEW_ARRIVAL_DAYS, DemoProduct
from prefero.demo.clicks import ClickReasons
from prefero.demo.customers import INTERESTS, VERTICALS, DemoCustomer, Taste
from prefero.demo.draft import sample_distinct
from prefero.demo.fashion import STYLES

__all__ = [
    "CART_CLICKS",
    "CART_GLANCES",
    "COMPLEMENTS",
    "HISTORY_DAYS",
    "PRODUCT_CLICKS",
    "SEARCH_CLICKS",
    "Behaviour",
    "DemoEvent",
    "simulate_behaviour",
]

HISTORY_DAYS = 90
# Shares of views reached from a recommendation row: the next product from a product page's
# row, a complement from the cart's row, the first product from the search results' row.
# (A session's first product comes from the home page's row in 8% of sessions.)
PRODUCT_CLICKS = 0.06
CART_CLICKS = 0.45
# Share of browsing carts whose shopper also clicks an item of the cart's row only to look.
CART_GLANCES = 0.5
SEARCH_CLICKS = 0.2
# Product kinds bought together; the behaviour model adds these to carts, which gives the
# co-occurrence model a true signal to find.
COMPLEMENTS: dict[str, tuple[str, ...]] = {
    "camera_mirrorless": ("memory_card", "lens", "camera_gear"),
    "camera_compact": ("memory_card", "camera_gear"),
    "camera_action": ("memory_card", "camera_gear"),
    "lens": ("camera_gear", "memory_card"),
    "phone": ("phone_case", "charger", "earbuds"),
    "tablet": ("charger", "pc_accessory"),
    "laptop": ("pc_accessory", "monitor"),
    "console": ("gaming_accessory",),
    "tv": ("streaming",),
    "smart_speaker": ("smart_lighting", "smart_plugs"),
    "smart_lighting": ("smart_plugs", "smart_speaker"),
    "smartwatch": ("charger",),
    "running_shoes": ("socks", "sport_top", "fitness_tracker"),
    "leggings": ("sport_top", "running_shoes"),
    "sport_top": ("leggings", "socks"),
    "sneakers": ("socks",),
    "boots": ("socks",),
    "jeans": ("tshirt", "sneakers"),
    "dress": ("formal_shoes", "bag"),
    "coat": ("scarf",),
    "jacket": ("scarf",),
    "shirt": ("trousers",),
    "pasta": ("sauce",),
    "coffee": ("plant_drink", "milk"),
    "bread": ("spread", "cheese"),
    "bread_gf": ("spread",),
    "cereal": ("milk", "plant_drink", "yogurt"),
    "tea": ("biscuits",),
    "shampoo": ("conditioner",),
    "cleanser": ("moisturizer", "serum"),
    "moisturizer": ("sunscreen", "serum"),
    "foundation": ("mascara", "lipstick"),
    "serum": ("moisturizer",),
}
_ECOSYSTEM_INDEX = {"apple": 0, "google": 1, "alexa": 2}
_GENDER_INDEX = {"women": 0, "men": 1}
_TIER_INDEX = {"budget": 0, "mid": 1, "premium": 2}
_ALLERGENS = ("gluten", "nuts", "lactose", "soy", "eggs")
_SKIN = ("dry", "oily", "combination", "sensitive", "normal")


@dataclass(frozen=True, slots=True)
class DemoEvent:
    """One behavioural event linked to a customer who consented to tracking."""

    customer_id: str
    type: str
    product_id: str | None
    occurred_at: datetime
    session_id: str
    quantity: int | None = None
    price: Decimal | None = None
    rating: float | None = None
    query: str | None = None
    placement: str | None = None
    reason: str | None = None  # a rec_click's leading reason code

    def row(self) -> dict[str, Any]:
        """The event as an ``events`` row for a Core insert (the id is the database's)."""
        return {
            "customer_id": self.customer_id,
            "type": self.type,
            "product_id": self.product_id,
            "quantity": self.quantity,
            "price": self.price,
            "rating": self.rating,
            "query": self.query,
            "placement": self.placement,
            "reason": self.reason,
            "session_id": self.session_id,
            "occurred_at": self.occurred_at,
            # Clients batch events: they reach the server a little after they happen.
            "received_at": self.occurred_at + timedelta(seconds=2),
        }


@dataclass(frozen=True)
class Behaviour:
    """What the simulation produced."""

    events: list[DemoEvent]  # linked events only (tracking consent), oldest first
    activity: dict[tuple[str, date, str], int]  # (product, day, type) → count, every event
    dismissals: list[tuple[str, str, datetime]]  # (customer, product, when): "not for me"
    simulated: int  # every event with a product, linked or not
    # (day, placement, reason) → rec_click count, every click, linked or not
    rec_clicks: dict[tuple[date, str, str], int] = field(default_factory=dict)


class _Catalog:
    """The catalog as parallel numpy arrays, so a customer's taste scores it in one pass."""

    def __init__(self, products: Sequence[DemoProduct], anchor: datetime) -> None:
        self.products = products
        self.vertical = np.array([VERTICALS.index(p.vertical) for p in products])
        leaves = sorted({p.category for p in products})
        leaf_index = {leaf: i for i, leaf in enumerate(leaves)}
        self.leaf = np.array([leaf_index[p.category] for p in products])
        self.leaf_count = len(leaves)
        brands = sorted({p.brand for p in products})
        self.brand_index = {brand: i for i, brand in enumerate(brands)}
        self.brand = np.array([self.brand_index[p.brand] for p in products])
        style_index = {style: i for i, style in enumerate(STYLES)}
        self.style = np.array([style_index.get(p.facets.get("style", ""), len(STYLES))
                               for p in products])
        self.ecosystem = np.array([_ECOSYSTEM_INDEX.get(p.facets.get("ecosystem", ""), 3)
                                   for p in products])
        self.gender = np.array([_GENDER_INDEX.get(p.facets.get("gender", ""), 2)
                                for p in products])
        self.tier = np.array([_TIER_INDEX[p.facets.get("price_tier", "mid")] for p in products])
        self.eco = np.array([bool(p.facets.get("eco")) for p in products], dtype=float)
        # Bit masks keep set overlaps vectorized; 63 colours is far more than the demo has.
        colours = sorted({c for p in products for c in p.facets.get("color", [])})[:63]
        self.colour_bit = {c: 1 << i for i, c in enumerate(colours)}
        self.colours = np.array([_mask(self.colour_bit, p.facets.get("color", []))
                                 for p in products], dtype=np.int64)
        self.allergen = {
            a: np.array([a in p.facets.get("allergens", ()) for p in products], dtype=float)
            for a in _ALLERGENS
        }
        grocery = self.vertical == VERTICALS.index("Groceries")
        cosmetic = self.vertical == VERTICALS.index("Cosmetics")
        diets = [p.facets.get("diet", []) for p in products]
        self.not_vegan_food = grocery & np.array(["vegan" not in d for d in diets])
        self.meat = grocery & np.array(["vegetarian" not in d for d in diets])
        self.vegan_cosmetic = cosmetic & np.array([bool(p.facets.get("vegan")) for p in products])
        self.keto = np.array(["keto" in d for d in diets], dtype=float)
        self.sugar_free = np.array([bool(p.facets.get("sugar_free")) for p in products],
                                   dtype=float)
        skin_bit = {s: 1 << i for i, s in enumerate(_SKIN)}
        self.skin = np.array([_mask(skin_bit, p.facets.get("skin_type", [])) for p in products])
        self.use_bit = {u: 1 << i for i, u in enumerate(INTERESTS)}
        self.use = np.array([_mask(self.use_bit, p.facets.get("use", [])) for p in products])
        self.price = np.array([float(p.effective_price) for p in products])
        self.age_days = np.array([(anchor - p.created_at).total_seconds() / 86400
                                  for p in products])
        self.purchasable = np.array([p.purchasable for p in products])
        self.active = np.array([p.active for p in products])
        self.trending = np.array([p.trending for p in products])
        self.log_popularity = np.log(np.array([p.popularity for p in products]))
        self.by_vertical = [np.flatnonzero(self.vertical == v) for v in range(len(VERTICALS))]
        self.by_leaf = [np.flatnonzero(self.leaf == i) for i in range(self.leaf_count)]
        kinds: dict[str, list[int]] = defaultdict(list)
        for i, p in enumerate(products):
            kinds[p.kind].append(i)
        self.by_kind = {kind: np.array(members) for kind, members in kinds.items()}
        self.grocery = np.flatnonzero(grocery)
        # What makes an accessory fit: same brand, same ecosystem, or a shared tag (a lens
        # mount, a phone model).
        self.fit_keys = [
            frozenset({p.brand.lower(), *p.facets.get("tags", ()),
                       *([p.facets["ecosystem"]] if p.facets.get("ecosystem", "none") != "none"
                         else [])})
            for p in products
        ]
        self._under_cache: dict[str, np.ndarray] = {}

    def _under(self, prefix: str) -> np.ndarray:
        if prefix not in self._under_cache:
            self._under_cache[prefix] = np.array(
                [p.category == prefix or p.category.startswith(prefix + " > ")
                 for p in self.products], dtype=float)
        return self._under_cache[prefix]

    def affinity(self, taste: Taste, rng: np.random.Generator) -> np.ndarray:
        """Unnormalized weights: how likely this customer is to look at each product."""
        log_w = self.log_popularity.copy()
        # Idiosyncratic liking for some leaf categories over others.
        log_w += rng.normal(0.0, 0.6, size=self.leaf_count)[self.leaf]
        boost = np.zeros(len(self.brand_index))
        for brand, value in taste.brands.items():
            if brand in self.brand_index:
                boost[self.brand_index[brand]] = value
        log_w += boost[self.brand]
        style = np.zeros(len(STYLES) + 1)
        for name, value in taste.styles.items():
            style[STYLES.index(name)] = value
        log_w += style[self.style]
        ecosystem = np.zeros(4)
        if taste.ecosystem in _ECOSYSTEM_INDEX:
            ecosystem[:3] = -1.2  # an Apple household rarely buys an Echo
            ecosystem[_ECOSYSTEM_INDEX[taste.ecosystem]] = 1.4
        log_w += ecosystem[self.ecosystem]
        if taste.gender in _GENDER_INDEX:
            gender = np.zeros(3)
            gender[1 - _GENDER_INDEX[taste.gender]] = -3.0
            log_w += gender[self.gender]
        tier = np.full(3, -0.3)
        tier[_TIER_INDEX[taste.tier]] = 0.5
        log_w += tier[self.tier]
        mine = _mask(self.colour_bit, taste.colors)
        log_w += 0.6 * ((self.colours & mine) != 0)
        log_w += taste.eco * self.eco
        for allergen in taste.avoid:
            log_w -= 4.0 * self.allergen[allergen]
        if taste.vegan:
            log_w -= 3.5 * self.not_vegan_food
            log_w += 0.8 * self.vegan_cosmetic
        if taste.vegetarian:
            log_w -= 4.0 * self.meat
        if taste.keto:
            log_w += 1.2 * self.keto
        if taste.sugar_free:
            log_w += 1.0 * self.sugar_free
        skin = 1 << _SKIN.index(taste.skin_type)
        log_w += np.where(self.skin == 0, 0.0, np.where(self.skin & skin, 1.0, -0.7))
        for hidden in taste.hidden:
            log_w -= 3.5 * self._under(hidden)
        if taste.budget_max is not None:
            log_w -= 2.5 * (self.price > taste.budget_max)
        interests = _mask(self.use_bit, taste.interests)
        log_w += 1.0 * ((self.use & interests) != 0)
        return np.asarray(np.exp(log_w - log_w.max()))


def _mask(bits: dict[str, int], values: Any) -> int:
    mask = 0
    for value in values:
        mask |= bits.get(value, 0)
    return mask


class _Simulation:
    def __init__(self, catalog: _Catalog, anchor: datetime, rng: np.random.Generator,
                 reasons: ClickReasons) -> None:
        self.catalog = catalog
        self.anchor = anchor
        self.rng = rng
        self.reasons = reasons
        self.rec_clicks: dict[tuple[date, str, str], int] = defaultdict(int)
        self.events: list[DemoEvent] = []
        self.activity: dict[tuple[str, date, str], int] = defaultdict(int)
        self.dismissals: list[tuple[str, str, datetime]] = []
        self.simulated = 0
        self._gaps: list[float] = []
        self._gap_at = 0

    # -- sampling ------------------------------------------------------------------------
    def _sampler(self, pool: np.ndarray, weights: np.ndarray) -> _Sampler:
        return _Sampler(pool, np.cumsum(weights))

    def _draw(self, sampler: _Sampler, uniform: float | None = None) -> int | None:
        """One product of the sampler, by ``uniform`` when given, else by a draw of ours."""
        pool, cumulative = sampler
        if not len(cumulative) or not cumulative[-1] > 0.0:
            return None
        if uniform is None:
            uniform = self.rng.random()
        position = int(np.searchsorted(cumulative, uniform * cumulative[-1], side="right"))
        return int(pool[min(position, len(pool) - 1)])

    def _eligible(self, pool: np.ndarray, weights: np.ndarray, ago_days: float) -> np.ndarray:
        c = self.catalog
        # Nothing is seen before it arrived; delisted items vanished in the last month.
        age = c.age_days[pool]
        w = weights[pool] * (age >= ago_days)
        if ago_days <= 30:
            w = w * c.active[pool]
        if ago_days < NEW_ARRIVAL_DAYS:
            w = w * (1.0 + 6.0 * c.trending[pool])
        return np.asarray(w * (1.0 + 1.0 * ((age - ago_days) < NEW_ARRIVAL_DAYS)))

    def _gap(self) -> float:
        # Drawn in blocks: one Generator call per event would dominate the run time.
        if self._gap_at >= len(self._gaps):
            self._gaps = (self.rng.exponential(55.0, size=4096) + 8.0).tolist()
            self._gap_at = 0
        self._gap_at += 1
        return float(self._gaps[self._gap_at - 1])

    # -- recording -----------------------------------------------------------------------
    def _emit(self, state: _SessionState, kind: str, index: int | None, *,
              clicked: tuple[str, str] | None = None, **extra: Any) -> None:
        """Record one event; ``clicked`` (placement, reason): the product was reached from
        a recommendation row, so its ``rec_click`` comes a second before (the gap between
        events is at least eight, so the order holds)."""
        state.clock -= self._gap()
        ago = max(state.clock, 1.0)
        when = self.anchor - timedelta(seconds=int(ago))
        if clicked is not None and index is not None:
            placement, reason = clicked
            self._record(state, "rec_click", index, when - timedelta(seconds=1),
                         placement=placement, reason=reason)
        self._record(state, kind, index, when, **extra)

    def _record(self, state: _SessionState, kind: str, index: int | None, when: datetime,
                **extra: Any) -> None:
        product_id = None if index is None else self.catalog.products[index].id
        if product_id is not None:
            self.activity[(product_id, when.date(), kind)] += 1
            self.simulated += 1
        if kind == "rec_click":
            self.rec_clicks[(when.date(), extra["placement"], extra["reason"])] += 1
        if state.linked:
            self.events.append(DemoEvent(state.customer_id, kind, product_id, when,
                                         state.session_id, **extra))

    # -- a customer ----------------------------------------------------------------------
    def customer(self, customer: DemoCustomer) -> None:
        c = self.catalog
        rng = self.rng
        taste = customer.taste
        window = min(float(HISTORY_DAYS), (self.anchor - customer.created_at).total_seconds()
                     / 86400)
        expected = taste.sessions * window / HISTORY_DAYS
        count = int(rng.poisson(expected)) if expected > 0 else 0
        if count == 0:
            return
        weights = c.affinity(taste, rng)
        staples = self._staples(weights)
        likes = any(preference.kind == "like" for preference in customer.preferences)
        mix = np.cumsum(taste.verticals)
        # Later days are busier (the shop is growing): ages skew towards the recent end.
        starts = np.sort(window * rng.random(count) ** 1.25)[::-1]
        for number, ago_days in enumerate(starts.tolist()):
            state = _SessionState(
                customer_id=customer.id,
                session_id=f"{customer.id}-s{number + 1:03d}",
                linked=customer.tracking,
                clock=max(ago_days * 86400.0, 4000.0),
                likes=likes,
            )
            vertical = int(np.searchsorted(mix, rng.random() * mix[-1], side="right"))
            vertical = min(vertical, len(VERTICALS) - 1)
            if vertical == VERTICALS.index("Groceries") and staples.size:
                self._grocery_session(state, weights, staples, ago_days)
            else:
                self._browse_session(state, weights, vertical, ago_days)
            if rng.random() < 0.025:
                self._dismiss(state, weights, vertical, customer.id)

    def _staples(self, weights: np.ndarray) -> np.ndarray:
        pool = self.catalog.grocery
        w = weights[pool] * self.catalog.purchasable[pool]
        return np.asarray(pool[sample_distinct(self.rng, w, int(self.rng.integers(4, 10)))])

    def _browse_session(self, state: _SessionState, weights: np.ndarray, vertical: int,
                        ago_days: float) -> None:
        c, rng = self.catalog, self.rng
        pool = c.by_vertical[vertical]
        anywhere = self._sampler(pool, self._eligible(pool, weights, ago_days))
        first = self._draw(anywhere)
        if first is None:
            return
        reasons = self.reasons
        searched = rng.random() < 0.15
        if searched:
            product = c.products[first]
            query = product.brand if rng.random() < 0.5 else product.category.split(" > ")[-1]
            self._emit(state, "search", None, query=query.lower())
        clicked: tuple[str, str] | None = None
        if rng.random() < 0.08:
            reason = reasons.home(c.products[first], age_days=float(c.age_days[first]) - ago_days,
                                  trending_now=bool(c.trending[first])
                                  and ago_days < NEW_ARRIVAL_DAYS, likes=state.likes)
            self._emit(state, "rec_click", first, placement="home", reason=reason)
        elif searched and reasons.chance() < SEARCH_CLICKS:
            clicked = ("search", "search_match")
        viewed = [first]
        self._emit(state, "view", first, clicked=clicked)
        leaf_pool = c.by_leaf[c.leaf[first]]
        nearby = self._sampler(leaf_pool, self._eligible(leaf_pool, weights, ago_days))
        for _ in range(min(int(rng.geometric(0.27)), 12)):
            nxt = self._draw(nearby if rng.random() < 0.65 else anywhere)
            if nxt is not None:
                viewed.append(nxt)
                clicked = None
                if reasons.chance() < PRODUCT_CLICKS:
                    clicked = ("product", reasons.product(
                        same_category=bool(c.leaf[nxt] == c.leaf[viewed[-2]])))
                self._emit(state, "view", nxt, clicked=clicked)
        if rng.random() > 0.3:
            return
        buyable = [i for i in viewed if c.purchasable[i]]
        if not buyable:
            return
        # The item they liked most among those they looked at goes in the cart.
        main = max(buyable, key=lambda i: weights[i] * rng.uniform(0.5, 1.5))
        cart = [main]
        self._emit(state, "add_to_cart", main, quantity=1)
        kind = c.products[main].kind
        if kind in COMPLEMENTS and rng.random() < 0.6:
            options = COMPLEMENTS[kind]
            for extra_kind in rng.permutation(np.array(options))[: int(rng.integers(1, 3))]:
                extra = self._complement(main, str(extra_kind), weights, ago_days)
                if extra is not None and extra not in cart:
                    self._emit(state, "view", extra, clicked=self._from_cart(extra))
                    self._emit(state, "add_to_cart", extra, quantity=1)
                    cart.append(extra)
        self._glance(state, cart, weights, ago_days)
        self._checkout(state, cart, weights, purchase=0.62)

    def _from_cart(self, index: int) -> tuple[str, str] | None:
        """The cart's row, when a complement was reached from it."""
        if self.reasons.chance() >= CART_CLICKS:
            return None
        return "cart", self.reasons.cart(self.catalog.products[index])

    def _glance(self, state: _SessionState, cart: list[int], weights: np.ndarray,
                ago_days: float) -> None:
        """Sometimes the shopper clicks one more item of the cart's row only to look at it:
        not every click from a cart ends in the cart. It draws from the clicks' stream
        alone and comes seconds after the last event (less than any gap between events),
        so the session's own events stay as they were."""
        reasons = self.reasons
        options = COMPLEMENTS.get(self.catalog.products[cart[0]].kind)
        if not options or state.clock < 10.0 or reasons.chance() >= CART_GLANCES:
            return
        kind = options[min(int(reasons.chance() * len(options)), len(options) - 1)]
        extra = self._complement(cart[0], kind, weights, ago_days, uniform=reasons.chance())
        if extra is None or extra in cart:
            return
        when = self.anchor - timedelta(seconds=int(state.clock))
        self._record(state, "rec_click", extra, when + timedelta(seconds=2), placement="cart",
                     reason=reasons.cart(self.catalog.products[extra]))
        self._record(state, "view", extra, when + timedelta(seconds=4))

    def _complement(self, main: int, kind: str, weights: np.ndarray, ago_days: float,
                    uniform: float | None = None) -> int | None:
        c = self.catalog
        pool = c.by_kind.get(kind)
        if pool is None:
            return None
        keys = c.fit_keys[main]
        fits = np.array([bool(keys & c.fit_keys[i]) for i in pool.tolist()], dtype=float)
        w = self._eligible(pool, weights, ago_days) * c.purchasable[pool] * (1.0 + 4.0 * fits)
        return self._draw(self._sampler(pool, w), uniform)

    def _grocery_session(self, state: _SessionState, weights: np.ndarray, staples: np.ndarray,
                         ago_days: float) -> None:
        c, rng = self.catalog, self.rng
        pool = c.grocery
        shelf = self._sampler(pool, self._eligible(pool, weights, ago_days) * c.purchasable[pool])
        basket: list[int] = []
        for _ in range(int(rng.integers(2, 8))):
            if rng.random() < 0.6:
                pick = int(staples[int(rng.integers(len(staples)))])
                if c.age_days[pick] < ago_days or not c.purchasable[pick]:
                    continue
            else:
                drawn = self._draw(shelf)
                if drawn is None:
                    continue
                pick = drawn
            if pick in basket:
                continue
            if rng.random() < 0.7:
                self._emit(state, "view", pick)
            self._emit(state, "add_to_cart", pick, quantity=int(rng.integers(1, 4)))
            basket.append(pick)
            kind = c.products[pick].kind
            if kind in COMPLEMENTS and rng.random() < 0.3:
                extra = self._complement(pick, str(rng.choice(COMPLEMENTS[kind])), weights,
                                         ago_days)
                if extra is not None and extra not in basket:
                    # Put in the basket from the cart's row, when it came from there.
                    self._emit(state, "add_to_cart", extra, quantity=1,
                               clicked=self._from_cart(extra))
                    basket.append(extra)
        if basket:
            self._checkout(state, basket, weights, purchase=0.85)

    def _checkout(self, state: _SessionState, cart: list[int], weights: np.ndarray,
                  purchase: float) -> None:
        c, rng = self.catalog, self.rng
        if len(cart) > 1 and rng.random() < 0.08:
            dropped = cart.pop()
            self._emit(state, "remove_from_cart", dropped, quantity=1)
        if rng.random() > purchase:
            return
        for index in cart:
            quantity = 1 if c.vertical[index] != VERTICALS.index("Groceries") else int(
                rng.integers(1, 4))
            self._emit(state, "purchase", index, quantity=quantity,
                       price=c.products[index].effective_price)
        if rng.random() < 0.06:
            self._rate(state, cart[0], weights)

    def _rate(self, state: _SessionState, index: int, weights: np.ndarray) -> None:
        rng = self.rng
        later = state.clock - float(rng.uniform(2, 10)) * 86400
        if later < 3600:
            return
        state.clock = later
        liked = weights[index] / float(weights.max())
        stars = float(np.clip(np.round(3.6 + 1.5 * liked + rng.normal(0, 0.8)), 1, 5))
        self._emit(state, "rating", index, rating=stars)

    def _dismiss(self, state: _SessionState, weights: np.ndarray, vertical: int,
                 customer_id: str) -> None:
        # "Not for me" lands on a recommended item far from the customer's taste.
        c = self.catalog
        pool = c.by_vertical[vertical]
        pool = pool[(c.age_days[pool] >= state.clock / 86400) & c.active[pool]]
        if not len(pool):
            return
        sample = pool[self.rng.integers(0, len(pool), size=6)]
        worst = int(sample[int(np.argmin(weights[sample]))])
        self._emit(state, "rec_dismiss", worst, placement="home")
        when = self.anchor - timedelta(seconds=int(max(state.clock, 1.0)))
        self.dismissals.append((customer_id, self.catalog.products[worst].id, when))


class _Sampler(NamedTuple):
    pool: np.ndarray  # product indices
    cumulative: np.ndarray  # running sum of their weights


@dataclass
class _SessionState:
    customer_id: str
    session_id: str
    linked: bool
    clock: float  # seconds before the anchor; counts down as the session goes on
    likes: bool = False  # the customer declared something they like


def simulate_behaviour(rng: np.random.Generator, *, products: Sequence[DemoProduct],
                       customers: Sequence[DemoCustomer], anchor: datetime) -> Behaviour:
    """Act out every customer's sessions over the last ``HISTORY_DAYS`` days.

    >>> from datetime import UTC
    >>> from prefero.catalog.facets import load_facet_schema
    >>> from prefero.demo.catalog import generate_catalog
    >>> from prefero.demo.customers import generate_customers
    >>> now, schema = datetime(2026, 1, 1, tzinfo=UTC), load_facet_schema()
    >>> rng = np.random.default_rng(1)
    >>> shop = generate_catalog(rng, 200, anchor=now, schema=schema)
    >>> people = generate_customers(rng, 50, products=shop, anchor=now, schema=schema)
    >>> behaviour = simulate_behaviour(rng, products=shop, customers=people, anchor=now)
    >>> all(e.occurred_at <= now for e in behaviour.events)
    True
    """
    # The clicks' reasons draw from a child stream: the sessions draw what they drew before.
    simulation = _Simulation(_Catalog(products, anchor), anchor, rng,
                             ClickReasons(rng.spawn(1)[0]))
    for customer in customers:
        simulation.customer(customer)
    events = sorted(simulation.events, key=lambda e: (e.occurred_at, e.customer_id))
    return Behaviour(
        events=events,
        activity=dict(sorted(simulation.activity.items())),
        dismissals=simulation.dismissals,
        simulated=simulation.simulated,
        rec_clicks=dict(sorted(simulation.rec_clicks.items())),
    )
