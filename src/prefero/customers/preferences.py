"""The declared profile: likes, never/must constraints, sizes, budget, level and dismissals.

No HTTP here: every function takes a SQLAlchemy ``Session`` inside the caller's unit of work
and raises ``PreferoError`` subclasses. Nothing is committed here; the caller's session scope
commits on success and rolls back on any error, so a rejected request changes nothing.

Storage of the declared profile (``Preference`` rows, one per value):

* ``like``: ``facet`` / ``value`` / ``weight`` in [-1, 1];
* ``never`` / ``must``: one row per constrained value;
* ``size``: ``facet`` holds the category path, ``value`` one size of the ``size`` facet;
* ``dismiss``: ``facet`` is ``"product"``, ``value`` the product id.

Values are stored normalized (see ``normalize_preference_value``), so they compare with the
catalog's facet values as imported.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.orm import Session

from prefero.catalog.facets import Facet, FacetSchema, normalize_category
from prefero.config import Settings
from prefero.customers.consent import current_consents
from prefero.customers.freshness import confirmed_at, stale_values
from prefero.customers.levels import effective_level
from prefero.customers.models import Customer, Preference
from prefero.customers.repository import ensure_customers, require_customer
from prefero.customers.schemas import (
    Budget,
    Constraint,
    Like,
    PreferencesIn,
    PreferencesOut,
    SavedPreferences,
    SizeSet,
    ValueWarning,
    is_time_zone,
)
from prefero.db.base import utcnow
from prefero.errors import Conflict, FieldError, InvalidInput
from prefero.text import check_visible
from prefero.types import Level

__all__ = [
    "DEFAULT_SOURCE",
    "DISMISS_FACET",
    "FACET_VALUE_KINDS",
    "SIZE_FACET",
    "Held",
    "PreferenceConflict",
    "add_constraint",
    "add_dismissal",
    "add_like",
    "get_preferences",
    "normalize_preference_value",
    "preference_rows",
    "profile_of",
    "put_preferences",
    "remove_constraint",
    "remove_dismissal",
    "remove_like",
    "remove_sizes",
    "save_preferences",
    "set_budget",
    "set_level",
    "set_sizes",
    "set_time_zone",
    "value_warnings",
]

DEFAULT_SOURCE = "declared"
DISMISS_FACET = "product"
SIZE_FACET = "size"
# The kinds stored one row per facet value (``size`` and ``dismiss`` are keyed otherwise).
FACET_VALUE_KINDS = ("like", "never", "must")

# Limits of the stored form. Values are checked *after* normalization (a category path gains
# spaces around its separators) so that what is stored always fits the response models.
_MAX_VALUE = 200
_MAX_CATEGORY = 500
# Output models cap list lengths per entry; longer groups are answered in several entries.
_VALUES_PER_CONSTRAINT = 100
_VALUES_PER_SIZESET = 50

# "declared", "suggestion", "quiz:<id>", or any other "kind[:detail]" a later feature adds;
# checked loosely so that a GET -> PUT round trip never fails on a source another feature wrote.
_SOURCE_SHAPE = re.compile(r"^[a-z][a-z0-9_]*(:\S.*)?$")
_LEVELS: dict[str, Level] = {"off": "off", "declared": "declared", "balanced": "balanced",
                             "full": "full"}

Loc = tuple[str | int, ...]
_Key = tuple[str, str, str]  # (kind, facet, value)


@dataclass(frozen=True)
class Held:
    """A stored like or rule that a new one contradicts."""

    kind: Literal["like", "never", "must"]
    facet: str
    value: str


@dataclass
class PreferenceConflict(Conflict):
    """A new like or rule contradicts one the customer holds (``held``): liking a value that
    is excluded with "never", excluding a liked value, or "never" and "must" on one value.
    The same call with ``replace=True`` switches: what is held goes, the new one stays."""

    held: tuple[Held, ...] = field(default=())
    slug: str = "preference-conflict"
    title: str = "Contradicts a stored preference"


# --------------------------------------------------------------------------- normalization


def normalize_preference_value(schema: FacetSchema, facet: str, raw: str) -> str:
    """The stored, comparable form of one value of ``facet``; ``ValueError`` when unusable.

    Uses the same rules as catalog import (``FacetSchema.coerce``), so a preference compares
    equal to the product values it is about. Booleans are stored as ``"true"``/``"false"``,
    numbers as ``str(float)`` (``"24.0"``); a multi-valued facet takes one value per entry.

    >>> from prefero.catalog.facets import load_facet_schema
    >>> schema = load_facet_schema()
    >>> normalize_preference_value(schema, "diet", "  Gluten  Free ")
    'gluten free'
    >>> normalize_preference_value(schema, "vegan", "yes")
    'true'
    >>> normalize_preference_value(schema, "category", "Food>Snacks")
    'Food > Snacks'
    >>> normalize_preference_value(schema, "allergens", "ＧＬＵＴＥＮ")
    'gluten'
    """
    definition = schema.by_name[facet]
    check_visible(raw)  # InvisibleCharacter: "glu\u200bten" would match nothing, silently
    if definition.type == "category_path":
        text = normalize_category(raw, definition.normalization)
    elif definition.type == "boolean":
        text = "true" if schema.coerce(facet, raw) else "false"
    elif definition.type == "numeric":
        try:
            number = float(schema.coerce(facet, raw))
        except ValueError:
            raise ValueError(f"expected a number, got {raw!r}") from None
        if not math.isfinite(number):
            raise ValueError("expected a finite number")
        # str(float), as the recommender's catalog index spells numeric facet values.
        text = str(number)
    elif definition.type == "multi":
        parts: list[str] = schema.coerce(facet, raw)
        if len(parts) > 1:
            raise ValueError("give one value per entry (this looks like a list: "
                             f"{', '.join(parts)})")
        text = parts[0] if parts else ""
    else:
        text = str(schema.coerce(facet, raw))
    if not text:
        raise ValueError("the value is empty")
    if len(text) > _MAX_VALUE:
        raise ValueError(f"the value is longer than {_MAX_VALUE} characters")
    return text


def _preferable(schema: FacetSchema, name: str, loc: Loc, errors: list[FieldError]) -> bool:
    facet: Facet | None = schema.get(name)
    if facet is None:
        errors.append(FieldError(loc, f"unknown facet {name!r}"))
        return False
    if not facet.preferable:
        hint = " (sizes are declared per category in 'sizes')" if name == SIZE_FACET else ""
        errors.append(FieldError(loc, f"facet {name!r} does not take preferences{hint}"))
        return False
    return True


def _value(schema: FacetSchema, facet: str, raw: str, loc: Loc,
           errors: list[FieldError]) -> str | None:
    try:
        return normalize_preference_value(schema, facet, raw)
    except ValueError as exc:
        errors.append(FieldError(loc, str(exc)))
        return None


def _source(raw: str | None, loc: Loc, errors: list[FieldError]) -> None:
    if raw is not None and (not _SOURCE_SHAPE.match(raw) or not raw.isprintable()):
        errors.append(FieldError(loc, "source must look like 'declared', 'suggestion' or "
                                      "'quiz:<id>'"))


def _where(loc: Loc) -> str:
    """'constraints[0].values[1]' for a message that points at another part of the body."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


# --------------------------------------------------------------------------- warnings

# Enough to point at typos; bounds the fuzzy matching a huge body could ask for.
_MAX_WARNINGS = 50


def value_warnings(prefs: PreferencesIn, *, schema: FacetSchema,
                   known: Mapping[str, Collection[str]]) -> list[ValueWarning]:
    """A warning for each liked or constrained value that no product carries, with the
    closest values that products do carry (``known``: facet → values). A facet of which the
    catalogue has no values at all (numbers, a shop still empty) is not second-guessed.
    ``prefs`` must already be valid (see :func:`put_preferences`).

    >>> from prefero.catalog.facets import load_facet_schema
    >>> prefs = PreferencesIn(constraints=[Constraint(facet="allergens", op="never",
    ...                                               values=["Glutne", "milk"])])
    >>> [w.msg for w in value_warnings(prefs, schema=load_facet_schema(),
    ...                                known={"allergens": {"gluten", "milk"}})]
    ["no product carries 'glutne'; did you mean 'gluten'?"]
    """
    entries: list[tuple[Loc, str, str]] = [
        (("likes", i, "value"), like.facet, like.value) for i, like in enumerate(prefs.likes)]
    entries += [(("constraints", i, "values", j), constraint.facet, raw)
                for i, constraint in enumerate(prefs.constraints)
                for j, raw in enumerate(constraint.values)]
    warnings: list[ValueWarning] = []
    for loc, facet, raw in entries:
        carried = known.get(facet)
        if not carried or len(warnings) >= _MAX_WARNINGS:
            continue
        value = normalize_preference_value(schema, facet, raw)
        if value in carried:
            continue
        close = difflib.get_close_matches(value, sorted(carried), n=3)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        warnings.append(ValueWarning(loc=list(loc), msg=f"no product carries {value!r}{hint}",
                                     suggestions=close))
    return warnings


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class _Wanted:
    """One row as the request wants it. ``source`` None: keep an existing row's source."""

    weight: float | None
    source: str | None


@dataclass(frozen=True)
class _Plan:
    rows: dict[_Key, _Wanted]
    budget_min: Decimal | None
    budget_max: Decimal | None
    budget_source: str | None
    level: Level | None
    exploration: bool


def _plan(prefs: PreferencesIn, schema: FacetSchema, *, currency: str) -> _Plan:
    """Validate and normalize the whole body; raise one ``InvalidInput`` listing every error.
    ``currency`` is the shop's, the only one a budget can be in."""
    errors: list[FieldError] = []
    rows: dict[_Key, _Wanted] = {}
    liked: dict[tuple[str, str], tuple[int, float]] = {}  # (facet, value) -> (index, weight)

    for i, like in enumerate(prefs.likes):
        _source(like.source, ("likes", i, "source"), errors)
        if not _preferable(schema, like.facet, ("likes", i, "facet"), errors):
            continue
        value = _value(schema, like.facet, like.value, ("likes", i, "value"), errors)
        if value is None:
            continue
        if (like.facet, value) in liked:
            first = liked[(like.facet, value)][0]
            errors.append(FieldError(("likes", i, "value"),
                                     f"{value!r} is already liked at likes[{first}]"))
            continue
        liked[(like.facet, value)] = (i, like.weight)
        rows[("like", like.facet, value)] = _Wanted(like.weight, like.source)

    constrained: dict[tuple[str, str], tuple[str, Loc]] = {}  # (facet, value) -> (op, loc)
    for i, constraint in enumerate(prefs.constraints):
        _source(constraint.source, ("constraints", i, "source"), errors)
        if not _preferable(schema, constraint.facet, ("constraints", i, "facet"), errors):
            continue
        for j, raw in enumerate(constraint.values):
            loc: Loc = ("constraints", i, "values", j)
            value = _value(schema, constraint.facet, raw, loc, errors)
            if value is None:
                continue
            key = (constraint.facet, value)
            earlier = constrained.get(key)
            if earlier is not None and earlier[0] != constraint.op:
                errors.append(FieldError(loc, f"{value!r} is both '{earlier[0]}' (at "
                                              f"{_where(earlier[1])}) and '{constraint.op}'"))
                continue
            if constraint.op == "never" and key in liked and liked[key][1] > 0:
                errors.append(FieldError(loc, f"{value!r} is liked at likes[{liked[key][0]}] "
                                              "and excluded with 'never'"))
                continue
            if earlier is None:
                # A value repeated under the same op means the same thing: the first one counts.
                constrained[key] = (constraint.op, loc)
                rows[(constraint.op, constraint.facet, value)] = _Wanted(None, constraint.source)

    if prefs.sizes and schema.get(SIZE_FACET) is None:
        errors.append(FieldError(("sizes",), f"this shop's facet schema has no {SIZE_FACET!r} "
                                             "facet"))
    else:
        for i, size_set in enumerate(prefs.sizes):
            _source(size_set.source, ("sizes", i, "source"), errors)
            try:
                category = normalize_category(check_visible(size_set.category),
                                              schema.by_name["category"].normalization)
            except ValueError as exc:
                errors.append(FieldError(("sizes", i, "category"), str(exc)))
                continue
            if not category or len(category) > _MAX_CATEGORY:
                errors.append(FieldError(("sizes", i, "category"),
                                         "not a usable category path"))
                continue
            for j, raw in enumerate(size_set.values):
                value = _value(schema, SIZE_FACET, raw, ("sizes", i, "values", j), errors)
                if value is not None:
                    rows.setdefault(("size", category, value), _Wanted(None, size_set.source))

    for i, product_id in enumerate(prefs.dismissed):
        if "\x00" in product_id:
            errors.append(FieldError(("dismissed", i), "contains a NUL character"))
            continue
        rows.setdefault(("dismiss", DISMISS_FACET, product_id), _Wanted(None, None))

    budget = prefs.budget
    if budget is not None:
        _source(budget.source, ("budget", "source"), errors)
        if budget.currency is not None and budget.currency != currency:
            # Converting would store a budget that drifts from what was meant as rates move.
            errors.append(FieldError(("budget", "currency"),
                                     f"the shop sells in {currency}; give the budget in "
                                     f"{currency} (or leave currency out)"))
    if errors:
        raise InvalidInput(f"{len(errors)} problem(s) with the preferences", errors)

    has_budget = budget is not None and (budget.min is not None or budget.max is not None)
    return _Plan(
        rows=rows,
        budget_min=budget.min if budget is not None and has_budget else None,
        budget_max=budget.max if budget is not None and has_budget else None,
        budget_source=budget.source if budget is not None and has_budget else None,
        level=prefs.level,
        exploration=prefs.exploration,
    )


# --------------------------------------------------------------------------- storage helpers


def _lock_customer(session: Session, customer_id: str) -> Customer:
    """Create the customer when missing and lock its row until commit.

    The lock (PostgreSQL; SQLite already serializes writers) makes concurrent writes to one
    profile queue up instead of racing into the unique constraint on preferences.
    """
    ensure_customers(session, {customer_id: False})
    return session.scalars(
        select(Customer).where(Customer.id == customer_id).with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def preference_rows(session: Session, customer_id: str, kinds: Iterable[str] | None = None
                    ) -> list[Preference]:
    """The customer's stored rows, optionally of some ``kinds`` only, oldest first.

    >>> [r.value for r in preference_rows(session, "c1", ("dismiss",))]  # doctest: +SKIP
    ['p9']
    """
    query = select(Preference).where(Preference.customer_id == customer_id)
    if kinds is not None:
        query = query.where(Preference.kind.in_(list(kinds)))
    return list(session.scalars(query.order_by(Preference.id)))


def _upsert(session: Session, *, customer_id: str, existing: dict[_Key, Preference],
            key: _Key, wanted: _Wanted, now: datetime, redeclared: bool = False) -> bool:
    """Insert or update one row; an unchanged row keeps its ``updated_at``. True if written.

    A written row counts as confirmed now (``prefero.customers.freshness``); so does an
    unchanged one when ``redeclared`` (the customer named this very value again, one at a
    time), though it is not reported as changed. A whole-profile replace does not pass
    ``redeclared``: it resends what it read, which is no fresh word from the customer."""
    row = existing.get(key)
    if row is None:
        kind, facet, value = key
        session.add(Preference(customer_id=customer_id, kind=kind, facet=facet, value=value,
                               weight=wanted.weight, source=wanted.source or DEFAULT_SOURCE,
                               created_at=now, updated_at=now, confirmed_at=now))
        return True
    weight_changed = row.weight != wanted.weight
    source_changed = wanted.source is not None and wanted.source != row.source
    if not (weight_changed or source_changed):
        if redeclared:
            row.confirmed_at = now
        return False
    row.weight = wanted.weight
    # An edit without a stated source is the customer's own declaration.
    row.source = wanted.source or DEFAULT_SOURCE
    row.updated_at = row.confirmed_at = now
    return True


def _level(text: str | None) -> Level | None:
    return None if text is None else _LEVELS.get(text)


def profile_of(session: Session, customer: Customer, settings: Settings, *,
               now: datetime | None = None) -> PreferencesOut:
    """The answer form of an already loaded customer's declared profile; ``stale`` lists the
    values past their freshness window at ``now`` (default: the current time).

    >>> profile_of(session, customer, settings).effective_level  # doctest: +SKIP
    'balanced'
    """
    likes: list[Like] = []
    constraint_groups: dict[tuple[str, str, str], list[Preference]] = {}
    size_groups: dict[tuple[str, str], list[Preference]] = {}
    dismissed: list[str] = []
    rows = preference_rows(session, customer.id)
    for row in rows:
        if row.kind == "like":
            likes.append(Like(facet=row.facet, value=row.value, weight=row.weight or 0.0,
                              source=row.source, updated_at=row.updated_at,
                              confirmed_at=confirmed_at(row)))
        elif row.kind in ("never", "must"):
            constraint_groups.setdefault((row.facet, row.kind, row.source), []).append(row)
        elif row.kind == "size":
            size_groups.setdefault((row.facet, row.source), []).append(row)
        elif row.kind == "dismiss":
            dismissed.append(row.value)
    constraints = [
        Constraint(facet=facet, op="never" if op == "never" else "must",
                   values=[r.value for r in chunk], source=source,
                   updated_at=max(r.updated_at for r in chunk),
                   confirmed_at=min(confirmed_at(r) for r in chunk))
        for (facet, op, source), group in constraint_groups.items()
        for chunk in _chunks(group, _VALUES_PER_CONSTRAINT)
    ]
    sizes = [
        SizeSet(category=category, values=[r.value for r in chunk], source=source,
                updated_at=max(r.updated_at for r in chunk),
                confirmed_at=min(confirmed_at(r) for r in chunk))
        for (category, source), group in size_groups.items()
        for chunk in _chunks(group, _VALUES_PER_SIZESET)
    ]
    budget = None
    if customer.budget_min is not None or customer.budget_max is not None:
        budget = Budget(min=customer.budget_min, max=customer.budget_max,
                        currency=settings.shop_currency, source=customer.budget_source,
                        updated_at=customer.budget_updated_at)
    level = _level(customer.level)
    # The level in force: a withdrawn consent lowers it whatever was chosen.
    consents = current_consents(session, customer_id=customer.id, settings=settings)
    return PreferencesOut(
        customer_id=customer.id,
        likes=likes,
        constraints=constraints,
        budget=budget,
        sizes=sizes,
        level=level,
        effective_level=effective_level(level or settings.default_level, consents),
        exploration=customer.exploration,
        dismissed=dismissed,
        time_zone=customer.time_zone,
        stale=stale_values(rows, now=now or utcnow(), settings=settings),
    )


def _chunks(rows: Sequence[Preference], size: int) -> Iterator[Sequence[Preference]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


# --------------------------------------------------------------------------- the profile


def put_preferences(session: Session, *, customer_id: str, prefs: PreferencesIn,
                    schema: FacetSchema, settings: Settings) -> PreferencesOut:
    """Replace the customer's whole declared profile; create the customer when missing.

    Everything is validated before anything is written; contradictions (one value both
    ``must`` and ``never``, or liked and ``never``) are errors with the path into the body.
    Rows whose content did not change keep their ``updated_at``, so "most recent" in a merge
    means most recently *declared*. ``updated_at`` in the body is ignored. A row sent without
    ``source`` keeps its stored source when unchanged and becomes ``declared`` otherwise.

    >>> put_preferences(session, customer_id="c1", schema=schema, settings=settings,
    ...     prefs=PreferencesIn(likes=[Like(facet="brand", value="Acme", weight=0.8)],
    ...                         constraints=[Constraint(facet="diet", op="never",
    ...                                                 values=["Gluten"])]),
    ... ).likes[0].value  # doctest: +SKIP
    'acme'
    """
    plan = _plan(prefs, schema, currency=settings.shop_currency)
    customer = _lock_customer(session, customer_id)
    now = utcnow()  # after the row exists, so a new customer is never updated before created

    existing = {(r.kind, r.facet, r.value): r
                for r in preference_rows(session, customer_id)}
    changed = False
    for key, row in existing.items():
        if key not in plan.rows:
            session.delete(row)
            changed = True
    for key, wanted in plan.rows.items():
        changed |= _upsert(session, customer_id=customer_id, existing=existing, key=key,
                           wanted=wanted, now=now)

    if customer.level != plan.level:
        customer.level = plan.level
        customer.level_updated_at = now
        changed = True
    if customer.exploration != plan.exploration:
        customer.exploration = plan.exploration
        changed = True
    # Left out of the body, the zone stays: a client that never heard of it must not clear
    # a zone the customer set.
    if "time_zone" in prefs.model_fields_set and customer.time_zone != prefs.time_zone:
        customer.time_zone = prefs.time_zone
        changed = True
    same_budget = (customer.budget_min == plan.budget_min
                   and customer.budget_max == plan.budget_max)
    has_budget = plan.budget_min is not None or plan.budget_max is not None
    if not same_budget or (has_budget and plan.budget_source is not None
                           and plan.budget_source != customer.budget_source):
        customer.budget_min = plan.budget_min
        customer.budget_max = plan.budget_max
        customer.budget_source = (plan.budget_source or DEFAULT_SOURCE) if has_budget else None
        # Clearing the budget is a declaration too: a merge must not resurrect an older one.
        customer.budget_updated_at = now
        changed = True
    if changed:
        customer.updated_at = now
    session.flush()
    return profile_of(session, customer, settings)


def save_preferences(session: Session, *, customer_id: str, prefs: PreferencesIn,
                     schema: FacetSchema, settings: Settings,
                     known: Mapping[str, Collection[str]]) -> SavedPreferences:
    """:func:`put_preferences`, answered with warnings about values no product carries
    (``known``: facet → the values products carry; see :func:`value_warnings`).

    >>> save_preferences(session, customer_id="c1", schema=schema, settings=settings,
    ...     known={"diet": {"gluten free"}}, prefs=PreferencesIn(constraints=[Constraint(
    ...         facet="diet", op="must", values=["Gluten-free"])])).warnings[0].suggestions
    ... # doctest: +SKIP
    ['gluten free']
    """
    stored = put_preferences(session, customer_id=customer_id, prefs=prefs, schema=schema,
                             settings=settings)
    return SavedPreferences(**dict(stored),
                            warnings=value_warnings(prefs, schema=schema, known=known))


def get_preferences(session: Session, *, customer_id: str, settings: Settings
                    ) -> PreferencesOut:
    """The declared profile; ``NotFound`` for an unknown customer.

    >>> get_preferences(session, customer_id="c1", settings=settings).effective_level
    ... # doctest: +SKIP
    'balanced'
    """
    return profile_of(session, require_customer(session, customer_id), settings)


def add_like(session: Session, *, customer_id: str, like: Like, schema: FacetSchema,
             replace: bool = False) -> Like:
    """Add or re-weight one like, keeping the rest of the profile (quiz answers, confirmed
    suggestions). Error locs are relative to ``like``. Returns the stored like.

    Liking (weight > 0) a value excluded with "never" raises ``PreferenceConflict``;
    ``replace=True`` drops that rule instead, in the same unit of work.

    >>> add_like(session, customer_id="c1", schema=schema,
    ...          like=Like(facet="diet", value="Vegan", weight=1, source="quiz:diet")).value
    ... # doctest: +SKIP
    'vegan'
    """
    errors: list[FieldError] = []
    _source(like.source, ("source",), errors)
    value = (_value(schema, like.facet, like.value, ("value",), errors)
             if _preferable(schema, like.facet, ("facet",), errors) else None)
    if errors or value is None:
        raise InvalidInput("the like is not usable", errors)
    customer = _lock_customer(session, customer_id)
    now = utcnow()  # after the row exists, so a new customer is never updated before created
    rows = {(r.kind, r.facet, r.value): r
            for r in preference_rows(session, customer_id, ("like", "never"))}
    excluded = rows.get(("never", like.facet, value)) if like.weight > 0 else None
    if excluded is not None and not replace:
        raise PreferenceConflict(
            f"{value!r} is excluded with 'never'", [FieldError(
                ("value",), f"{value!r} is excluded with 'never'; remove that rule first, or "
                            "ask again with replace to swap the rule for the like")],
            held=(Held("never", like.facet, value),))
    if excluded is not None:
        session.delete(excluded)
        customer.updated_at = now
    key: _Key = ("like", like.facet, value)
    if _upsert(session, customer_id=customer_id, existing=rows, key=key,
               wanted=_Wanted(like.weight, like.source), now=now, redeclared=True):
        customer.updated_at = now
    session.flush()
    row = session.scalars(select(Preference).where(
        Preference.customer_id == customer_id, Preference.kind == "like",
        Preference.facet == like.facet, Preference.value == value)).one()
    return Like(facet=row.facet, value=row.value, weight=row.weight or 0.0, source=row.source,
                updated_at=row.updated_at)


def add_constraint(session: Session, *, customer_id: str, constraint: Constraint,
                   schema: FacetSchema, replace: bool = False) -> list[str]:
    """Add the values of one ``never``/``must`` rule to the profile, keeping the rest.

    A value already held under the opposite op, or liked (weight > 0) while being excluded,
    raises ``PreferenceConflict`` (locs relative to ``constraint``); ``replace=True`` drops
    what it contradicts instead, in the same unit of work. Returns the values as stored
    (normalized); values already held under the same op keep their row unless a new
    ``source`` is given.

    >>> add_constraint(session, customer_id="c1", schema=schema, constraint=Constraint(
    ...     facet="allergens", op="never", values=["Peanuts"]))  # doctest: +SKIP
    ['peanuts']
    """
    errors: list[FieldError] = []
    _source(constraint.source, ("source",), errors)
    values: list[tuple[int, str]] = []
    if _preferable(schema, constraint.facet, ("facet",), errors):
        for j, raw in enumerate(constraint.values):
            value = _value(schema, constraint.facet, raw, ("values", j), errors)
            if value is not None:
                values.append((j, value))
    if errors:
        raise InvalidInput("the constraint is not usable", errors)
    customer = _lock_customer(session, customer_id)
    now = utcnow()  # after the row exists, so a new customer is never updated before created
    rows = {(r.kind, r.facet, r.value): r
            for r in preference_rows(session, customer_id, FACET_VALUE_KINDS)}
    opposite: Literal["never", "must"] = "must" if constraint.op == "never" else "never"
    held: list[Preference] = []
    found: list[Held] = []
    for j, value in values:
        contrary = rows.get((opposite, constraint.facet, value))
        if contrary is not None and contrary not in held:
            held.append(contrary)
            found.append(Held(opposite, constraint.facet, value))
            errors.append(FieldError(("values", j), f"{value!r} is already '{opposite}'"))
        liked = rows.get(("like", constraint.facet, value))
        if constraint.op == "never" and liked is not None and (liked.weight or 0) > 0 \
                and liked not in held:
            held.append(liked)
            found.append(Held("like", constraint.facet, value))
            errors.append(FieldError(("values", j), f"{value!r} is liked; remove the like "
                                                    "first, or ask again with replace to "
                                                    "swap the like for the rule"))
    if held and not replace:
        raise PreferenceConflict("the constraint contradicts the profile", errors,
                                 held=tuple(found))
    changed = False
    for row in held:
        # Switching: the contradicted rows go before the rule's own are written.
        session.delete(row)
        del rows[(row.kind, row.facet, row.value)]
        changed = True
    stored: list[str] = []
    for _, value in values:
        if value in stored:
            continue
        stored.append(value)
        changed |= _upsert(session, customer_id=customer_id, existing=rows,
                           key=(constraint.op, constraint.facet, value),
                           wanted=_Wanted(None, constraint.source), now=now,
                           redeclared=True)
    if changed:
        customer.updated_at = now
    session.flush()
    return stored


def add_dismissal(session: Session, *, customer_id: str, product_id: str,
                  source: str = DEFAULT_SOURCE) -> bool:
    """Mark a product "not for me". True when newly added, False when already dismissed.

    >>> add_dismissal(session, customer_id="c1", product_id="p9")  # doctest: +SKIP
    True
    """
    if not product_id or "\x00" in product_id or len(product_id) > _MAX_VALUE:
        raise InvalidInput("not a usable product id", [FieldError(("product_id",),
                                                                  "not a usable product id")])
    customer = _lock_customer(session, customer_id)
    now = utcnow()  # after the row exists, so a new customer is never updated before created
    rows = {(r.kind, r.facet, r.value): r
            for r in preference_rows(session, customer_id, ("dismiss",))}
    key: _Key = ("dismiss", DISMISS_FACET, product_id)
    if key in rows:
        return False
    _upsert(session, customer_id=customer_id, existing=rows, key=key,
            wanted=_Wanted(None, source), now=now)
    customer.updated_at = now
    session.flush()
    return True


def remove_like(session: Session, *, customer_id: str, facet: str, value: str) -> bool:
    """Remove one like (or dislike), keeping the rest. ``value`` as stored (the profile
    answers it so). True when a like was removed.

    >>> remove_like(session, customer_id="c1", facet="brand", value="acme")  # doctest: +SKIP
    True
    """
    return _remove(session, customer_id=customer_id, kind="like", facet=facet, value=value)


def remove_constraint(session: Session, *, customer_id: str, op: str, facet: str,
                      value: str) -> bool:
    """Remove one value of a ``never``/``must`` rule, keeping the rest. ``value`` as stored.
    True when it was held.

    >>> remove_constraint(session, customer_id="c1", op="never", facet="allergens",
    ...                   value="gluten")  # doctest: +SKIP
    True
    """
    if op not in ("never", "must"):
        return False
    return _remove(session, customer_id=customer_id, kind=op, facet=facet, value=value)


def _remove(session: Session, *, customer_id: str, kind: str, facet: str, value: str) -> bool:
    return _delete_rows(session, customer_id=customer_id, where=(
        Preference.kind == kind, Preference.facet == facet, Preference.value == value))


def _delete_rows(session: Session, *, customer_id: str,
                 where: Sequence[ColumnElement[bool]]) -> bool:
    """Delete the customer's preference rows that match ``where``; True when any went.

    The customer's row is locked first, as every write to a profile does: writers of one
    profile then queue in one order. Deleting first and touching the customer row after
    (this row's ``updated_at``, and the ``profile_revision`` the database moves) could
    deadlock against a writer that holds the customer row and deletes the same rows.
    """
    session.execute(select(Customer.id).where(Customer.id == customer_id).with_for_update())
    result = session.execute(delete(Preference).where(Preference.customer_id == customer_id,
                                                      *where))
    removed = bool(getattr(result, "rowcount", 0))
    if removed:
        session.execute(update(Customer).where(Customer.id == customer_id)
                        .values(updated_at=utcnow()))
    return removed


def remove_dismissal(session: Session, *, customer_id: str, product_id: str) -> bool:
    """Undo a "not for me". True when a dismissal was removed.

    >>> remove_dismissal(session, customer_id="c1", product_id="p9")  # doctest: +SKIP
    True
    """
    return _remove(session, customer_id=customer_id, kind="dismiss", facet=DISMISS_FACET,
                   value=product_id)


# --------------------------------------------------------------------------- one part at a time


def set_budget(session: Session, *, customer_id: str, budget: Budget | None,
               settings: Settings) -> Budget | None:
    """Set the customer's budget, or clear it (``None``, or neither limit given), keeping the
    rest of the profile. The budget is the customer's own declaration from now on: source
    ``declared`` unless ``budget.source`` says otherwise. Returns the stored budget.

    >>> set_budget(session, customer_id="c1", settings=settings,
    ...            budget=Budget(max=Decimal("120"))).max  # doctest: +SKIP
    Decimal('120.00')
    """
    errors: list[FieldError] = []
    if budget is not None:
        _source(budget.source, ("source",), errors)
        if budget.currency is not None and budget.currency != settings.shop_currency:
            errors.append(FieldError(("currency",), f"the shop sells in "
                                                    f"{settings.shop_currency}; give the "
                                                    "budget in it (or leave currency out)"))
    if errors:
        raise InvalidInput("the budget is not usable", errors)
    low = budget.min if budget is not None else None
    high = budget.max if budget is not None else None
    has_budget = low is not None or high is not None
    source: str | None = None
    if budget is not None and has_budget:
        source = budget.source or DEFAULT_SOURCE
    customer = _lock_customer(session, customer_id)
    if (customer.budget_min, customer.budget_max, customer.budget_source) != (low, high,
                                                                              source):
        now = utcnow()
        customer.budget_min, customer.budget_max = low, high
        customer.budget_source = source
        # Clearing is a declaration too: a merge must not resurrect an older budget.
        customer.budget_updated_at = customer.updated_at = now
    session.flush()
    if not has_budget:
        return None
    return Budget(min=customer.budget_min, max=customer.budget_max,
                  currency=settings.shop_currency, source=customer.budget_source,
                  updated_at=customer.budget_updated_at)


def set_sizes(session: Session, *, customer_id: str, sizes: SizeSet,
              schema: FacetSchema) -> SizeSet:
    """Replace the sizes the customer wears in ``sizes.category``; other categories keep
    theirs, and a size already held keeps its row (and time). Error locs are relative to
    ``sizes``. Returns the sizes as stored.

    >>> set_sizes(session, customer_id="c1", schema=schema, sizes=SizeSet(
    ...     category="Fashion>Shoes", values=["42", "EU 43"])).values  # doctest: +SKIP
    ['42', 'eu 43']
    """
    errors: list[FieldError] = []
    _source(sizes.source, ("source",), errors)
    category = ""
    if schema.get(SIZE_FACET) is None:
        errors.append(FieldError(("values",), f"this shop's facet schema has no "
                                              f"{SIZE_FACET!r} facet"))
    else:
        try:
            category = normalize_category(check_visible(sizes.category),
                                          schema.by_name["category"].normalization)
        except ValueError as exc:
            errors.append(FieldError(("category",), str(exc)))
        else:
            if not category or len(category) > _MAX_CATEGORY:
                errors.append(FieldError(("category",), "not a usable category path"))
    wanted: list[str] = []
    if category:
        for j, raw in enumerate(sizes.values):
            value = _value(schema, SIZE_FACET, raw, ("values", j), errors)
            if value is not None and value not in wanted:
                wanted.append(value)
    if errors:
        raise InvalidInput("the sizes are not usable", errors)
    customer = _lock_customer(session, customer_id)
    now = utcnow()  # after the row exists, so a new customer is never updated before created
    rows = {(r.kind, r.facet, r.value): r for r in preference_rows(session, customer_id,
                                                                   ("size",))
            if r.facet == category}
    changed = False
    for key, row in rows.items():
        if key[2] not in wanted:
            session.delete(row)
            changed = True
    for value in wanted:
        changed |= _upsert(session, customer_id=customer_id, existing=rows,
                           key=("size", category, value),
                           wanted=_Wanted(None, sizes.source), now=now, redeclared=True)
    if changed:
        customer.updated_at = now
    session.flush()
    stored = [r for r in preference_rows(session, customer_id, ("size",))
              if r.facet == category]
    return SizeSet(category=category, values=[r.value for r in stored],
                   source=stored[0].source, updated_at=max(r.updated_at for r in stored))


def remove_sizes(session: Session, *, customer_id: str, category: str) -> bool:
    """Forget the sizes of one category (``category`` as stored), keeping the rest. True
    when there were any.

    >>> remove_sizes(session, customer_id="c1", category="Fashion > Shoes")  # doctest: +SKIP
    True
    """
    return _delete_rows(session, customer_id=customer_id,
                        where=(Preference.kind == "size", Preference.facet == category))


def set_level(session: Session, *, customer_id: str, level: Level | None,
              exploration: bool) -> bool:
    """Choose the personalization level (``None``: the shop's default) and whether the
    "Something different" slot shows, keeping the rest of the profile. True when either
    changed.

    >>> set_level(session, customer_id="c1", level="declared", exploration=False)
    ... # doctest: +SKIP
    True
    """
    if level is not None and level not in _LEVELS:
        raise InvalidInput("not a level", [FieldError(
            ("level",), f"choose one of {', '.join(_LEVELS)}")])
    customer = _lock_customer(session, customer_id)
    now = utcnow()
    changed = False
    if customer.level != level:
        customer.level = level
        customer.level_updated_at = now
        changed = True
    if customer.exploration != exploration:
        customer.exploration = exploration
        changed = True
    if changed:
        customer.updated_at = now
    session.flush()
    return changed


def set_time_zone(session: Session, *, customer_id: str, time_zone: str | None) -> bool:
    """Set the IANA zone the customer lives in (content slots read the time of day in it;
    ``None``: the zone the shop's request names, else the shop's), keeping the rest of the
    profile. True when it changed; ``InvalidInput`` at ``("time_zone",)`` for a name that is
    no IANA zone.

    >>> set_time_zone(session, customer_id="c1", time_zone="Europe/Warsaw")
    ... # doctest: +SKIP
    True
    """
    if time_zone is not None and not is_time_zone(time_zone):
        raise InvalidInput("not a time zone", [FieldError(
            ("time_zone",), "not an IANA time zone name (e.g. Europe/Warsaw)")])
    customer = _lock_customer(session, customer_id)
    if customer.time_zone == time_zone:
        return False
    customer.time_zone = time_zone
    customer.updated_at = utcnow()
    session.flush()
    return True
