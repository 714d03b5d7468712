"""The facet schema: which facets products have, their types and whether customers may state
preferences on them. Loaded from YAML so a shop can describe its own catalog."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from prefero.errors import FieldError, InvalidInput
from prefero.text import Normalization, check_visible, fold, normalize_text

__all__ = [
    "CATEGORY_SEPARATOR",
    "NONE_STATED",
    "Facet",
    "FacetSchema",
    "FacetType",
    "FacetWords",
    "category_ancestors",
    "load_facet_schema",
    "parse_bool",
]

FacetType = Literal["category_path", "categorical", "multi", "numeric", "boolean"]
CATEGORY_SEPARATOR = " > "
# The value by which a feed states that a product has none of a safety facet's values.
NONE_STATED = "none"


class Facet(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: FacetType
    label: str
    preferable: bool = Field(
        default=False, description="Customers may like, dislike, require or exclude its values."
    )
    unit: str | None = None
    normalize: Normalization | None = Field(
        default=None,
        description="How values compare: 'casefold' (NFKC and case folding: 'ＧＬＵＴＥＮ' is "
                    "'gluten') or 'nfkc' (NFKC only, case kept). Default: 'nfkc' for "
                    "category paths, whose case is shown, 'casefold' for other text facets.",
    )
    applies_to: tuple[str, ...] = Field(
        default=(),
        description="Category paths the facet covers even where a product states no value "
                    "(a grocery with no diet label is not vegan); elsewhere it applies only "
                    "to products that have a value.",
    )
    safety: bool = Field(
        default=False,
        description="A fact a customer may rely on for their health (allergens, diet): in "
                    "the categories of ``applies_to``, a product that states no value is "
                    "hidden under a 'never' rule on the facet, since unknown is not safe. "
                    "A multi-valued safety facet states 'none' with the word 'none' (or an "
                    "empty list in JSON); an empty cell stays unknown.",
    )

    @model_validator(mode="after")
    def _safety_needs_scope(self) -> Facet:
        if self.safety and not self.applies_to:
            raise ValueError(f"safety facet {self.name!r} needs applies_to: the categories "
                             "where a product without a value is not safe")
        if self.safety and self.type in ("category_path", "numeric"):
            raise ValueError(f"a {self.type} facet cannot be a safety facet")
        return self

    def covers(self, category: str) -> bool:
        """Whether ``category`` lies under one of the paths in ``applies_to``.

        >>> Facet(name="diet", type="multi", label="Diet", applies_to=("Groceries",)
        ...       ).covers("Groceries > Bakery")
        True
        """
        return any(category == path or category.startswith(path + CATEGORY_SEPARATOR)
                   for path in self.applies_to)

    @property
    def normalization(self) -> Normalization:
        """How this facet's text values compare (``normalize``, or the type's default).

        Brands are case-folded too: the product's ``brand`` column keeps the name as the
        shop writes it for display, while the ``brand`` facet, which rules and filters
        compare against, holds the folded form, so a rule "never ACME" matches "Acme".

        >>> Facet(name="brand", type="categorical", label="Brand").normalization
        'casefold'
        """
        if self.normalize is not None:
            return self.normalize
        return "nfkc" if self.type == "category_path" else "casefold"


class FacetWords(BaseModel):
    """One facet's words in one language: its name, and labels of its stored values (for a
    category path, of each path segment)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str | None = None
    unit: str | None = None
    values: dict[str, str] = Field(default_factory=dict)


class FacetSchema(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    facets: tuple[Facet, ...]
    translations: dict[str, dict[str, FacetWords]] = Field(
        default_factory=dict,
        description="Per language, per facet: the facet's label and its values' labels as "
                    "shoppers read them. English falls back to the schema's label and the "
                    "stored value.")

    @field_validator("facets")
    @classmethod
    def _unique_names(cls, facets: tuple[Facet, ...]) -> tuple[Facet, ...]:
        seen: set[str] = set()
        for facet in facets:
            if facet.name in seen:
                raise ValueError(f"facet {facet.name!r} is defined twice")
            seen.add(facet.name)
        if "category" not in seen:
            raise ValueError("a schema needs the 'category' facet (type category_path)")
        return facets

    @cached_property
    def by_name(self) -> Mapping[str, Facet]:
        return {facet.name: facet for facet in self.facets}

    def get(self, name: str) -> Facet | None:
        return self.by_name.get(name)

    def label_in(self, name: str, language: str) -> str:
        """The facet's name as shoppers of ``language`` read it.

        >>> load_facet_schema().label_in("skin_type", "pl")
        'Typ skóry'
        """
        words = self.translations.get(language, {}).get(name)
        if words is not None and words.label:
            return words.label
        facet = self.get(name)
        return facet.label if facet is not None else name.replace("_", " ").capitalize()

    def unit_in(self, name: str, language: str) -> str | None:
        """The unit of a numeric facet as shoppers of ``language`` write it.

        >>> load_facet_schema().unit_in("battery_hours", "pl")
        'godz.'
        """
        words = self.translations.get(language, {}).get(name)
        if words is not None and words.unit:
            return words.unit
        facet = self.get(name)
        return facet.unit if facet is not None else None

    def path_in(self, path: str, language: str) -> str:
        """A whole category path, each segment by its label in ``language``.

        >>> load_facet_schema().path_in("Groceries > Sweets > Chocolate", "en")
        'Groceries › Sweets › Chocolate'
        """
        return " › ".join(self.value_in("category", segment, language)
                          for segment in path.split(CATEGORY_SEPARATOR) if segment)

    def measure_in(self, name: str, amount: str, language: str) -> str:
        """``amount`` (already written as ``language`` writes numbers) with the facet's unit;
        a symbol (″, %) joins the number, a word or abbreviation follows a space.

        >>> schema = load_facet_schema()
        >>> schema.measure_in("screen_inches", "15,6", "pl"), schema.measure_in(
        ...     "battery_hours", "10", "pl"), schema.measure_in("screen_inches", "15.6", "en")
        ('15,6″', '10 godz.', '15.6 in')
        """
        unit = self.unit_in(name, language)
        if not unit:
            return amount
        return f"{amount}{unit}" if not unit[0].isalnum() else f"{amount} {unit}"

    def value_in(self, name: str, value: str, language: str, *, shown: str | None = None
                 ) -> str:
        """A stored value as shoppers of ``language`` read it; ``shown`` is the shop's own
        display form (a brand's spelling), used where the schema has no translation. A
        category path reads as its last segment.

        >>> schema = load_facet_schema()
        >>> schema.value_in("skin_type", "combination", "pl"), schema.value_in(
        ...     "category", "Groceries > Sweets > Chocolate", "pl")
        ('mieszana', 'Czekolada')
        >>> schema.value_in("brand", "h&m", "pl", shown="H&M")
        'H&M'
        """
        words = self.translations.get(language, {}).get(name)
        if name == "category" or (self.get(name) is not None
                                  and self.by_name[name].type == "category_path"):
            segment = value.split(CATEGORY_SEPARATOR)[-1]
            return words.values.get(segment, segment) if words is not None else segment
        if words is not None and value in words.values:
            return words.values[value]
        return shown if shown is not None else value

    def preferable(self) -> list[Facet]:
        return [facet for facet in self.facets if facet.preferable]

    def compared(self, name: str, text: str) -> str:
        """The form in which ``text``, a stored value of facet ``name``, compares: the facet's
        own normalization (a facet the schema lacks: case-folded), a category path in
        'A > B' form. Checks nothing: for values already stored (a product's brand and
        category columns keep the shop's spelling for display).

        >>> schema = load_facet_schema()
        >>> schema.compared("brand", " ACME  Co "), schema.compared("category", "Food/Snacks")
        ('acme co', 'Food > Snacks')
        """
        facet = self.get(name)
        how = facet.normalization if facet is not None else "casefold"
        if facet is not None and facet.type == "category_path":
            return normalize_category(text, how)
        return fold(text, how)

    def coerce(self, name: str, raw: Any) -> Any:
        """Turn a raw value (from a feed or the API) into the facet's stored form.

        >>> schema = load_facet_schema()
        >>> schema.coerce("color", "Red/ Blue")
        ['red', 'blue']
        >>> schema.coerce("eco", "yes")
        True
        """
        facet = self.by_name[name]
        if facet.type == "numeric":
            if isinstance(raw, bool):
                raise ValueError("expected a number")
            if isinstance(raw, int | float):
                return float(raw)
            return float(str(raw).replace(",", ".").strip())
        if facet.type == "boolean":
            return parse_bool(raw)
        how = facet.normalization
        if facet.type == "multi":
            items: Iterable[Any] = raw if isinstance(raw, list | tuple) else _split_multi(str(raw))
            values = _unique([normalize_text(str(item), how) for item in items
                              if str(item).strip()])
            if facet.safety and NONE_STATED in values:
                # "none" is a statement (no allergens), unlike an empty cell (not known).
                if len(values) > 1:
                    raise ValueError(f"{NONE_STATED!r} says the product has no {facet.name}; "
                                     "it cannot stand with other values")
                return []
            return values
        if facet.type == "category_path":
            return normalize_category(check_visible(str(raw)), how)
        return normalize_text(str(raw), how)


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _split_multi(text: str) -> list[str]:
    for separator in ("|", ",", ";", "/"):
        if separator in text:
            return [part.strip() for part in text.split(separator)]
    return [text.strip()]


_TRUE = frozenset({"true", "yes", "y", "1", "t", "on"})
# An empty cell of a boolean column says "no" here; feeds treat empty as absent before asking.
_FALSE = frozenset({"false", "no", "n", "0", "f", "off", ""})


def parse_bool(raw: object) -> bool:
    """Read yes/no, true/false, 1/0, on/off (any case).

    >>> [parse_bool(v) for v in ("Yes", "0", True, "OFF")]
    [True, False, True, False]
    """
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"expected yes or no, got {raw!r}")


def normalize_value(text: str) -> str:
    """Facet values compare after NFKC, case-insensitively and without stray spaces. Checks
    nothing (for lookups and stored values); incoming values go through ``coerce``.

    >>> normalize_value("  Gluten Free ")
    'gluten free'
    >>> normalize_value("ＧＬＵＴＥＮ")
    'gluten'
    """
    return fold(text, "casefold")


def normalize_category(text: str, how: Normalization = "nfkc") -> str:
    """Accept '>' or '/' separated paths; store them as 'A > B > C' with each part trimmed
    and in NFKC (full-width letters become plain ones; the case is kept unless ``how`` is
    'casefold').

    >>> normalize_category("Fashion>Shoes >  Running")
    'Fashion > Shoes > Running'
    >>> normalize_category("Ｆｏｏｄ／Ｓｎａｃｋｓ")
    'Food > Snacks'
    """
    text = fold(text, "nfkc")
    separator = ">" if ">" in text else "/" if "/" in text else ">"
    parts = [fold(part, how) for part in text.split(separator)]
    return CATEGORY_SEPARATOR.join(part for part in parts if part)


def category_ancestors(path: str) -> list[str]:
    """Every prefix of a category path, shortest first.

    >>> category_ancestors("A > B > C")
    ['A', 'A > B', 'A > B > C']
    """
    parts = path.split(CATEGORY_SEPARATOR) if path else []
    return [CATEGORY_SEPARATOR.join(parts[: i + 1]) for i in range(len(parts))]


def load_facet_schema(path: Path | None = None) -> FacetSchema:
    """Load and validate a facet schema; ``None`` loads the packaged default."""
    if path is None:
        text = resources.files("prefero.catalog").joinpath("facets.yaml").read_text("utf-8")
        origin = "facets.yaml"
    else:
        text = path.read_text("utf-8")
        origin = str(path)
    try:
        data = yaml.safe_load(text)
        return FacetSchema.model_validate(data)
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{origin}: not valid YAML: {exc}") from exc
    except ValidationError as exc:
        errors = [FieldError(tuple(e["loc"]), e["msg"]) for e in exc.errors()]
        raise InvalidInput(f"{origin}: not a valid facet schema", errors) from exc
