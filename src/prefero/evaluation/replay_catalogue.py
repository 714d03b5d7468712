"""How a dataset's item attributes become a shop's catalogue for the replay
(``prefero.evaluation.replay``): a facet schema, a category per item and facet values.

Two kinds of attributes arrive from ``runner.load_dataset``:

- untyped ids (``--item-attributes``, Amazon Sports: brand and category ids mixed, with
  nothing to tell which is which) become the values of one list facet ``attribute``; every
  product sits in one category, so the leaf-category cap would cap the whole row: the
  replay turns the cap off (``capped`` is False);
- ``column=value`` pairs (``--items``, MovieLens) become one list facet per column, named
  after the column (RecBole's ``class``, MovieLens' genres, is named ``genre``); the item's
  first value (in the file's order) is its category, a one-level path, so the shop's
  category cap and the diversity of categories work as they would on such a shop.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from prefero.catalog.facets import FacetSchema, load_facet_schema

__all__ = ["ONE_CATEGORY", "ReplayCatalogue", "replay_catalogue"]

#: The category of every product when the attributes name none, and of items without any.
ONE_CATEGORY = "Products"
#: Column names that say more under another name.
_RENAMED = {"class": "genre"}
#: Words for the facets' names in the shop's languages (the shop console shows them).
_LABELS = {"attribute": ("Attribute", "Atrybut"), "genre": ("Genre", "Gatunek")}


@dataclass(frozen=True, slots=True)
class ReplayCatalogue:
    """The catalogue's shape: the schema document (as written to the schema file), each
    item's category path and facet values (raw; the schema's ``coerce`` stores them), and
    whether the category cap may stay on."""

    schema_document: dict[str, Any]
    categories: list[str]
    facets: list[dict[str, list[str]]]
    capped: bool

    def write_schema(self, path: Path) -> FacetSchema:
        """Write the schema file (YAML, like ``prefero/catalog/facets.yaml``) and load it
        back, so that it is checked as a shop's own would be."""
        path.write_text(yaml.safe_dump(self.schema_document, sort_keys=False,
                                       allow_unicode=True), encoding="utf-8")
        return load_facet_schema(path)

    def describe(self) -> str:
        """The mapping in a sentence, for the report.

        >>> replay_catalogue([("7", "9")]).describe()
        'attribute ids -> list facet attribute; one category, category cap off'
        """
        names = [f["name"] for f in self.schema_document["facets"] if f["name"] != "category"]
        if not self.capped:
            facets = f"list facet {names[0]}" if names else "no facet"
            return f"attribute ids -> {facets}; one category, category cap off"
        return (f"columns -> list facets {', '.join(names)}; first value -> category, "
                "category cap on")


def _facet_name(column: str) -> str:
    """A column's facet name: renamed where known, else lower case letters, digits and
    underscores, starting with a letter.

    >>> _facet_name("class"), _facet_name("Release Year"), _facet_name("2nd")
    ('genre', 'release_year', 'f_2nd')
    """
    if column in _RENAMED:
        return _RENAMED[column]
    name = re.sub(r"[^a-z0-9_]+", "_", column.lower()).strip("_") or "facet"
    if not name[0].isalpha():
        name = f"f_{name}"
    return f"{name}_value" if name == "category" else name


def _schema_document(names: Sequence[str]) -> dict[str, Any]:
    facets: list[dict[str, Any]] = [
        {"name": "category", "type": "category_path", "label": "Category",
         "preferable": True}]
    polish: dict[str, dict[str, str]] = {"category": {"label": "Kategoria"}}
    for name in names:
        english, local = _LABELS.get(name, (name.replace("_", " ").capitalize(), ""))
        facets.append({"name": name, "type": "multi", "label": english, "preferable": True})
        if local:
            polish[name] = {"label": local}
    return {"facets": facets, "translations": {"pl": polish}}


def replay_catalogue(attributes: Sequence[tuple[str, ...]] | None, *, n_items: int = 0
                     ) -> ReplayCatalogue:
    """The catalogue for items with these attributes (``None``: ``n_items`` items without
    any). Attributes of the ``column=value`` form map by column; any other is an untyped id.

    >>> shop = replay_catalogue([("class=Comedy", "class=Drama"), ()])
    >>> shop.categories, shop.facets, shop.capped
    (['Comedy', 'Products'], [{'genre': ['Comedy', 'Drama']}, {}], True)
    >>> replay_catalogue([("7", "9")]).facets
    [{'attribute': ['7', '9']}]
    """
    if attributes is None:
        return ReplayCatalogue(_schema_document([]), [ONE_CATEGORY] * n_items,
                               [{} for _ in range(n_items)], capped=False)
    typed = any(attributes) and all("=" in value for values in attributes for value in values)
    categories: list[str] = []
    facets: list[dict[str, list[str]]] = []
    names: dict[str, None] = {}
    for values in attributes:
        item: dict[str, list[str]] = {}
        for value in values:
            if typed:
                column, _, text = value.partition("=")
                name = _facet_name(column)
            else:
                name, text = "attribute", value
            names.setdefault(name)
            item.setdefault(name, []).append(text)
        facets.append(item)
        first = next(iter(item.values()), [])
        categories.append(first[0] if typed and first else ONE_CATEGORY)
    if not typed:
        names.setdefault("attribute")
    return ReplayCatalogue(_schema_document(list(names)), categories, facets, capped=typed)
