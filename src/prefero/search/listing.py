"""A listing the shopper browses: a category or a search's matches, with the customer's
rules applied, filtered by facet values and price, sorted, counted and cut into pages.

One card per product family (``recommend.variants``). "For you" is the shop's neutral order
(a search's relevance, a category's newest first) with its head re-ranked and explained by
the ``search`` placement; the other sorts are the shopper's own choice and need no reason.
The filters' counts respect the customer's rules and each other: a facet's values are
counted with every other facet's choice applied but not its own, so choosing a second
brand widens the list as its number promised.

The shop's merchandising rules in force on the ``search`` placement (``LISTING_PLACEMENT``)
hold for every listing, a category's included: a hidden product leaves the cards, the
filters' counts, the price range and the total, as it leaves every recommendation, and is
never counted among what the customer's rules hid ("show everything" lifts the customer's
rules, never the shop's). Pins and boosts order the "for you" head only, where the pipeline
makes it; the shopper's own sorts stay as chosen. The rules come compiled with the catalogue
snapshot (``engine.merchandising``): one read of the revision counters, as the snapshot
alone costs.
"""

from __future__ import annotations

import time
from math import ceil
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from prefero.catalog.facets import FacetSchema, normalize_category
from prefero.errors import FieldError, InvalidInput
from prefero.merchandising.compiled import CompiledRules
from prefero.recommend.catalog_index import BoolArray, CatalogIndex, IntArray
from prefero.recommend.constraints import allowed_mask
from prefero.recommend.engine import RecommendationEngine
from prefero.recommend.profile import CustomerProfile
from prefero.recommend.query import RecommendationQuery, RecommendedItem
from prefero.recommend.variants import family_of, one_per_family
from prefero.search.departments import subcategories
from prefero.search.facet_counts import facet_table
from prefero.search.service import HiddenByPreference, hidden_by_preference, ranked_hits
from prefero.types import Placement

__all__ = ["FILTERS_FROM", "LISTING_PLACEMENT", "MAX_PER_PAGE", "PER_PAGE", "SORTS",
           "FacetFilter", "FacetValue", "Filters", "Listing", "PriceSpan", "Sort", "browse",
           "browse_category", "browse_search", "filterable", "parse_filters"]

Sort = Literal["for_you", "price_asc", "price_desc", "newest"]
SORTS: tuple[Sort, ...] = ("for_you", "price_asc", "price_desc", "newest")
#: The placement whose merchandising rules a listing follows, a category's as well as a
#: search's: "for you" has the pipeline re-rank a listing's head as a ``search``, so the
#: hide rules that hold for that head hold for the rest of the listing too; a shop that
#: hides a product from its searches hides it from its aisles. No placement of its own:
#: a rule would then have two names for what the shopper sees as one list.
LISTING_PLACEMENT: Placement = "search"
_NONE = np.zeros(0, dtype=np.int64)
#: Cards a page holds unless asked otherwise, and at most.
PER_PAGE = 24
MAX_PER_PAGE = 96
#: How far "for you" re-ranks: two pages of cards (every one explained; 96 cost a search
#: page 1 ms more in-process on the demo shop); the cards after it follow in the neutral
#: order.
FOR_YOU_TOP = 48
#: A query's hits the pipeline takes (``RecommendationQuery.hits``).
MAX_HITS = 1000
#: Values a filter lists (the most frequent; chosen ones always).
VALUES_SHOWN = 12
#: Facets never offered as filters: the category is navigated, not filtered; tags and
#: custom labels are the shop's own bookkeeping; price tiers say less than the price
#: range; allergens are a customer's rules ("never"), not something to browse for.
FILTERS_FROM = ("category", "tags", "price_tier", "allergens", "custom_label_0",
                "custom_label_1", "custom_label_2", "custom_label_3", "custom_label_4")


class Filters(BaseModel):
    """What the shopper narrowed the listing to: values of facets (any of a facet's
    values; every facet) and a price range (the price paid, sale price included)."""

    model_config = ConfigDict(frozen=True)

    values: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    price_min: float | None = Field(default=None, ge=0)
    price_max: float | None = Field(default=None, ge=0)


class FacetValue(BaseModel):
    value: str = Field(description="The stored value, to filter by")
    label: str = Field(description="The value as the request's language reads it")
    count: int = Field(description="Cards the listing would show with this value chosen "
                                   "(on top of the other facets' choices)")
    selected: bool


class FacetFilter(BaseModel):
    facet: str
    label: str
    kind: Literal["values", "toggle"] = Field(
        description="``toggle``: a yes/no facet offered as one choice (its value 'true')")
    values: list[FacetValue]


class PriceSpan(BaseModel):
    low: float
    high: float


class Listing(BaseModel):
    total: int = Field(description="Cards matching (a product family counts once)")
    page: int
    pages: int
    per_page: int
    sort: Sort
    items: list[RecommendedItem]
    filters: list[FacetFilter]
    price: PriceSpan | None = Field(description="The prices of what the other filters "
                                                "leave, for the range's bounds")
    hidden_total: int
    hidden: list[HiddenByPreference]
    corrected_query: str | None = Field(
        default=None, description="A search's query as corrected, when nothing matched it "
        "as typed and the corrected one did")
    subcategories: list[str] = Field(
        default_factory=list, description="A category's categories one level down that have "
        "something to buy (paths)")


def filterable(schema: FacetSchema) -> list[str]:
    """The facets a listing may be filtered by, in the schema's order.

    >>> from prefero.catalog.facets import load_facet_schema
    >>> names = filterable(load_facet_schema())
    >>> "brand" in names and "size" in names and "diet" in names, "category" in names
    (True, False)
    """
    return [facet.name for facet in schema.facets
            if facet.type in ("categorical", "multi", "boolean")
            and facet.name not in FILTERS_FROM]


def _chosen(index: CatalogIndex, facet: str, values: tuple[str, ...]) -> BoolArray:
    mask = np.zeros(index.size, dtype=bool)
    for value in values:
        found = index.postings.get((facet, value))
        if found is not None:
            mask[found] = True
    return mask


def _priced(index: CatalogIndex, filters: Filters) -> BoolArray:
    mask = np.ones(index.size, dtype=bool)
    if filters.price_min is not None:
        mask &= index.price >= filters.price_min
    if filters.price_max is not None:
        mask &= index.price <= filters.price_max
    return mask


def _facet_filters(index: CatalogIndex, shown: BoolArray, chosen: dict[str, BoolArray],
                   priced: BoolArray, filters: Filters, *, language: str) -> list[FacetFilter]:
    schema = index.schema
    found: list[FacetFilter] = []
    for name in filterable(schema):
        facet = schema.get(name)
        if facet is None:
            continue
        others = shown & priced
        for other, mask in chosen.items():
            if other != name:
                others &= mask
        counts = facet_table(index, name).counts(index, others)
        picked = set(filters.values.get(name, ()))
        label = schema.label_in(name, language)
        if facet.type == "boolean":
            if counts.get("true"):
                found.append(FacetFilter(facet=name, label=label, kind="toggle", values=[
                    FacetValue(value="true", label=label, count=counts["true"],
                               selected="true" in picked)]))
            continue
        # One value everywhere narrows nothing; a chosen value stays to be unchosen.
        if len(counts) < 2 and not picked:
            continue
        ranked = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
        keep = [value for value, _count in ranked[:VALUES_SHOWN]]
        keep += [value for value in sorted(picked) if value not in keep]
        values = [FacetValue(value=value, count=counts.get(value, 0), selected=value in picked,
                             label=schema.value_in(name, value, language,
                                                   shown=index.label(name, value)))
                  for value in keep]
        values.sort(key=lambda v: (-v.count, v.label.casefold()))
        found.append(FacetFilter(facet=name, label=label, kind="values", values=values))
    return found


def _sorted(index: CatalogIndex, matching: BoolArray, neutral: IntArray, sort: Sort
            ) -> IntArray:
    if sort == "for_you":
        return neutral[matching[neutral]]
    items = np.flatnonzero(matching)
    if sort == "newest":
        key = -index.created_ts[items]
    else:
        key = index.price[items] if sort == "price_asc" else -index.price[items]
    # Ties keep the catalogue's order, so a page boundary never moves between requests.
    ordered: IntArray = items[np.argsort(key, kind="stable")]
    return ordered


def _hidden_cards(index: CatalogIndex, narrowed: BoolArray, matching: BoolArray
                  ) -> BoolArray:
    """One item (the first) of each family in ``narrowed`` none of whose members is in
    ``matching``: the cards the customer's rules took from the list."""
    gone = narrowed & ~matching
    if not gone.any():
        return gone
    kept = np.zeros(index.family_heads.size, dtype=bool)
    kept[index.groups[matching]] = True
    items = np.flatnonzero(gone)
    items = items[~kept[index.groups[items]]]
    _families, first = np.unique(index.groups[items], return_index=True)
    cards = np.zeros(index.size, dtype=bool)
    cards[items[first]] = True
    return cards


def _plain(index: CatalogIndex, item: int, shown: BoolArray) -> RecommendedItem:
    return RecommendedItem(product_id=index.ids[item], score=0.0, title=index.titles[item],
                           price=float(index.price[item]), currency=index.currency_of(item),
                           category=index.categories[item], reasons=[], basis="search",
                           variants=family_of(index, item, shown))


def browse(session: Session, engine: RecommendationEngine, *, scope: BoolArray,
           neutral: IntArray, customer_id: str | None, filters: Filters | None = None,
           sort: Sort = "for_you", page: int = 1, per_page: int = PER_PAGE,
           apply_preferences: bool = True, language: str = "en",
           profile: CustomerProfile | None = None, searched: bool = True) -> Listing:
    """One page of the listing of ``scope`` (a category's items, a search's matches;
    ``searched=False``: nothing was typed, so no card says "Matches your search").

    ``neutral`` orders ``scope`` when nothing personal does (relevance, or newest first);
    "for you" re-ranks its first ``FOR_YOU_TOP`` matches for the customer. ``page`` past
    the last gives an empty page with the true totals. The shop's hide rules in force on
    ``LISTING_PLACEMENT`` take their products out of everything the listing shows and
    counts.

    >>> # browse(session, runtime.recommender, scope=in_category, neutral=newest,
    >>> #        customer_id="c1", filters=Filters(values={"brand": ("acme",)}), page=2)
    """
    return _listing(session, engine, engine.merchandising(session), scope=scope,
                    neutral=neutral, customer_id=customer_id, filters=filters, sort=sort,
                    page=page, per_page=per_page, apply_preferences=apply_preferences,
                    language=language, profile=profile, searched=searched)


def _listing(session: Session, engine: RecommendationEngine, rules: CompiledRules, *,
             scope: BoolArray, neutral: IntArray, customer_id: str | None,
             filters: Filters | None, sort: Sort, page: int, per_page: int,
             apply_preferences: bool, language: str, profile: CustomerProfile | None,
             searched: bool) -> Listing:
    """``browse`` over ``rules`` (and the snapshot they were compiled over), read once by
    the caller."""
    filters = filters or Filters()
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    index = rules.index
    if profile is None:
        profile = engine.profile(session, customer_id)
    available = scope & index.eligible
    shop = rules.in_force(LISTING_PLACEMENT, time.time())
    if shop.visible is not None:
        # Before anything is counted: what the shop hides is not in this listing at all,
        # so it is no card, no count, no price, and never "hidden by your preferences".
        available &= shop.visible
    shown = available & allowed_mask(index, profile, apply_preferences=apply_preferences)
    chosen = {facet: _chosen(index, facet, values)
              for facet, values in filters.values.items() if values}
    priced = _priced(index, filters)
    narrowed = available & priced  # the shopper's filters, before the customer's rules
    for mask in chosen.values():
        narrowed &= mask
    faceted = shown.copy()
    for mask in chosen.values():
        faceted &= mask
    matching = faceted & priced
    # What the rules hid from this very list, in cards: the models the filters leave with
    # no member the rules allow, each counted once (by its first member) for each rule.
    hidden_cards = _hidden_cards(index, narrowed, matching)
    hidden = (hidden_by_preference(index, profile, hidden_cards, language=language,
                                   currency=engine.runtime.shop_currency)
              if apply_preferences else [])
    prices = index.price[faceted]
    span = (PriceSpan(low=float(prices.min()), high=float(prices.max())) if prices.size
            else None)

    cards = one_per_family(index, _sorted(index, matching, neutral, sort))
    personal: dict[int, RecommendedItem] = {}
    if sort == "for_you" and cards.size:
        # The head in the customer's order and with its reasons; the pipeline answers one
        # card per family too, so the head and the rest partition the cards.
        hits = tuple(index.ids[p] for p in cards[:MAX_HITS].tolist())
        head = engine.recommend(session, RecommendationQuery(
            customer_id=customer_id, placement=LISTING_PLACEMENT,
            n=min(FOR_YOU_TOP, len(hits)), hits=hits),
            apply_preferences=apply_preferences, profile=profile).items
        personal = {index.position[item.product_id]: item if searched else item.model_copy(
            update={"reasons": [r for r in item.reasons if r.code != "search_match"]})
            for item in head}
        first = np.fromiter(personal, dtype=np.int64, count=len(personal))
        cards = np.concatenate([first, cards[~np.isin(cards, first)]])
    pages = max(1, ceil(cards.size / per_page))
    window = cards[(page - 1) * per_page: page * per_page].tolist()
    return Listing(
        total=int(cards.size), page=page, pages=pages, per_page=per_page, sort=sort,
        items=[personal.get(item) or _plain(index, item, shown) for item in window],
        filters=_facet_filters(index, shown, chosen, priced, filters, language=language),
        price=span, hidden_total=int(hidden_cards.sum()), hidden=hidden)


def _open_subcategories(index: CatalogIndex, rules: CompiledRules, path: str
                        ) -> list[str]:
    """``path``'s subcategories with something to buy that the shop's rules do not hide
    whole (a link to an aisle that would list nothing is not offered)."""
    found = subcategories(index, path)
    shop = rules.in_force(LISTING_PLACEMENT, time.time())
    if shop.visible is None:
        return list(found)
    open_ = index.eligible & shop.visible
    return [sub for sub in found if bool(open_[index.postings.get(
        ("category", index.schema.compared("category", sub)), _NONE)].any())]


def browse_category(session: Session, engine: RecommendationEngine, *, path: str,
                    customer_id: str | None, filters: Filters | None = None,
                    sort: Sort = "for_you", page: int = 1, per_page: int = PER_PAGE,
                    apply_preferences: bool = True, language: str = "en") -> Listing | None:
    """A category's listing (``path`` as typed or linked: "Food/Tea" is "Food > Tea"),
    newest first where nothing personal orders it; ``None`` when the shop has nothing to
    buy under that path. A category whose every product the shop's rules hide is still a
    category: its listing is empty."""
    rules = engine.merchandising(session)
    index = rules.index
    normal = normalize_category(path)
    if not normal:
        return None
    scope = index.mask_for("category", index.schema.compared("category", normal))
    if not (scope & index.eligible).any():
        return None
    listing = _listing(session, engine, rules, scope=scope, neutral=index.newest_first,
                       customer_id=customer_id, filters=filters, sort=sort, page=page,
                       per_page=per_page, apply_preferences=apply_preferences,
                       language=language, profile=None, searched=False)
    listing.subcategories = _open_subcategories(index, rules, normal)
    return listing


def browse_search(session: Session, engine: RecommendationEngine, *, query: str,
                  customer_id: str | None, filters: Filters | None = None,
                  sort: Sort = "for_you", page: int = 1, per_page: int = PER_PAGE,
                  apply_preferences: bool = True, language: str = "en") -> Listing:
    """A search's listing: the matches of ``query`` (``search.service.ranked_hits``: typos
    and the shop's other languages read), most relevant first where nothing personal
    orders them."""
    rules = engine.merchandising(session)
    index = rules.index
    hits, corrected = ranked_hits(session, index, query)
    neutral = np.fromiter((index.position[h] for h in hits if h in index.position),
                          dtype=np.int64)
    scope = np.zeros(index.size, dtype=bool)
    scope[neutral] = True
    listing = _listing(session, engine, rules, scope=scope, neutral=neutral,
                       customer_id=customer_id, filters=filters, sort=sort, page=page,
                       per_page=per_page, apply_preferences=apply_preferences,
                       language=language, profile=None, searched=True)
    listing.corrected_query = corrected
    return listing


def parse_filters(chosen: list[str], schema: FacetSchema, *,
                  price_min: float | None = None, price_max: float | None = None,
                  loc: tuple[str, ...] = ("query", "filter")) -> Filters:
    """``facet:value`` choices (a facet's values may repeat: any of them) as ``Filters``;
    ``InvalidInput`` naming the choice for a facet that cannot filter or a range upside
    down.

    >>> from prefero.catalog.facets import load_facet_schema
    >>> parse_filters(["color:red", "color:blue", "eco:true"], load_facet_schema()).values
    {'color': ('red', 'blue'), 'eco': ('true',)}
    """
    allowed = set(filterable(schema))
    values: dict[str, list[str]] = {}
    problems = []
    for position, text in enumerate(chosen):
        facet, colon, value = text.partition(":")
        if not colon or not value:
            problems.append(FieldError((*loc, position), "expected facet:value"))
        elif facet not in allowed:
            problems.append(FieldError(
                (*loc, position), f"{facet!r} is not a facet to filter by; one of: "
                + ", ".join(sorted(allowed))))
        else:
            values.setdefault(facet, []).append(schema.compared(facet, value))
    if price_min is not None and price_max is not None and price_min > price_max:
        problems.append(FieldError(("query", "price_min"), "greater than price_max"))
    if problems:
        raise InvalidInput("the listing's filters are not valid", errors=problems)
    return Filters(values={facet: tuple(dict.fromkeys(found))
                           for facet, found in values.items()},
                   price_min=price_min, price_max=price_max)
