"""Demo customers: a hidden taste for each, what about a third of them declared, their
personalization level and their consent ledger.

The hidden ``Taste`` drives behaviour; declared preferences are drawn *from* it (most of
what a customer says matches what they do, not all of it), so the demo has the tension the
engine is built for: declared beats inferred, and constraints hold even when behaviour
strays.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np

from prefero.catalog.facets import FacetSchema
from prefero.demo.catalog import DemoProduct
from prefero.demo.cosmetics import SKIN_TYPES
from prefero.demo.draft import chance, pick, pick_many, sample_distinct
from prefero.demo.fashion import CLOTHING_SIZES, COLORS, STYLES

__all__ = [
    "CONSENT_SOURCE",
    "HIDEABLE_CATEGORIES",
    "INTERESTS",
    "PERSONA_NO_GLUTEN",
    "PERSONA_NO_TRACKING",
    "POLICY_VERSION",
    "VERTICALS",
    "DemoConsent",
    "DemoCustomer",
    "DemoPreference",
    "Taste",
    "generate_customers",
]

VERTICALS = ("Fashion", "Electronics", "Groceries", "Cosmetics")
INTERESTS = ("photo", "gaming", "smart home", "sport", "music", "work", "travel", "fitness",
             "study", "entertainment")
# Parts of the shop a customer may never want to see (the "hidden categories" story).
HIDEABLE_CATEGORIES = (
    "Groceries > Meat & Fish",
    "Groceries > Sweets",
    "Electronics > Gaming",
    "Cosmetics > Fragrance",
    "Fashion > Dresses & Skirts",
    "Cosmetics > Makeup",
)
POLICY_VERSION = "2026-01"
CONSENT_SOURCE = "demo"
# The two personas the demo's example requests use.
PERSONA_NO_GLUTEN = "c00001"  # never gluten, with likes; tracking consented
PERSONA_NO_TRACKING = "c00002"  # declined tracking, personalization level "off"


@dataclass(frozen=True, slots=True)
class Taste:
    """What a customer really likes; never stored, only acted out by the behaviour model."""

    verticals: tuple[float, ...]  # how sessions split over VERTICALS
    sessions: float  # expected sessions over the 90-day window
    brands: dict[str, float]  # brand → log-affinity (negative: disliked)
    styles: dict[str, float]
    colors: frozenset[str]
    ecosystem: str
    eco: float
    gender: str | None
    tier: str
    skin_type: str
    interests: frozenset[str]
    avoid: frozenset[str]  # allergens kept out of the basket
    vegan: bool
    vegetarian: bool
    keto: bool
    sugar_free: bool
    hidden: tuple[str, ...]
    budget_max: float | None
    shoe_size: str
    clothing_size: str


@dataclass(frozen=True, slots=True)
class DemoPreference:
    kind: str
    facet: str
    value: str
    weight: float | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class DemoConsent:
    purpose: str
    granted: bool
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class DemoCustomer:
    id: str
    created_at: datetime
    level: str | None
    level_updated_at: datetime | None
    exploration: bool
    budget_min: Decimal | None
    budget_max: Decimal | None
    budget_updated_at: datetime | None
    taste: Taste
    preferences: tuple[DemoPreference, ...] = field(default=())
    consents: tuple[DemoConsent, ...] = field(default=())

    def consent(self, purpose: str, default: bool = False) -> bool:
        """The latest ledger answer for ``purpose``, else ``default``.

        >>> from datetime import UTC
        >>> now = datetime(2026, 1, 1, tzinfo=UTC)
        >>> c = _bare("c1", now, consents=(DemoConsent("tracking", True, now),
        ...                                  DemoConsent("tracking", False, now)))
        >>> c.consent("tracking")
        False
        """
        state = default
        for record in self.consents:
            if record.purpose == purpose:
                state = record.granted
        return state

    @property
    def tracking(self) -> bool:
        # Tracking is opt-in (the shop default is False): no answer means no linking.
        return self.consent("tracking", False)

    def row(self) -> dict[str, Any]:
        """The customer as a ``customers`` row for a Core insert."""
        return {
            "id": self.id,
            "anonymous": False,
            "level": self.level,
            "level_updated_at": self.level_updated_at,
            "exploration": self.exploration,
            "budget_min": self.budget_min,
            "budget_max": self.budget_max,
            "budget_source": "declared" if self.budget_updated_at else None,
            "budget_updated_at": self.budget_updated_at,
            "created_at": self.created_at,
            "updated_at": max([self.created_at]
                              + [p.created_at for p in self.preferences]
                              + [self.level_updated_at or self.created_at]),
        }


def _bare(customer_id: str, created_at: datetime, **extra: Any) -> DemoCustomer:
    """A customer with a neutral taste (doctests and tests)."""
    taste = Taste((0.25,) * 4, 0.0, {}, {}, frozenset(), "none", 0.0, None, "mid", "normal",
                  frozenset(), frozenset(), False, False, False, False, (), None, "42", "M")
    return DemoCustomer(customer_id, created_at, None, None, True, None, None, None, taste,
                        **extra)


@dataclass
class _Vocabulary:
    """What the catalog offers, so that tastes name brands and categories that exist."""

    brands: dict[str, list[str]]
    brand_weights: dict[str, np.ndarray]

    @classmethod
    def of(cls, products: Sequence[DemoProduct]) -> _Vocabulary:
        counts: dict[str, Counter[str]] = {vertical: Counter() for vertical in VERTICALS}
        for product in products:
            counts[product.vertical][product.brand] += 1
        brands = {v: sorted(c) for v, c in counts.items()}
        weights = {v: np.array([float(counts[v][b]) for b in brands[v]]) for v in VERTICALS}
        return cls(brands, weights)


def _taste(rng: np.random.Generator, vocabulary: _Vocabulary) -> Taste:
    verticals = rng.dirichlet([0.8, 0.7, 0.7, 0.5])
    # Shoppers differ a lot in how often they come back: a log-normal gives a few heavy
    # users and a long tail of occasional ones; some registered and never came back.
    sessions = 0.0 if chance(rng, 0.05) else float(np.exp(rng.normal(np.log(4.4), 0.75)))
    brands: dict[str, float] = {}
    for index, vertical in enumerate(VERTICALS):
        options = vocabulary.brands[vertical]
        if not options:
            continue
        favourites = 1 + int(verticals[index] > 0.25) + int(chance(rng, 0.4))
        chosen = sample_distinct(rng, vocabulary.brand_weights[vertical], favourites)
        for i in chosen.tolist():
            brands[options[i]] = float(rng.uniform(0.8, 1.8))
    if chance(rng, 0.18):
        vertical = pick(rng, VERTICALS)
        if vocabulary.brands[vertical]:
            disliked = pick(rng, vocabulary.brands[vertical])
            brands.setdefault(disliked, -1.6)
    primary, secondary = (STYLES[i] for i in rng.choice(len(STYLES), size=2, replace=False))
    gender = pick(rng, ("women", "men", None), (0.52, 0.45, 0.03))
    vegan = chance(rng, 0.06)
    avoid = {allergen for allergen, p in (("gluten", 0.07), ("nuts", 0.04), ("lactose", 0.06),
                                          ("eggs", 0.01)) if chance(rng, p)}
    if gender == "women":
        shoe, clothes = str(int(rng.integers(36, 42))), pick(rng, CLOTHING_SIZES[:4])
    else:
        shoe, clothes = str(int(rng.integers(40, 47))), pick(rng, CLOTHING_SIZES[1:])
    return Taste(
        verticals=tuple(float(x) for x in verticals),
        sessions=sessions,
        brands=brands,
        styles={primary: 1.3, secondary: 0.5},
        colors=frozenset(c.lower() for c in pick_many(rng, COLORS, 2, 3)),
        ecosystem=pick(rng, ("apple", "google", "alexa", "none"), (0.38, 0.34, 0.13, 0.15)),
        eco=1.3 if chance(rng, 0.22) else 0.0,
        gender=gender,
        tier=pick(rng, ("budget", "mid", "premium"), (0.35, 0.45, 0.2)),
        skin_type=pick(rng, SKIN_TYPES, (0.25, 0.2, 0.25, 0.15, 0.15)),
        interests=frozenset(pick_many(rng, INTERESTS, 1, 2)),
        avoid=frozenset(avoid),
        vegan=vegan,
        vegetarian=vegan or chance(rng, 0.08),
        keto=chance(rng, 0.05),
        sugar_free=chance(rng, 0.1),
        hidden=(pick(rng, HIDEABLE_CATEGORIES),) if chance(rng, 0.09) else (),
        budget_max=float(pick(rng, (150, 300, 500, 1000, 2000, 4000))) if chance(rng, 0.12)
        else None,
        shoe_size=shoe,
        clothing_size=clothes,
    )


class _Declarations:
    """Collects one customer's declared preferences, normalized and without duplicates."""

    def __init__(self, schema: FacetSchema, rng: np.random.Generator, since: datetime,
                 until: datetime) -> None:
        self.schema = schema
        self.rng = rng
        self.since = since
        self.until = until
        self.items: dict[tuple[str, str, str], DemoPreference] = {}

    def when(self) -> datetime:
        span = max(1.0, (self.until - self.since).total_seconds() - 3600)
        return self.since + timedelta(seconds=int(self.rng.uniform(0, span)))

    def add(self, kind: str, facet: str, value: str, weight: float | None = None) -> None:
        # Preference values compare with stored facet values, so they take the same form.
        if kind in ("like", "never", "must") and self.schema.get(facet):
            coerced = self.schema.coerce(facet, value)
            value = str(coerced).lower() if isinstance(coerced, bool) else (
                coerced[0] if isinstance(coerced, list) else str(coerced))
        key = (kind, facet, value)
        if key not in self.items:
            rounded = None if weight is None else round(weight, 2)
            self.items[key] = DemoPreference(kind, facet, value, rounded, self.when())


def _declare(taste: Taste, into: _Declarations) -> None:
    rng = into.rng
    fashion, electronics, _groceries, cosmetics = taste.verticals
    liked = [(b, w) for b, w in taste.brands.items() if w > 0]
    if liked and chance(rng, 0.7):
        for brand, _ in liked[: int(rng.integers(1, 3))]:
            into.add("like", "brand", brand, float(rng.uniform(0.5, 1.0)))
    if fashion > 0.15 and chance(rng, 0.55):
        style = max(taste.styles, key=lambda s: taste.styles[s])
        into.add("like", "style", style, float(rng.uniform(0.6, 1.0)))
    if fashion > 0.15 and chance(rng, 0.35):
        for colour in sorted(taste.colors)[: int(rng.integers(1, 3))]:
            into.add("like", "color", colour, float(rng.uniform(0.4, 0.9)))
    if taste.ecosystem != "none" and electronics > 0.1 and chance(rng, 0.5):
        into.add("like", "ecosystem", taste.ecosystem, float(rng.uniform(0.7, 1.0)))
    if taste.eco > 0 and chance(rng, 0.8):
        into.add("like", "eco", "true", float(rng.uniform(0.6, 1.0)))
    if electronics > 0.15 and chance(rng, 0.4):
        for interest in sorted(taste.interests):
            into.add("like", "use", interest, float(rng.uniform(0.5, 0.9)))
    if "photo" in taste.interests and chance(rng, 0.3):
        into.add("like", "category", "Electronics > Cameras", 0.9)
    if cosmetics > 0.15 and chance(rng, 0.45):
        into.add("like", "skin_type", taste.skin_type, 1.0)
    if taste.keto and chance(rng, 0.7):
        into.add("like", "diet", "keto", 0.9)
    if taste.sugar_free and chance(rng, 0.6):
        into.add("like", "sugar_free", "true", 0.8)
    disliked = [b for b, w in taste.brands.items() if w < 0]
    for brand in disliked:
        if chance(rng, 0.25):
            into.add("never", "brand", brand)
        elif chance(rng, 0.6):
            into.add("like", "brand", brand, -float(rng.uniform(0.5, 1.0)))
    # Hard constraints are what people care about most: declared most of the time, not always.
    for allergen in sorted(taste.avoid):
        if chance(rng, 0.85):
            into.add("never", "allergens", allergen)
    if taste.vegan and chance(rng, 0.8):
        into.add("must", "diet", "vegan")
    elif taste.vegetarian and chance(rng, 0.6):
        into.add("must", "diet", "vegetarian")
    for category in taste.hidden:
        if chance(rng, 0.85):
            into.add("never", "category", category)
    if fashion > 0.2 and chance(rng, 0.5):
        into.add("size", "Fashion > Shoes", taste.shoe_size)
        clothing = taste.clothing_size.lower()
        into.add("size", "Fashion > Tops", clothing)
        into.add("size", "Fashion > Bottoms", clothing)
    if not into.items:
        # Someone who opened the preference centre said at least one thing.
        style = max(taste.styles, key=lambda s: taste.styles[s])
        into.add("like", "style", style, 0.7)


def _consents(rng: np.random.Generator, created: datetime, anchor: datetime, *, declares: bool
              ) -> list[DemoConsent]:
    at = created + timedelta(seconds=5)
    records: list[DemoConsent] = []
    if declares or chance(rng, 0.9):
        records.append(DemoConsent("personalization", True, at))
    elif chance(rng, 0.3):
        records.append(DemoConsent("personalization", False, at))
    # About 15 % never grant tracking: half of them said no, half never answered.
    if chance(rng, 0.85):
        records.append(DemoConsent("tracking", True, at))
    elif chance(rng, 0.5):
        records.append(DemoConsent("tracking", False, at))
    if chance(rng, 0.35):
        records.append(DemoConsent("context", True, at))
    if chance(rng, 0.35):
        records.append(DemoConsent("marketing_email", True, at))
        if chance(rng, 0.1):
            # A later withdrawal: the ledger keeps both rows, the latest one wins.
            span = max(60.0, (anchor - at).total_seconds() - 3600)
            later = at + timedelta(seconds=int(rng.uniform(60, span)))
            records.append(DemoConsent("marketing_email", False, later))
    if chance(rng, 0.12):
        records.append(DemoConsent("marketing_push", True, at))
    return records


def _level(rng: np.random.Generator, declares: bool) -> str | None:
    if declares:
        return pick(rng, (None, "declared", "full", "off", "balanced"),
                    (0.55, 0.2, 0.12, 0.05, 0.08))
    return pick(rng, (None, "off", "full", "balanced"), (0.92, 0.03, 0.03, 0.02))


def _persona_no_gluten(taste: Taste) -> Taste:
    # Groceries-heavy, so that the gluten exclusion shows on the home page; an Apple fan.
    return replace(
        taste,
        verticals=(0.2, 0.25, 0.45, 0.1),
        sessions=max(taste.sessions, 9.0),
        brands={**taste.brands, "Apple": 1.5},
        styles={"minimal": 1.3, "classic": 0.5},
        ecosystem="apple",
        interests=taste.interests | {"photo"},
        avoid=frozenset({"gluten"}),
        vegan=False,
        hidden=(),
        budget_max=None,
    )


def generate_customers(rng: np.random.Generator, count: int, *, products: Sequence[DemoProduct],
                       anchor: datetime, schema: FacetSchema) -> list[DemoCustomer]:
    """``count`` customers ``c00001`` onwards, oldest account first.

    About 30 % declare preferences; ``c00001`` never wants gluten (and likes a few things),
    ``c00002`` declined tracking and set the level to "off".

    >>> from datetime import UTC
    >>> from prefero.catalog.facets import load_facet_schema
    >>> from prefero.demo.catalog import generate_catalog
    >>> now = datetime(2026, 1, 1, tzinfo=UTC)
    >>> schema = load_facet_schema()
    >>> rng = np.random.default_rng(7)
    >>> shop = generate_catalog(rng, 60, anchor=now, schema=schema)
    >>> people = generate_customers(rng, 3, products=shop, anchor=now, schema=schema)
    >>> [(p.id, p.tracking, p.level) for p in people[:2]]
    [('c00001', True, None), ('c00002', False, 'off')]
    """
    vocabulary = _Vocabulary.of(products)
    ages = np.sort(rng.uniform(1.0, 730.0, size=count))[::-1]
    customers: list[DemoCustomer] = []
    for index in range(count):
        customer_id = f"c{index + 1:05d}"
        created = anchor - timedelta(seconds=int(ages[index] * 86400))
        taste = _taste(rng, vocabulary)
        declares = chance(rng, 0.3)
        level = _level(rng, declares)
        if customer_id == PERSONA_NO_GLUTEN:
            taste, declares, level = _persona_no_gluten(taste), True, None
        declarations = _Declarations(schema, rng, created, anchor)
        if declares:
            _declare(taste, declarations)
        if customer_id == PERSONA_NO_GLUTEN:
            declarations.add("never", "allergens", "gluten")
            declarations.add("like", "brand", "Apple", 0.9)
            declarations.add("like", "ecosystem", "apple", 1.0)
            declarations.add("like", "style", "minimal", 0.8)
        consents = _consents(rng, created, anchor, declares=declares)
        if customer_id == PERSONA_NO_GLUTEN:
            consents = [c for c in consents if c.purpose not in ("tracking", "personalization")]
            at = created + timedelta(seconds=5)
            consents[:0] = [DemoConsent("personalization", True, at),
                            DemoConsent("tracking", True, at)]
        if customer_id == PERSONA_NO_TRACKING:
            consents = [c for c in consents if c.purpose != "tracking"]
            consents.append(DemoConsent("tracking", False, created + timedelta(seconds=5)))
            level = "off"
            taste = replace(taste, sessions=max(taste.sessions, 5.0))
        budget_max = budget_min = budget_at = None
        if declares and taste.budget_max is not None and chance(rng, 0.7):
            budget_max = Decimal(int(taste.budget_max))
            budget_min = Decimal(50) if chance(rng, 0.1) else None
            budget_at = declarations.when()
        level_at = declarations.when() if level is not None else None
        customers.append(DemoCustomer(
            id=customer_id,
            created_at=created,
            level=level,
            level_updated_at=level_at,
            exploration=not chance(rng, 0.06 if declares else 0.01),
            budget_min=budget_min,
            budget_max=budget_max,
            budget_updated_at=budget_at,
            taste=taste,
            preferences=tuple(declarations.items.values()),
            consents=tuple(sorted(consents, key=lambda c: c.recorded_at)),
        ))
    return customers

