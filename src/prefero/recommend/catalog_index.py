"""An in-memory, column-oriented snapshot of the catalog for the request path.

Filters become boolean masks over item positions, so a constraint over 50k items costs
microseconds. The snapshot is rebuilt when the catalog revision counter moves.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cached_property
from typing import Any, TypeVar, cast

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sqlalchemy import select
from sqlalchemy.orm import Session

from prefero.catalog.facets import (
    CATEGORY_SEPARATOR,
    FacetSchema,
    category_ancestors,
    load_facet_schema,
)
from prefero.catalog.models import Product
from prefero.catalog.revisions import current as current_revision

__all__ = [
    "BoolArray",
    "CatalogIndex",
    "FloatArray",
    "IntArray",
    "ProductRow",
    "build_catalog_index",
    "index_products",
]

T = TypeVar("T")
_MISSING = object()

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def _code_count(codes: IntArray) -> int:
    """How many codes a coded column has room for: the highest plus one (0 when empty)."""
    return int(codes.max()) + 1 if codes.size else 0


def _grouped(codes: IntArray) -> tuple[IntArray, IntArray]:
    """Positions sorted by code (ascending within a code) and each code's bounds in them."""
    order: IntArray = np.argsort(codes, kind="stable")
    bounds: IntArray = np.searchsorted(codes[order], np.arange(_code_count(codes) + 1))
    return order, bounds


def _group(grouped: tuple[IntArray, IntArray], code: int) -> IntArray:
    order, bounds = grouped
    if code < 0 or code + 1 >= bounds.size:
        return order[:0]
    result: IntArray = order[bounds[code]:bounds[code + 1]]
    return result


@dataclass
class CatalogIndex:
    revision: int
    ids: list[str]
    titles: list[str]
    position: dict[str, int]
    price: FloatArray
    created_ts: FloatArray
    eligible: BoolArray  # active and purchasable: the only items ever recommended
    categories: list[str]
    leaf_code: IntArray  # full category path as a small integer (diversity, "Popular in")
    vertical_code: IntArray  # first path segment as a small integer
    leaf_names: list[str]
    brand_code: IntArray
    # (facet, value) → positions of the items having it; category values include every
    # ancestor path. Positions, not masks: memory grows with postings, not values × items.
    postings: dict[tuple[str, str], IntArray]
    # facet → positions of the items the facet applies to: those with a value, and every
    # item in a category the schema says the facet covers (``Facet.applies_to``)
    applies: dict[str, IntArray]
    sizes: list[frozenset[str]]
    labels: dict[tuple[str, str], str] = field(default_factory=dict)
    # The schema the index was built with: reasons word its facets and values with it.
    schema: FacetSchema = field(default_factory=load_facet_schema)
    facet_values: list[dict[str, Any]] = field(default_factory=list)
    covers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # safety facet → positions of the items in a category it covers that state no value for
    # it: a "never" rule on the facet hides them too, since unknown is not safe
    unstated: dict[str, IntArray] = field(default_factory=dict)
    safety: frozenset[str] = frozenset()
    # ISO 4217 code of each item's price, as a small integer into ``currency_names`` (one
    # code for the whole catalogue where imports converted every price to the shop's)
    currency_code: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    currency_names: list[str] = field(default_factory=list)
    # The product family (``item_group_id``: the sizes or colours of one model) as a small
    # integer; a product outside any family has a code of its own. Empty: none recorded.
    group_code: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    _values_cache: dict[int, frozenset[tuple[str, str]]] = field(default_factory=dict, repr=False)
    _derived: dict[Hashable, Any] = field(default_factory=dict, repr=False, compare=False)
    # Re-entrant: one derived thing may be built from another (departments from leaves).
    _derived_lock: threading.RLock = field(default_factory=threading.RLock, repr=False,
                                           compare=False)

    @property
    def size(self) -> int:
        return len(self.ids)

    def mask_for(self, facet: str, value: str) -> BoolArray:
        mask = np.zeros(self.size, dtype=bool)
        found = self.postings.get((facet, value))
        if found is not None:
            mask[found] = True
        return mask

    def applies_mask(self, facet: str) -> BoolArray:
        mask = np.zeros(self.size, dtype=bool)
        found = self.applies.get(facet)
        if found is not None:
            mask[found] = True
        return mask

    def unstated_mask(self, facet: str) -> BoolArray:
        mask = np.zeros(self.size, dtype=bool)
        found = self.unstated.get(facet)
        if found is not None:
            mask[found] = True
        return mask

    @cached_property
    def _by_creation(self) -> tuple[IntArray, FloatArray]:
        order = np.argsort(self.created_ts, kind="stable")
        return order, self.created_ts[order]

    @cached_property
    def _by_leaf(self) -> tuple[IntArray, IntArray]:
        return _grouped(self.leaf_code)

    @cached_property
    def _by_brand(self) -> tuple[IntArray, IntArray]:
        return _grouped(self.brand_code)

    # How many brand, leaf-category and vertical codes there are, for the per-request
    # tables indexed by code (worked out once per snapshot, not by a pass per request).
    @cached_property
    def brand_codes(self) -> int:
        return _code_count(self.brand_code)

    @cached_property
    def leaf_codes(self) -> int:
        return _code_count(self.leaf_code)

    @cached_property
    def vertical_codes(self) -> int:
        return _code_count(self.vertical_code)

    @cached_property
    def vertical_masks(self) -> BoolArray:
        """One row per vertical code: which items belong to it (a page's context and the
        exploration slot take or leave whole departments without a gather over the
        catalogue's codes).

        >>> index = index_products([], schema=load_facet_schema())
        >>> index.vertical_masks.shape
        (0, 0)
        """
        masks = np.zeros((self.vertical_codes, self.size), dtype=bool)
        masks[self.vertical_code, np.arange(self.size)] = True
        return masks

    @cached_property
    def newest_first(self) -> IntArray:
        """Every position, the most recently created first, ties in position order: the
        new arrivals read as the editorial sources read their orders, not sorted per
        request.

        >>> index = index_products([], schema=load_facet_schema())
        >>> index.newest_first.tolist()
        []
        """
        order: IntArray = np.argsort(-self.created_ts, kind="stable")
        return order

    def prepare(self) -> None:
        """Work out now the groupings and tables requests read (by leaf, brand, creation
        time and department; the items × values matrix), so that the snapshot is swapped in
        ready and no shopper pays for a first use (the matrix: 40 ms at 100,000 items)."""
        for name in ("_by_leaf", "_by_brand", "_by_creation", "newest_first", "vertical_masks",
                     "_pair_matrix", "brand_codes", "leaf_codes", "vertical_codes", "_by_group",
                     "family_heads", "in_family"):
            getattr(self, name)

    def derived(self, key: Hashable, build: Callable[[], T]) -> T:
        """What another part of the process derives from this snapshot (search's
        vocabulary, a facet's table), built once on first use and gone with the snapshot:
        no cache of its own has to tell one snapshot from the next.

        >>> index = index_products([], schema=load_facet_schema())
        >>> index.derived("answer", lambda: 42), index.derived("answer", lambda: 0)
        (42, 42)
        """
        found = self._derived.get(key, _MISSING)
        if found is _MISSING:
            # One build at a time: a second caller waits for the first one's result.
            with self._derived_lock:
                found = self._derived.get(key, _MISSING)
                if found is _MISSING:
                    found = self._derived[key] = build()
        return cast(T, found)

    def in_leaf(self, code: int) -> IntArray:
        """Positions (ascending) of the items in leaf category ``code``, without a pass over
        the catalogue.

        >>> index = index_products([], schema=load_facet_schema())
        >>> index.in_leaf(0).tolist()
        []
        """
        return _group(self._by_leaf, code)

    @cached_property
    def _by_group(self) -> tuple[IntArray, IntArray]:
        return _grouped(self.groups)

    @cached_property
    def groups(self) -> IntArray:
        """Each item's family code (``group_code``, or every item its own family when the
        index was built without one)."""
        if self.group_code.size == self.size:
            return self.group_code
        own: IntArray = np.arange(self.size, dtype=np.int64)
        return own

    @cached_property
    def in_family(self) -> BoolArray:
        """Which items share their family with another: a list of items none of which does
        needs no grouping at all."""
        found: BoolArray = np.bincount(self.groups)[self.groups] >= 2 if self.size else \
            np.zeros(0, dtype=bool)
        return found

    @cached_property
    def family_heads(self) -> IntArray:
        """Each family's first member (by position), indexed by family code: one item to
        read a family by where its members agree."""
        _codes, first = np.unique(self.groups, return_index=True)
        heads: IntArray = first.astype(np.int64)
        return heads

    def in_group(self, item: int) -> IntArray:
        """Positions (ascending) of the items of ``item``'s family, ``item`` included.

        >>> rows = [ProductRow(p, p, Decimal(5), None, True, "in_stock", "Fashion", None, {},
        ...                    None, item_group_id=g) for p, g in (("a", "m1"), ("b", None),
        ...                                                         ("c", "m1"))]
        >>> index = index_products(rows, schema=load_facet_schema())
        >>> index.in_group(0).tolist(), index.in_group(1).tolist()
        ([0, 2], [1])
        """
        return _group(self._by_group, int(self.groups[item]))

    def in_brand(self, code: int) -> IntArray:
        """Positions (ascending) of the items of brand ``code`` (the code of no brand
        included), without a pass over the catalogue."""
        return _group(self._by_brand, code)

    def created_after(self, moment: float) -> IntArray:
        """Positions of the items created after ``moment`` (a POSIX timestamp), without a
        pass over the catalogue: a request asks for the few new arrivals.

        >>> index = index_products([], schema=load_facet_schema())
        >>> index.created_after(0.0).tolist()
        []
        """
        return self.created_since(moment)[0]

    def created_since(self, moment: float) -> tuple[IntArray, FloatArray]:
        """``created_after`` and those items' creation timestamps (oldest first), read from
        the sorted copy rather than gathered from ``created_ts``."""
        order, created = self._by_creation
        start = int(np.searchsorted(created, moment, side="right"))
        return order[start:], created[start:]

    def label(self, facet: str, value: str) -> str:
        return self.labels.get((facet, value), value)

    def currency_of(self, item: int) -> str:
        """The ISO 4217 code of the item's price ("" for an index built without one)."""
        if item >= len(self.currency_code):
            return ""
        return self.currency_names[int(self.currency_code[item])]

    @cached_property
    def _pair_matrix(self) -> tuple[sp.csr_matrix, dict[tuple[str, str], int]]:
        """Items × (facet, value) pairs, 1 where the item has the pair (the postings as
        rows), the rows in leaf-category order (``_by_leaf``): a leaf's items are one
        contiguous block of rows."""
        keys = list(self.postings)
        sizes = [self.postings[key].size for key in keys]
        items = (np.concatenate([self.postings[key] for key in keys]) if keys
                 else np.zeros(0, dtype=np.int64))
        row_of = np.empty(self.size, dtype=np.int64)
        row_of[self._by_leaf[0]] = np.arange(self.size)
        columns = np.repeat(np.arange(len(keys)), sizes)
        matrix = sp.csr_matrix((np.ones(items.size, dtype=np.float32),
                                (row_of[items], columns)), shape=(self.size, len(keys)))
        matrix.sum_duplicates()
        matrix.data[:] = 1.0
        return matrix, {key: column for column, key in enumerate(keys)}

    def leaf_shared_counts(self, code: int, pairs: Iterable[tuple[str, str]]) -> FloatArray:
        """How many of ``pairs`` each item of leaf category ``code`` has, in ``in_leaf``'s
        order: read from the leaf's block of rows, where a lookup of every item in every
        pair's postings grows with the postings' length.

        >>> index = index_products([], schema=load_facet_schema())
        >>> index.leaf_shared_counts(0, [("brand", "x")]).tolist()
        []
        """
        matrix, columns = self._pair_matrix
        _order, bounds = self._by_leaf
        if code < 0 or code + 1 >= bounds.size:
            return np.zeros(0)
        wanted = np.zeros(matrix.shape[1], dtype=np.float32)
        for pair in pairs:
            column = columns.get(pair)
            if column is not None:
                wanted[column] = 1.0
        block = matrix[int(bounds[code]):int(bounds[code + 1])]
        counts: FloatArray = np.asarray(block @ wanted, dtype=np.float64)
        return counts

    def values_of(self, item: int) -> frozenset[tuple[str, str]]:
        """Every (facet, value) pair of one item, as used by postings (memoised: explanations
        and similarity ask for the same few items again and again)."""
        cached = self._values_cache.get(item)
        if cached is None:
            cached = frozenset(self._pairs(item))
            if len(self._values_cache) >= 20_000:
                self._values_cache.clear()
            self._values_cache[item] = cached
        return cached

    def _pairs(self, item: int) -> list[tuple[str, str]]:
        pairs: list[tuple[str, str]] = []
        for facet, raw in self.facet_values[item].items():
            if facet == "category":
                pairs.extend(("category", path) for path in category_ancestors(str(raw)))
            elif isinstance(raw, list):
                pairs.extend((facet, str(v)) for v in raw)
            elif isinstance(raw, bool):
                pairs.append((facet, "true" if raw else "false"))
            elif isinstance(raw, str):
                pairs.append((facet, raw))
        return pairs


def _codes(values: list[str]) -> tuple[IntArray, list[str]]:
    table: dict[str, int] = {}
    codes = np.fromiter((table.setdefault(v, len(table)) for v in values), dtype=np.int64,
                        count=len(values))
    return codes, list(table)


@dataclass(frozen=True)
class ProductRow:
    """The columns of a product the request path needs."""

    id: str
    title: str
    price: Decimal
    sale_price: Decimal | None
    active: bool
    availability: str
    category: str
    brand: str | None
    facets: dict[str, Any]
    created_at: datetime | None
    currency: str = ""
    item_group_id: str | None = None


def build_catalog_index(session: Session, schema: FacetSchema) -> CatalogIndex:
    """Read every product once and build the snapshot."""
    revision = current_revision(session)
    rows = session.execute(
        select(
            Product.id, Product.title, Product.price, Product.sale_price, Product.active,
            Product.availability, Product.category, Product.brand, Product.facets,
            Product.created_at, Product.currency, Product.item_group_id,
        ).order_by(Product.id)
    ).all()
    index = index_products([ProductRow(*row) for row in rows], schema=schema,
                           revision=revision)
    index.prepare()
    return index


def index_products(rows: list[ProductRow], *, schema: FacetSchema, revision: int = 0
                   ) -> CatalogIndex:
    """Build the snapshot from product rows (sorted by id). Numeric facets are not posted.

    >>> from prefero.catalog.facets import load_facet_schema
    >>> row = ProductRow("p1", "Oat bar", Decimal("4.50"), None, True, "in_stock",
    ...                  "Groceries > Snacks", "Oaty", {"diet": ["vegan"]}, None)
    >>> index = index_products([row], schema=load_facet_schema())
    >>> bool(index.mask_for("diet", "vegan")[0]), bool(index.mask_for("category", "Groceries")[0])
    (True, True)
    """
    ids = [r.id for r in rows]
    price = np.array(
        [float(r.sale_price if r.sale_price is not None else r.price) for r in rows],
        dtype=np.float64,
    )
    eligible = np.array(
        [bool(r.active) and r.availability != "out_of_stock" for r in rows], dtype=bool
    )
    created = np.array([_ts(r.created_at) for r in rows], dtype=np.float64)
    categories = [r.category or "" for r in rows]
    leaf_code, leaf_names = _codes(categories)
    vertical_code, _ = _codes([c.split(CATEGORY_SEPARATOR)[0] for c in categories])
    # The brand and category facets' compared forms, by the schema's normalization (as
    # import stores them and as rules are normalized); the columns keep the display form.
    brands = [schema.compared("brand", r.brand) if r.brand else "" for r in rows]
    brand_code, _ = _codes(brands)
    currency_code, currency_names = _codes([r.currency for r in rows])
    # "\x00" cannot start an id: a family and a lone product never share a key.
    group_code, _ = _codes([f"\x00{r.item_group_id}" if r.item_group_id else r.id
                            for r in rows])

    posting_lists: dict[tuple[str, str], list[int]] = defaultdict(list)
    applies_lists: dict[str, list[int]] = defaultdict(list)
    unstated_lists: dict[str, list[int]] = defaultdict(list)
    covering = [facet for facet in schema.facets if facet.applies_to]
    labels: dict[tuple[str, str], str] = {}
    sizes: list[frozenset[str]] = []
    facet_values: list[dict[str, Any]] = []
    for i, r in enumerate(rows):
        facets: dict[str, Any] = dict(r.facets or {})
        facets["category"] = schema.compared("category", r.category or "")
        if r.brand and "brand" not in facets:
            facets["brand"] = brands[i]
        facet_values.append(facets)
        for name, raw in facets.items():
            facet = schema.get(name)
            if facet is None or facet.type == "numeric":
                continue
            applies_lists[name].append(i)
            if facet.type == "category_path":
                for path in category_ancestors(str(raw)):
                    posting_lists[("category", path)].append(i)
                    labels.setdefault(("category", path), path.split(CATEGORY_SEPARATOR)[-1])
            elif facet.type == "boolean":
                posting_lists[(name, "true" if raw else "false")].append(i)
            elif isinstance(raw, list):
                for value in raw:
                    posting_lists[(name, str(value))].append(i)
            else:
                posting_lists[(name, str(raw))].append(i)
        for facet in covering:
            if facet.name not in facets and facet.covers(r.category or ""):
                applies_lists[facet.name].append(i)
            if (facet.safety and facets.get(facet.name) in (None, "")
                    and facet.covers(r.category or "")):
                unstated_lists[facet.name].append(i)
        sizes.append(frozenset(str(s) for s in facets.get("size", []) or []))
        if r.brand:
            labels.setdefault(("brand", brands[i]), r.brand)

    def to_positions(items: list[int]) -> IntArray:
        return np.asarray(items, dtype=np.int64)

    return CatalogIndex(
        revision=revision,
        schema=schema,
        ids=ids,
        titles=[r.title for r in rows],
        position={pid: i for i, pid in enumerate(ids)},
        price=price,
        created_ts=created,
        eligible=eligible,
        categories=categories,
        leaf_code=leaf_code,
        vertical_code=vertical_code,
        leaf_names=leaf_names,
        brand_code=brand_code,
        postings={key: to_positions(items) for key, items in posting_lists.items()},
        applies={name: to_positions(items) for name, items in applies_lists.items()},
        sizes=sizes,
        labels=labels,
        facet_values=facet_values,
        covers={facet.name: facet.applies_to for facet in covering},
        unstated={name: to_positions(items) for name, items in unstated_lists.items()},
        safety=frozenset(facet.name for facet in covering if facet.safety),
        currency_code=currency_code,
        currency_names=currency_names,
        group_code=group_code,
    )


def _ts(value: datetime | None) -> float:
    return value.timestamp() if value is not None else 0.0
