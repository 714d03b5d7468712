"""A demo persona in one line of the visitor's language, from what it declared
(``prefero.demo.personas``): "Likes: Cameras, Apple, minimal (style) · Never: gluten
(allergens) · Budget up to 500,00 zł"."""

from __future__ import annotations

from prefero.catalog.facets import FacetSchema
from prefero.demo.personas import Persona
from prefero.recommend.catalog_index import CatalogIndex
from prefero.web.i18n import Translator

__all__ = ["describe"]

SEPARATOR = " · "


def _value(facet: str, value: str, *, t: Translator, schema: FacetSchema,
           index: CatalogIndex) -> str:
    """One declared value as a shopper reads it: a brand or category by its name, a yes/no
    property by the property's name, anything else with the property in brackets."""
    language = t.language
    definition = schema.get(facet)
    if definition is not None and definition.type == "boolean":
        label = schema.label_in(facet, language)
        return label if value == "true" else f"{label}: {t('No')}"
    shown = schema.value_in(facet, value, language, shown=index.label(facet, value))
    if facet in ("brand", "category") or definition is None:
        return shown
    return f"{shown} ({schema.label_in(facet, language).lower()})"


def describe(persona: Persona, *, t: Translator, schema: FacetSchema, index: CatalogIndex,
             currency: str) -> str:
    """The persona's line; the level is shown apart (the page names it).

    >>> describe(persona, t=translator("en"), schema=schema, index=index,
    ...          currency="PLN")  # doctest: +SKIP
    'Likes: Cameras, Apple, minimal (style) and 2 more · Never: gluten (allergens)'
    """
    def names(values: tuple[tuple[str, str], ...]) -> str:
        return ", ".join(_value(f, v, t=t, schema=schema, index=index) for f, v in values)

    parts: list[str] = []
    if persona.likes:
        liked = names(persona.likes)
        if persona.more_likes:
            liked = t("{names} and {n} more", names=liked, n=persona.more_likes)
        parts.append(t("Likes: {names}", names=liked))
    rules: list[str] = []
    if persona.never:
        rules.append(t("Never: {names}", names=names(persona.never)))
    if persona.must:
        rules.append(t("Only: {names}", names=names(persona.must)))
    if rules and persona.more_rules:
        rules[-1] = t("{names} and {n} more", names=rules[-1], n=persona.more_rules)
    parts += rules
    low, high = persona.budget_min, persona.budget_max
    if low is not None and high is not None:
        parts.append(t("Budget {low} to {high}", low=t.money(low, currency),
                       high=t.money(high, currency)))
    elif high is not None:
        parts.append(t("Budget up to {amount}", amount=t.money(high, currency)))
    elif low is not None:
        parts.append(t("Budget from {amount}", amount=t.money(low, currency)))
    if persona.sized_categories:
        parts.append(t("Own sizes saved"))
    if not persona.declared:
        parts.append(t("Nothing declared yet"))
    if not persona.tracking:
        parts.append(t("Tracking declined"))
    return SEPARATOR.join(parts)
