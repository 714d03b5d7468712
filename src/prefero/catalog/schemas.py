"""Request and response shapes of the catalog, and the one place where a product's facet
values are brought into their stored form.

Facet values are normalized when a product is *written*, never when it is read: the
brand, category and condition columns are mirrored into ``facets`` and every value goes
through :meth:`FacetSchema.coerce`, so readers (filters, constraints, the API) see one
uniform document.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from prefero.catalog.facets import Facet, FacetSchema, normalize_category
from prefero.text import StoredText, storable_field, visible_field

__all__ = [
    "MIRRORED_FACETS",
    "Availability",
    "Condition",
    "Conversion",
    "FacetValueError",
    "ImportReport",
    "ProductIn",
    "ProductOut",
    "ProductPage",
    "RowError",
    "coerce_facets",
    "normalize_product",
    "states_none",
]

Availability = Literal["in_stock", "out_of_stock", "preorder", "backorder"]
Condition = Literal["new", "refurbished", "used"]
CONDITIONS: tuple[str, ...] = get_args(Condition)

# Columns that are also facets: filters and constraints read them from ``facets`` only.
MIRRORED_FACETS = ("brand", "category", "condition")


def _blank_to_none(value: Any) -> Any:
    """An empty or all-blank string means "not given" (feeds leave empty cells)."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _collapse(value: Any) -> Any:
    if isinstance(value, str):
        return " ".join(value.split())
    return value


def _storable_or_none(value: str | None) -> str | None:
    return None if value is None else storable_field(value)


def _visible_or_none(value: str | None) -> str | None:
    return None if value is None else visible_field(value)


# Every text field refuses what no database can store (a NUL: PostgreSQL); the ones that name
# or classify the product (brand, codes) also refuse invisible characters, which would make
# two equal-looking values differ.
OptionalText = Annotated[str | None, BeforeValidator(_blank_to_none),
                         AfterValidator(_storable_or_none)]
OptionalName = Annotated[str | None, BeforeValidator(_blank_to_none),
                         AfterValidator(_visible_or_none)]
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]


class ProductIn(BaseModel):
    """A product as a shop sends it (API body, one feed row). Replaces the stored product.

    >>> p = ProductIn(id="sku-1", title="Trail Runner 2", price="89.90", currency="eur",
    ...               category="Fashion>Shoes", facets={"color": "Red/Blue"})
    >>> (p.currency, p.category, str(p.price))
    ('EUR', 'Fashion > Shoes', '89.90')
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(min_length=1, max_length=200,
                    description="Unique product id (SKU); any characters except '/'.")
    title: Annotated[StoredText, BeforeValidator(_collapse)] = Field(min_length=1,
                                                                       max_length=500)
    description: StoredText = ""
    link: OptionalText = Field(default=None, max_length=2000)
    image_link: OptionalText = Field(default=None, max_length=2000)
    additional_image_links: list[
        Annotated[StoredText, Field(min_length=1, max_length=2000)]
    ] = Field(default_factory=list, max_length=50)
    price: Money
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. EUR.")
    sale_price: Money | None = None
    availability: Availability = "in_stock"
    brand: OptionalName = Field(default=None, max_length=200)
    gtin: OptionalName = Field(default=None, max_length=50)
    mpn: OptionalName = Field(default=None, max_length=100)
    condition: Annotated[Condition | None, BeforeValidator(_blank_to_none)] = None
    category: str = Field(default="", max_length=500,
                          description="Category path, 'A > B > C' ('>' or '/' accepted).")
    google_product_category: Annotated[
        str | None, BeforeValidator(_blank_to_none), BeforeValidator(_collapse),
        AfterValidator(_visible_or_none),
    ] = Field(default=None, max_length=500)
    item_group_id: OptionalName = Field(default=None, max_length=200)
    facets: dict[str, Any] = Field(default_factory=dict, max_length=200,
                                   description="Facet name → value, typed by the facet schema.")
    active: bool = True

    @field_validator("id")
    @classmethod
    def _addressable_id(cls, value: str) -> str:
        # Ids travel in URL paths (/v1/products/{id}); a '/' there cannot be told from the
        # path's own separators, and control characters are always a feed accident.
        if "/" in value:
            raise ValueError("must not contain '/' (product ids appear in URLs)")
        if any(ord(char) < 32 or ord(char) == 127 for char in value):
            raise ValueError("must not contain control characters")
        return visible_field(value)

    @field_validator("currency", mode="before")
    @classmethod
    def _upper_currency(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("category")
    @classmethod
    def _category_path(cls, value: str) -> str:
        # The column's display form ('A > B', NFKC, case kept). The compared form follows
        # the schema's normalization: ``normalize_product`` coerces the mirrored facet, and
        # the catalogue index compares with ``FacetSchema.compared``.
        return normalize_category(visible_field(value))

    @field_validator("additional_image_links")
    @classmethod
    def _unique_links(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    @field_validator("sale_price")
    @classmethod
    def _sale_not_above_price(cls, value: Decimal | None, info: ValidationInfo) -> Decimal | None:
        price = info.data.get("price")
        if value is not None and price is not None and value > price:
            raise ValueError(f"the sale price {value} is above the price {price}")
        return value


class ProductOut(BaseModel):
    """A stored product. ``facets`` holds every facet value, including the mirrored brand,
    category and condition, in the normalized form filters compare against."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    title: str
    description: str
    link: str | None
    image_link: str | None
    additional_image_links: list[str]
    price: Decimal
    currency: str
    sale_price: Decimal | None
    availability: Availability
    brand: str | None
    gtin: str | None
    mpn: str | None
    condition: str | None
    category: str
    google_product_category: str | None
    item_group_id: str | None
    facets: dict[str, Any]
    active: bool
    created_at: datetime
    updated_at: datetime


class ProductPage(BaseModel):
    """One page of products; pass ``next_cursor`` back to get the next (``None``: the end)."""

    items: list[ProductOut]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in one feed row.

    ``line`` is the 1-based physical line where the row (or, in XML, the element) starts;
    ``column`` is the column, element or key as written in the feed (``None`` when the
    problem is the row as a whole).
    """

    line: int
    column: str | None
    reason: str
    product_id: str | None = None


class Conversion(BaseModel):
    """Products of one import priced in another currency, converted into the shop's."""

    currency: str = Field(description="The currency the feed priced them in, e.g. EUR.")
    rate: Decimal = Field(description="One unit of it in the shop's currency.")
    products: int


class ImportReport(BaseModel):
    """What a feed import did. ``skipped`` lists one entry per problem of each row left out
    (with ``skip_bad_rows``); ``errors`` is filled only in the report of a refused import;
    ``converted`` says which prices were converted into the shop's currency, at what rate."""

    created: int = 0
    updated: int = 0
    unchanged: int = Field(default=0, description="Products the feed gave exactly as stored: "
                           "left as they were.")
    deactivated: int = Field(default=0, description="With a full sync: active products the "
                             "feed no longer lists, now inactive.")
    skipped: list[RowError] = Field(default_factory=list)
    errors: list[RowError] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    currency: str | None = Field(default=None,
                                 description="The shop's currency, every stored price's.")
    converted: list[Conversion] = Field(default_factory=list)


class FacetValueError(ValueError):
    """Facet values that the schema refuses, by facet name."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems = dict(problems)
        super().__init__("; ".join(f"{name}: {reason}" for name, reason in self.problems.items()))


def _is_empty(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    if isinstance(raw, list | tuple):
        return all(_is_empty(item) for item in raw)
    return False


def _coerce_one(schema: FacetSchema, name: str, raw: Any) -> Any:
    facet = schema.by_name[name]
    if isinstance(raw, dict):
        raise ValueError("expected a value, got an object")
    if isinstance(raw, list | tuple) and facet.type != "multi":
        raise ValueError(f"expected one value, got a list ({facet.type} facet)")
    if facet.type == "numeric":
        text = raw
        if isinstance(raw, str) and facet.unit and raw.strip().lower().endswith(facet.unit.lower()):
            # "24.2 MP" for a facet whose unit is MP: the unit is implied, keep the number.
            text = raw.strip()[: -len(facet.unit)]
        try:
            number = schema.coerce(name, text)
        except ValueError:
            raise ValueError(f"expected a number, got {raw!r}") from None
        if not math.isfinite(number):
            raise ValueError(f"expected a finite number, got {raw!r}")
        return number
    return schema.coerce(name, raw)


def coerce_facets(
    raw: Mapping[str, Any], *, schema: FacetSchema
) -> tuple[dict[str, Any], dict[str, str]]:
    """Coerce raw facet values through the schema; empty values are dropped (absent), except
    a safety facet's explicit empty list or "none", kept as ``[]``: "has none" (see
    :func:`states_none`).

    Returns the coerced values and, separately, the problems by facet name, so that a
    caller can report every bad value of a product at once.

    >>> from prefero.catalog.facets import load_facet_schema
    >>> coerce_facets({"color": "Red/Blue", "megapixels": "24 MP", "size": ""},
    ...               schema=load_facet_schema())
    ({'color': ['red', 'blue'], 'megapixels': 24.0}, {})
    >>> coerce_facets({"flavour": "mint"}, schema=load_facet_schema())[1]
    {'flavour': "unknown facet 'flavour'; the facet schema does not define it"}
    """
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for name, value in raw.items():
        facet = schema.get(name)
        if facet is None:
            problems[name] = f"unknown facet {name!r}; the facet schema does not define it"
            continue
        if _is_empty(value):
            if states_none(facet, value):
                values[name] = []
            continue
        try:
            coerced = _coerce_one(schema, name, value)
        except ValueError as exc:
            problems[name] = str(exc)
            continue
        # An empty list left by "none" is the statement "none" on a safety facet.
        if coerced not in ("", []) or (facet.safety and coerced == []):
            values[name] = coerced
    return values, problems


def states_none(facet: Facet, raw: Any) -> bool:
    """Whether ``raw`` states that a product has none of a safety facet's values: an explicit
    empty JSON list does (what the API returns for "none", so a product survives a round
    trip); an empty string or null stays unknown, as an empty feed cell does.

    >>> from prefero.catalog.facets import load_facet_schema
    >>> allergens = load_facet_schema().by_name["allergens"]
    >>> states_none(allergens, []), states_none(allergens, ""), states_none(allergens, None)
    (True, False, False)
    """
    return facet.safety and facet.type == "multi" and isinstance(raw, list | tuple) and not raw


def normalize_product(item: ProductIn, *, schema: FacetSchema) -> ProductIn:
    """Return ``item`` with its facets coerced and the brand, category and condition columns
    mirrored into them (a column that is empty is filled from its facet instead).

    Raises :class:`FacetValueError` listing every facet value the schema refuses.

    >>> from prefero.catalog.facets import load_facet_schema
    >>> item = ProductIn(id="1", title="Tee", price=10, currency="EUR", brand="ACME Co",
    ...                  facets={"category": "Fashion/Tops", "size": "S|M"})
    >>> out = normalize_product(item, schema=load_facet_schema())
    >>> (out.category, out.facets)
    ('Fashion > Tops', {'category': 'Fashion > Tops', 'size': ['s', 'm'], 'brand': 'acme co'})
    """
    values, problems = coerce_facets(item.facets, schema=schema)
    if problems:
        raise FacetValueError(problems)
    columns: dict[str, Any] = {}
    if item.brand:
        values["brand"] = item.brand
    elif isinstance(item.facets.get("brand"), str) and "brand" in values:
        columns["brand"] = " ".join(item.facets["brand"].split())[:200]
    if item.category:
        values["category"] = item.category
    elif isinstance(values.get("category"), str):
        columns["category"] = values["category"]
    if item.condition:
        values["condition"] = item.condition
    elif values.get("condition") in CONDITIONS:
        columns["condition"] = values["condition"]
    for name in MIRRORED_FACETS:
        # A custom schema may lack one of them; then the column alone carries it.
        if name in values and schema.get(name) is None:
            del values[name]
        elif name in values:
            values[name] = _coerce_one(schema, name, values[name])
    return item.model_copy(update={"facets": values, **columns})
