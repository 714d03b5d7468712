"""Preferences suggested from consented behaviour, which the customer accepts or rejects.

"Declared beats inferred": behaviour may *propose* a preference ("8 of your last 10 orders in
Groceries were sugar-free — show more?"), but nothing acts on it until the customer accepts.
A suggestion is not stored: it is recomputed from the customer's linked events on every call,
so it can never reach the recommender (which reads only ``Preference`` rows), and withdrawing
tracking consent hides every open suggestion on the next request. Only the customer's answer
is stored (``SuggestionDecision``); an accepted suggestion becomes a ``like`` with source
``suggestion``, i.e. part of the declared profile.

Inference rules (``SuggestionRules`` holds the numbers):

* only with ``tracking`` consent in force, read on every call;
* evidence is the customer's most recent purchases (each order line counts) and, separately,
  the distinct products viewed; purchase evidence is preferred, views are used only for values
  the purchases do not already support;
* the share of a facet value is taken within the product's top-level category ("of your last
  10 orders in Groceries"), because a diet or a brand only means something among the products
  where it could apply; categories are counted over all the evidence;
* only preferable facets, and never those that would be invasive or wrong to infer as a
  liking (allergens, gender, age group); yes/no facets only for "yes";
* at least ``min_matching`` matching events and a confidence (the Wilson lower bound of the
  share, one-sided 95 %) of at least ``min_confidence``;
* worth asking: the customer's share is at least ``min_lift`` times the catalogue's base rate
  (the share of the shop's active products in the same scope that carry the value), and
  suggestions are ranked by the lift the evidence supports (the confidence over the base
  rate), not by raw share: "condition: new", which nearly every product carries, says
  nothing about a customer whose orders are all new, while a value they choose four times
  as often as the shop carries it does; a value every product in the scope carries (or
  none any longer does) is never suggested;
* never a facet value the customer already holds in any preference row (any kind, any
  source), nor one decided on within ``settings.suggestion_snooze_days``;
* always a soft ``like`` weighted by the confidence, never a hard ``must``/``never``: a
  diet inferred from behaviour must not silently hide products.

No HTTP here; the caller's unit of work commits.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from prefero.catalog.facets import (
    CATEGORY_SEPARATOR,
    Facet,
    FacetSchema,
    category_ancestors,
    load_facet_schema,
    parse_bool,
)
from prefero.catalog.models import Product
from prefero.config import Settings
from prefero.customers.consent import current_consents
from prefero.customers.evidence_text import evidence_text
from prefero.customers.models import Preference, SuggestionDecision
from prefero.customers.preferences import add_like, normalize_preference_value
from prefero.customers.repository import require_customer
from prefero.customers.schemas import Like
from prefero.db.base import utcnow
from prefero.errors import Conflict, NotFound
from prefero.events.models import Event

__all__ = [
    "SOURCE",
    "DecisionOut",
    "Evidence",
    "Suggestion",
    "SuggestionRules",
    "SuggestionsOut",
    "accept",
    "list_suggestions",
    "reject",
    "suggestion_id",
    "suggestions",
]

SOURCE = "suggestion"
Signal = Literal["purchase", "view"]
Decision = Literal["accepted", "rejected"]

# Inferring these from behaviour would be invasive (gender, age) or dangerous to read as a
# liking (buying something with peanuts says nothing about wanting peanuts).
_NEVER_INFERRED = frozenset({"allergens", "gender", "age_group", "size"})


class SuggestionRules(BaseModel):
    """The numbers behind the inference; the defaults are the shop's unless a caller passes
    its own.

    >>> SuggestionRules().min_matching
    3
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    min_matching: int = Field(default=3, ge=1, description="Fewest matching events")
    min_confidence: float = Field(default=0.5, ge=0.0, le=1.0,
                                  description="Lowest Wilson lower bound of the share")
    z: float = Field(default=1.645, gt=0.0, description="One-sided 95 % by default")
    min_lift: float = Field(default=1.0, ge=0.0,
                            description="Lowest ratio of the customer's share to the "
                                        "catalogue's base rate")
    max_items: int = Field(default=5, ge=1, le=50)
    purchase_window: int = Field(default=50, ge=1, description="Most recent purchases read")
    view_window: int = Field(default=100, ge=1, description="Most recent distinct views read")


DEFAULT_RULES = SuggestionRules()


class Evidence(BaseModel):
    text: str = Field(description='For the customer, in the language the request asked for '
                                  '(Accept-Language), e.g. "Sugar-free — 8 of your last 10 '
                                  'orders in Groceries"')
    matching: int = Field(description="Events that have the value")
    total: int = Field(description="Events it is a share of")
    signal: Signal = Field(description="The behaviour counted")
    scope: str | None = Field(description="Top-level category the share is taken in; null: "
                                          "all of the signal")
    catalogue_share: float = Field(ge=0, le=1, description="The base rate: the share of the "
                                   "shop's active products (in ``scope``) that carry the "
                                   "value")
    lift: float = Field(ge=0, description="The customer's share over ``catalogue_share``: how "
                                          "many times as often as the shop carries it")


class Suggestion(BaseModel):
    """One proposed preference. It acts on nothing until accepted."""

    id: str = Field(description="Stable for this customer and proposed preference")
    facet: str
    value: str
    label: str = Field(description="The value as the shop writes it (a brand's spelling)")
    kind: Literal["like"] = "like"
    weight: float = Field(ge=-1, le=1, description="The like's weight if accepted")
    confidence: float = Field(ge=0, le=1, description="Wilson lower bound of the share")
    evidence: Evidence


class SuggestionsOut(BaseModel):
    customer_id: str
    tracking_consent: bool = Field(description="Without it nothing is suggested")
    items: list[Suggestion]


class DecisionOut(BaseModel):
    id: str
    customer_id: str
    facet: str
    value: str
    kind: Literal["like"] = "like"
    decision: Decision
    decided_at: datetime
    preference: Like | None = Field(default=None,
                                    description="The like created by accepting")


# --------------------------------------------------------------------------- inference


def suggestion_id(customer_id: str, kind: str, facet: str, value: str) -> str:
    """The stable id of a suggestion: a hash of who it is for and what it proposes.

    >>> suggestion_id("c1", "like", "sugar_free", "true") == suggestion_id(
    ...     "c1", "like", "sugar_free", "true")
    True
    >>> len(suggestion_id("c1", "like", "brand", "acme"))
    32
    """
    # NUL separators: no id or value can contain one, so distinct keys never concatenate alike.
    key = "\x00".join((customer_id, kind, facet, value))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def wilson_lower_bound(matching: int, total: int, z: float = 1.645) -> float:
    """The lower bound of the Wilson score interval of ``matching / total``.

    Small samples get a low bound, so 3 of 3 is trusted less than 8 of 10.

    >>> round(wilson_lower_bound(8, 10), 3), round(wilson_lower_bound(3, 3), 3)
    (0.541, 0.526)
    >>> wilson_lower_bound(0, 0)
    0.0
    """
    if total <= 0:
        return 0.0
    share = matching / total
    z2 = z * z
    centre = share + z2 / (2 * total)
    margin = z * math.sqrt(share * (1 - share) / total + z2 / (4 * total * total))
    return max(0.0, (centre - margin) / (1 + z2 / total))


@dataclass(frozen=True)
class _Candidate:
    facet: str
    value: str
    matching: int
    total: int
    confidence: float
    signal: Signal
    scope: str | None
    label: str  # the value as the shop writes it ("Apple" for the stored "apple")


@dataclass(frozen=True)
class _Rate:
    """A value's base rate in the catalogue: ``carrying`` of ``of`` active products."""

    carrying: int
    of: int


#: facet -> {normalized value: the value as the shop writes it}
_Values = dict[str, dict[str, str]]


def _product_values(product: Product, facets: Sequence[Facet], schema: FacetSchema
                    ) -> _Values:
    """facet -> normalized values of one product (with their display form), read as the
    recommender's index reads them (category from the column, brand from the column when
    the facets lack it)."""
    return _values(product.facets, product.category, product.brand, facets, schema)


def _values(stored: Mapping[str, Any] | None, category: str | None, brand: str | None,
            facets: Sequence[Facet], schema: FacetSchema) -> _Values:
    raw_facets: dict[str, Any] = dict(stored or {})
    raw_facets["category"] = category or ""
    if brand and "brand" not in raw_facets:
        raw_facets["brand"] = brand
    out: _Values = {}
    for facet in facets:
        raw = raw_facets.get(facet.name)
        if raw is None or raw == "" or raw == []:
            continue
        if facet.type == "category_path":
            texts = category_ancestors(str(raw))
        elif facet.type == "boolean":
            # Only "yes" is a liking; a product that is not sugar-free says nothing about a
            # wish for sugar (and "like sugar_free=false" is no preference a person has).
            try:
                texts = ["true"] if parse_bool(raw) else []
            except ValueError:
                texts = []
        elif isinstance(raw, list | tuple):
            texts = [str(item) for item in raw]
        else:
            texts = [str(raw)]
        values: dict[str, str] = {}
        for text in texts:
            try:
                value = normalize_preference_value(schema, facet.name, text)
            except ValueError:
                continue  # a catalog value that could never be declared is not suggested
            # The brand facet holds the folded name; the column keeps the shop's spelling.
            values.setdefault(value, brand if facet.name == "brand" and brand
                              and _same(schema, brand, value) else text)
        if values:
            out[facet.name] = values
    return out


def _same(schema: FacetSchema, brand: str, value: str) -> bool:
    try:
        return normalize_preference_value(schema, "brand", brand) == value
    except ValueError:
        return False


def _evidence_products(session: Session, customer_id: str, *, now: datetime,
                       rules: SuggestionRules) -> dict[Signal, list[str]]:
    """Product ids per signal, most recent first: one per purchase, one per distinct view."""
    def recent(kind: str, limit: int) -> list[str]:
        return [pid for pid in session.scalars(
            select(Event.product_id)
            .where(Event.customer_id == customer_id, Event.type == kind,
                   Event.product_id.is_not(None), Event.occurred_at <= now)
            .order_by(Event.occurred_at.desc(), Event.id.desc())
            .limit(limit)) if pid is not None]

    purchases = recent("purchase", rules.purchase_window)
    # Views repeat (a product looked at five times); count each product once. Reading five
    # times the window leaves room for repeats while still bounding the query.
    views = list(dict.fromkeys(recent("view", rules.view_window * 5)))[:rules.view_window]
    return {"purchase": purchases, "view": views}


def _top(values: _Values) -> str | None:
    """The product's top-level category: the scope its other values' shares are taken in."""
    categories = values.get("category", {})
    return min(categories, key=len) if categories else None


def _candidates(products: Sequence[_Values | None], *, signal: Signal,
                rules: SuggestionRules) -> list[_Candidate]:
    """Every facet value whose share passes the rules, for one signal's evidence."""
    scope_totals: Counter[str] = Counter()
    counts: Counter[tuple[str, str, str | None]] = Counter()  # (facet, value, scope)
    labels: dict[tuple[str, str], str] = {}
    total = 0
    for values in products:
        if values is None:
            continue  # the product is gone from the catalog: nothing to learn from it
        total += 1
        top = _top(values)
        if top is not None:
            scope_totals[top] += 1
        for facet, facet_values in values.items():
            scope = None if facet == "category" else top
            if scope is None and facet != "category":
                continue  # outside any category there is no meaningful share
            for value, shown in facet_values.items():
                counts[(facet, value, scope)] += 1
                labels.setdefault((facet, value), shown)
    found: list[_Candidate] = []
    for (facet, value, scope), matching in counts.items():
        out_of = total if scope is None else scope_totals[scope]
        confidence = wilson_lower_bound(matching, out_of, rules.z)
        if matching >= rules.min_matching and confidence >= rules.min_confidence:
            found.append(_Candidate(facet, value, matching, out_of, confidence, signal, scope,
                                    labels[(facet, value)]))
    return _most_specific_categories(found)


def _base_rates(session: Session, wanted: Sequence[_Candidate], facets: Sequence[Facet],
                schema: FacetSchema) -> dict[tuple[str, str, str | None], _Rate]:
    """How many of the shop's active products carry each wanted (facet, value, scope), of
    how many in that scope (the whole catalogue for a category). One pass over the active
    products of the scopes asked about, read as the customer's own products are read."""
    keys = {(c.facet, c.value, c.scope) for c in wanted}
    needed = [f for f in facets if f.name == "category" or f.name in {k[0] for k in keys}]
    query = select(Product.facets, Product.category, Product.brand).where(
        Product.active.is_(True))
    scopes = {scope for _facet, _value, scope in keys}
    if None not in scopes:
        # Only other facets: only the departments they were counted in.
        query = query.where(or_(*(Product.category.startswith(scope, autoescape=True)
                                  for scope in scopes if scope is not None)))
    carrying: Counter[tuple[str, str, str | None]] = Counter()
    in_scope: Counter[str | None] = Counter()
    for stored, category, brand in session.execute(query):
        values = _values(stored, category, brand, needed, schema)
        top = _top(values)
        in_scope[None] += 1
        if top is not None:
            in_scope[top] += 1
        for facet, facet_values in values.items():
            scope = None if facet == "category" else top
            for value in facet_values:
                if (facet, value, scope) in keys:
                    carrying[(facet, value, scope)] += 1
    return {key: _Rate(carrying[key], in_scope[key[2]]) for key in keys}


def _most_specific_categories(found: list[_Candidate]) -> list[_Candidate]:
    """Of nested category paths that both pass, keep the deepest: "Groceries > Snacks" says
    more than "Groceries" and the shallower one is implied by it."""
    paths = {c.value for c in found if c.facet == "category"}
    return [c for c in found if c.facet != "category"
            or not any(p.startswith(c.value + CATEGORY_SEPARATOR) for p in paths)]


def _held(session: Session, customer_id: str) -> set[tuple[str, str]]:
    """(facet, value) of every preference row the customer holds, whatever kind or source."""
    return {(facet, value) for facet, value in session.execute(
        select(Preference.facet, Preference.value)
        .where(Preference.customer_id == customer_id))}


def _latest_decisions(session: Session, customer_id: str
                      ) -> dict[tuple[str, str, str], SuggestionDecision]:
    """The decision in force per (kind, facet, value): the newest row."""
    latest: dict[tuple[str, str, str], SuggestionDecision] = {}
    for row in session.scalars(select(SuggestionDecision)
                               .where(SuggestionDecision.customer_id == customer_id)
                               .order_by(SuggestionDecision.decided_at,
                                         SuggestionDecision.id)):
        latest[(row.kind, row.facet, row.value)] = row
    return latest


def _snoozed(decision: SuggestionDecision | None, *, now: datetime, settings: Settings
             ) -> bool:
    return decision is not None and (
        now - decision.decided_at < timedelta(days=settings.suggestion_snooze_days))


def _all_suggestions(session: Session, *, customer_id: str, settings: Settings,
                     schema: FacetSchema, now: datetime, rules: SuggestionRules
                     ) -> list[Suggestion]:
    """Every suggestion that passes the rules, best first (no consent check here)."""
    facets = [f for f in schema.preferable() if f.name not in _NEVER_INFERRED
              and f.type != "numeric"]
    by_signal = _evidence_products(session, customer_id, now=now, rules=rules)
    wanted = {pid for pids in by_signal.values() for pid in pids}
    catalog = {p.id: _product_values(p, facets, schema) for p in session.scalars(
        select(Product).where(Product.id.in_(sorted(wanted))))} if wanted else {}

    best: dict[tuple[str, str], _Candidate] = {}
    for signal in ("purchase", "view"):  # purchases first: views only fill in
        products = [catalog.get(pid) for pid in by_signal[signal]]
        for candidate in _candidates(products, signal=signal, rules=rules):
            best.setdefault((candidate.facet, candidate.value), candidate)

    held = _held(session, customer_id)
    decisions = _latest_decisions(session, customer_id)
    open_ = [candidate for key, candidate in best.items() if key not in held
             and not _snoozed(decisions.get(("like", key[0], key[1])), now=now,
                              settings=settings)]
    rates = _base_rates(session, open_, facets, schema) if open_ else {}
    ranked: list[tuple[float, Suggestion]] = []
    for candidate in open_:
        rate = rates[(candidate.facet, candidate.value, candidate.scope)]
        if rate.carrying == 0:
            continue  # the shop no longer carries it: there is nothing to show more of
        if rate.carrying == rate.of:
            continue  # every product there carries it: buying it was no choice at all
        base = rate.carrying / rate.of
        lift = candidate.matching * rate.of / (candidate.total * rate.carrying)
        if lift < rules.min_lift * (1 - 1e-9):  # exact at the threshold, not by rounding
            continue
        ranked.append((candidate.confidence / base, Suggestion(
            id=suggestion_id(customer_id, "like", candidate.facet, candidate.value),
            facet=candidate.facet, value=candidate.value,
            # Half-hearted at the threshold, a full "love it" only for near-certain evidence.
            weight=round(min(1.0, 0.5 + 0.5 * candidate.confidence), 2),
            confidence=round(candidate.confidence, 4),
            label=candidate.label,
            evidence=Evidence(text=evidence_text(
                                  facet=candidate.facet, value=candidate.value,
                                  label=candidate.label, signal=candidate.signal,
                                  matching=candidate.matching, total=candidate.total,
                                  scope=candidate.scope, schema=schema, language="en"),
                              matching=candidate.matching, total=candidate.total,
                              signal=candidate.signal, scope=candidate.scope,
                              catalogue_share=round(base, 4), lift=round(lift, 4)),
        )))
    # Worth asking first: the lift the evidence supports (its lower bound over the base
    # rate), so a value the whole catalogue carries never leads one the customer seeks out.
    ranked.sort(key=lambda pair: (-pair[0], -pair[1].confidence, -pair[1].evidence.matching,
                                  pair[1].facet, pair[1].value))
    return [suggestion for _supported, suggestion in ranked]


def _open(session: Session, *, customer_id: str, settings: Settings,
          schema: FacetSchema | None, now: datetime | None, rules: SuggestionRules
          ) -> tuple[bool, list[Suggestion]]:
    """(tracking consent in force, the open suggestions), consent read fresh every call."""
    require_customer(session, customer_id)
    if not current_consents(session, customer_id=customer_id, settings=settings)["tracking"]:
        return False, []
    found = _all_suggestions(session, customer_id=customer_id, settings=settings,
                             schema=schema or load_facet_schema(settings.facet_schema),
                             now=now or utcnow(), rules=rules)
    return True, found[:rules.max_items]


def suggestions(session: Session, *, customer_id: str, settings: Settings,
                schema: FacetSchema | None = None, now: datetime | None = None,
                rules: SuggestionRules = DEFAULT_RULES) -> list[Suggestion]:
    """The customer's open suggestions, the most worth asking first (by the lift over the
    catalogue's base rate the evidence supports; at most ``rules.max_items``).

    Empty without ``tracking`` consent in force (read on every call). Reads only; nothing is
    stored, so a suggestion never acts before it is accepted. ``now`` (default: the clock)
    bounds the evidence and the snooze period; ``schema`` defaults to the shop's facet
    schema. ``NotFound`` for an unknown customer.

    >>> [(s.facet, s.value, s.evidence.text) for s in suggestions(
    ...     session, customer_id="c1", settings=settings)]  # doctest: +SKIP
    [('sugar_free', 'true', '8 of your last 10 orders in Groceries were sugar-free')]
    """
    return _open(session, customer_id=customer_id, settings=settings, schema=schema, now=now,
                 rules=rules)[1]


def list_suggestions(session: Session, *, customer_id: str, settings: Settings,
                     schema: FacetSchema | None = None, now: datetime | None = None,
                     rules: SuggestionRules = DEFAULT_RULES) -> SuggestionsOut:
    """``suggestions`` in the API's answer form, saying whether tracking consent is on.

    >>> list_suggestions(session, customer_id="c1", settings=settings
    ...                  ).tracking_consent  # doctest: +SKIP
    True
    """
    tracking, items = _open(session, customer_id=customer_id, settings=settings,
                            schema=schema, now=now, rules=rules)
    return SuggestionsOut(customer_id=customer_id, tracking_consent=tracking, items=items)


# --------------------------------------------------------------------------- decisions


def _decision_out(row: SuggestionDecision, preference: Like | None = None) -> DecisionOut:
    return DecisionOut(id=suggestion_id(row.customer_id, row.kind, row.facet, row.value),
                       customer_id=row.customer_id, facet=row.facet, value=row.value,
                       decision="accepted" if row.decision == "accepted" else "rejected",
                       decided_at=row.decided_at, preference=preference)


def _stored_like(session: Session, customer_id: str, facet: str, value: str) -> Like | None:
    row = session.scalars(select(Preference).where(
        Preference.customer_id == customer_id, Preference.kind == "like",
        Preference.facet == facet, Preference.value == value)).first()
    if row is None:
        return None
    return Like(facet=row.facet, value=row.value, weight=row.weight or 0.0, source=row.source,
                updated_at=row.updated_at)


def _resolve(session: Session, *, customer_id: str, suggestion_id_: str, settings: Settings,
             schema: FacetSchema, now: datetime, rules: SuggestionRules, wanted: Decision
             ) -> Suggestion | DecisionOut:
    """The open suggestion ``suggestion_id_`` names, or the earlier decision that a repeat of
    the same request answers with; ``Conflict`` or ``NotFound`` otherwise."""
    require_customer(session, customer_id)
    if not current_consents(session, customer_id=customer_id, settings=settings)["tracking"]:
        # The id cannot even be looked up without reading behaviour, which is no longer allowed.
        raise Conflict("suggestions are off: the customer has not consented to tracking")
    decided = next((row for row in _latest_decisions(session, customer_id).values()
                    if suggestion_id(customer_id, row.kind, row.facet, row.value)
                    == suggestion_id_), None)
    if decided is not None and _snoozed(decided, now=now, settings=settings):
        like = _stored_like(session, customer_id, decided.facet, decided.value)
        if decided.decision == wanted and (wanted == "rejected" or like is not None):
            # A repeat (a retried request): answer it like the first time, write nothing.
            return _decision_out(decided, like)
        raise Conflict(f"this suggestion was already {decided.decision} on "
                       f"{decided.decided_at:%Y-%m-%d}")
    for facet, value in _held(session, customer_id):
        if suggestion_id(customer_id, "like", facet, value) == suggestion_id_:
            raise Conflict(f"{facet} {value!r} is already in the customer's preferences")
    for suggestion in _all_suggestions(session, customer_id=customer_id, settings=settings,
                                       schema=schema, now=now, rules=rules):
        if suggestion.id == suggestion_id_:
            return suggestion
    raise NotFound(f"no open suggestion {suggestion_id_!r} for customer {customer_id!r}")


def _record(session: Session, *, customer_id: str, suggestion: Suggestion, decision: Decision,
            now: datetime) -> SuggestionDecision:
    row = SuggestionDecision(customer_id=customer_id, kind=suggestion.kind,
                             facet=suggestion.facet, value=suggestion.value, decision=decision,
                             decided_at=now)
    session.add(row)
    session.flush()
    return row


def accept(session: Session, *, customer_id: str, suggestion_id: str, settings: Settings,
           schema: FacetSchema, now: datetime | None = None,
           rules: SuggestionRules = DEFAULT_RULES) -> DecisionOut:
    """Make the suggestion a declared ``like`` (source ``suggestion``) and record the decision.

    A repeat answers the first acceptance again. ``NotFound``: no such open suggestion (never
    made, or the evidence no longer supports it); ``Conflict``: tracking consent withdrawn,
    already declared, or decided otherwise within the snooze period.

    >>> accept(session, customer_id="c1", suggestion_id=sid, settings=settings,
    ...        schema=schema).preference.source  # doctest: +SKIP
    'suggestion'
    """
    when = now or utcnow()
    found = _resolve(session, customer_id=customer_id, suggestion_id_=suggestion_id,
                     settings=settings, schema=schema, now=when, rules=rules,
                     wanted="accepted")
    if isinstance(found, DecisionOut):
        return found
    # add_like normalizes (normalize_preference_value), checks the profile for a contradicting
    # "never" and locks the customer row, exactly as for a like the customer typed in.
    like = add_like(session, customer_id=customer_id, schema=schema,
                    like=Like(facet=found.facet, value=found.value, weight=found.weight,
                              source=SOURCE))
    row = _record(session, customer_id=customer_id, suggestion=found, decision="accepted",
                  now=when)
    return _decision_out(row, like)


def reject(session: Session, *, customer_id: str, suggestion_id: str, settings: Settings,
           schema: FacetSchema, now: datetime | None = None,
           rules: SuggestionRules = DEFAULT_RULES) -> DecisionOut:
    """Record "no, thanks": the suggestion stays hidden for ``settings.suggestion_snooze_days``.

    Errors as for ``accept``; a repeat answers the first rejection again.

    >>> reject(session, customer_id="c1", suggestion_id=sid, settings=settings,
    ...        schema=schema).decision  # doctest: +SKIP
    'rejected'
    """
    when = now or utcnow()
    found = _resolve(session, customer_id=customer_id, suggestion_id_=suggestion_id,
                     settings=settings, schema=schema, now=when, rules=rules,
                     wanted="rejected")
    if isinstance(found, DecisionOut):
        return found
    return _decision_out(_record(session, customer_id=customer_id, suggestion=found,
                                 decision="rejected", now=when))
