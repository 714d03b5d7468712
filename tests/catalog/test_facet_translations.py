"""Polish words in the default facet schema: every facet name, every category segment and
every facet value a shopper can meet in the demo shop (catalogue, add-on services, quiz
library) has one, and ``label_in``/``value_in`` fall back sensibly where the schema is silent."""

from __future__ import annotations

import inspect
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import resources
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from prefero.catalog.facets import CATEGORY_SEPARATOR, Facet, FacetSchema, load_facet_schema
from prefero.demo.catalog import DemoProduct, generate_catalog
from prefero.demo.services import service_products
from prefero.demo.shop import generate_demo

POLISH = "pl"
ANCHOR = datetime(2026, 1, 1, tzinfo=UTC)
# Facets whose values stay as the shop writes them: brand names, sizes (36, XL), the shop's
# own campaign labels.
_SHOP_WORDS = frozenset({"brand", "size"})

Values = dict[str, set[str]]
# Loaded once for the property test, whose examples would otherwise each parse the YAML.
_SCHEMA = load_facet_schema()


@pytest.fixture(scope="module")
def schema() -> FacetSchema:
    return _SCHEMA


def _worded(facet: Facet) -> bool:
    """Whether the facet's stored values are words a shopper reads, so need a translation."""
    return (facet.type in ("categorical", "multi") and facet.name not in _SHOP_WORDS
            and not facet.name.startswith("custom_label_"))


@pytest.fixture(scope="module")
def demo_products(schema: FacetSchema) -> list[DemoProduct]:
    """The demo catalogue of a default ``prefero demo`` (same seed, size and random stream as
    ``generate_demo``), plus the add-on services, without customers or behaviour."""
    defaults = inspect.signature(generate_demo).parameters
    seed, count = defaults["seed"].default, defaults["products"].default
    catalog_stream = np.random.SeedSequence(seed).spawn(3)[0]
    products = generate_catalog(np.random.default_rng(catalog_stream), count, anchor=ANCHOR,
                                schema=schema)
    return [*products, *service_products(anchor=ANCHOR, schema=schema)]


def _model_names(products: list[DemoProduct]) -> set[str]:
    # A phone case is tagged with the phone it fits ("iphone 16 pro"), a model name that
    # stays as written; its title says "for iPhone 16 Pro".
    titles = [product.title.casefold() for product in products]
    tags = {tag for product in products for tag in product.facets.get("tags", ())}
    return {tag for tag in tags if any(f"for {tag}" in title for title in titles)}


@pytest.fixture(scope="module")
def catalogue_values(schema: FacetSchema, demo_products: list[DemoProduct]) -> Values:
    values: Values = defaultdict(set)
    for product in demo_products:
        for name, value in product.facets.items():
            facet = schema.get(name)
            if facet is not None and (_worded(facet) or facet.type == "category_path"):
                values[name].update(value if isinstance(value, list) else [value])
    values["tags"] -= _model_names(demo_products)
    return values


def _conditions(node: Any) -> Iterator[tuple[str, list[str]]]:
    """Every (facet, values) a quiz definition names, wherever it sits (effects, scopes,
    conditions): walking the YAML keeps this independent of the definition's exact shape."""
    if isinstance(node, dict):
        if isinstance(node.get("facet"), str):
            raw = node.get("values", [node["value"]] if "value" in node else [])
            yield node["facet"], [str(item) for item in raw]
        for child in node.values():
            yield from _conditions(child)
    elif isinstance(node, list):
        for child in node:
            yield from _conditions(child)


@pytest.fixture(scope="module")
def quiz_values(schema: FacetSchema) -> Values:
    values: Values = defaultdict(set)
    library = resources.files("prefero.quizzes").joinpath("library")
    for entry in library.iterdir():
        if not entry.name.endswith(".yaml"):
            continue
        for name, items in _conditions(yaml.safe_load(entry.read_text("utf-8"))):
            facet = schema.get(name)
            if facet is not None and (_worded(facet) or facet.type == "category_path"):
                values[name].update(schema.compared(name, item) for item in items)
    return values


def _missing(schema: FacetSchema, values: Values) -> dict[str, list[str]]:
    words = schema.translations[POLISH]
    gaps: dict[str, list[str]] = {}
    for name, found in values.items():
        known = words[name].values if name in words else {}
        if schema.by_name[name].type == "category_path":
            found = {segment for path in found for segment in path.split(CATEGORY_SEPARATOR)}
        lacking = sorted(value for value in found if not known.get(value))
        if lacking:
            gaps[name] = lacking
    return gaps


def test_every_facet_has_a_polish_name(schema: FacetSchema) -> None:
    words = schema.translations[POLISH]
    assert [f.name for f in schema.facets if not (f.name in words and words[f.name].label)] == []
    # A Polish name equal to the English one is a label copied, not translated.
    same = [f.name for f in schema.facets if schema.label_in(f.name, POLISH) == f.label]
    assert same == []


def test_translations_name_only_facets_of_the_schema(schema: FacetSchema) -> None:
    for language, facets in schema.translations.items():
        assert set(facets) <= set(schema.by_name), language


def test_value_keys_are_in_stored_form(schema: FacetSchema) -> None:
    # A key the facet's normalization would change ("Black" for a case-folded facet) could
    # never match a stored value, so its translation would silently never show.
    for language, facets in schema.translations.items():
        for name, words in facets.items():
            for key, label in words.values.items():
                assert label.strip() == label and label, (language, name, key)
                if schema.by_name[name].type == "category_path":
                    assert CATEGORY_SEPARATOR not in key and schema.compared(name, key) == key
                else:
                    assert schema.compared(name, key) == key, (language, name, key)


def test_catalogue_covers_the_facets_it_checks(catalogue_values: Values) -> None:
    # Guards the coverage test below against passing on an empty or partial catalogue.
    assert {"category", "color", "material", "pattern", "gender", "condition", "style",
            "ecosystem", "use", "price_tier", "diet", "allergens", "skin_type",
            "tags"} <= set(catalogue_values)
    assert "apple" in catalogue_values["ecosystem"]
    assert "service" in catalogue_values["tags"]
    assert "iphone 16 pro" not in catalogue_values["tags"]


def test_every_demo_category_segment_and_value_reads_in_polish(
        schema: FacetSchema, catalogue_values: Values) -> None:
    assert _missing(schema, catalogue_values) == {}


def test_every_value_a_quiz_names_reads_in_polish(schema: FacetSchema,
                                                  quiz_values: Values) -> None:
    assert {"style", "color", "material", "diet", "allergens", "use"} <= set(quiz_values)
    assert _missing(schema, quiz_values) == {}


def test_label_in(schema: FacetSchema) -> None:
    assert schema.label_in("skin_type", POLISH) == "Typ skóry"
    assert schema.label_in("sugar_free", POLISH) == "Bez cukru"
    # English has no entry: the schema's own label; a facet the schema lacks: its name.
    assert schema.label_in("color", "en") == "Colour"
    assert schema.label_in("fit_type", POLISH) == "Fit type"


def test_value_in(schema: FacetSchema) -> None:
    assert schema.value_in("gender", "women", POLISH) == "damskie"
    assert schema.value_in("condition", "new", POLISH) == "nowy"
    # A proper name is kept (with its capital), not lowered to the stored form.
    assert schema.value_in("ecosystem", "apple", POLISH, shown="apple") == "Apple"
    # Untranslated: the shop's display form when given, else the stored value.
    assert schema.value_in("brand", "h&m", POLISH, shown="H&M") == "H&M"
    assert schema.value_in("color", "mauve", POLISH) == "mauve"
    assert schema.value_in("color", "black", "en") == "black"
    assert schema.value_in("fit_type", "slim", POLISH) == "slim"


def test_category_reads_as_its_last_segment(schema: FacetSchema) -> None:
    assert schema.value_in("category", "Groceries > Sweets > Chocolate", POLISH) == "Czekolada"
    assert schema.value_in("category", "Groceries", POLISH) == "Artykuły spożywcze"
    assert schema.value_in("category", "Groceries > Sweets > Pralines", POLISH) == "Pralines"
    assert schema.value_in("category", "Groceries > Sweets", "en") == "Sweets"


@given(prefix=st.lists(st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=8),
                       max_size=3),
       segment=st.sampled_from(sorted(_SCHEMA.translations[POLISH]["category"].values)))
def test_any_path_reads_as_its_leaf_word(prefix: list[str], segment: str) -> None:
    # The word depends on the leaf alone: a shop may hang a known leaf anywhere in its tree.
    path = CATEGORY_SEPARATOR.join([*prefix, segment])
    expected = _SCHEMA.translations[POLISH]["category"].values[segment]
    assert _SCHEMA.value_in("category", path, POLISH) == expected


def test_a_schema_without_translations_reads_in_its_own_words() -> None:
    schema = FacetSchema(facets=(
        Facet(name="category", type="category_path", label="Category"),
        Facet(name="skin_type", type="multi", label="Skin type"),
    ))
    assert schema.label_in("skin_type", POLISH) == "Skin type"
    assert schema.value_in("skin_type", "combination", POLISH) == "combination"
    assert schema.value_in("category", "A > B", POLISH) == "B"
