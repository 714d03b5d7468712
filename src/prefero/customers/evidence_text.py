"""A suggestion's evidence worded for the customer in their language: the value as a label
("Sugar-free", "Skin type: combination"), the counts with the language's plural forms, the
department by its translated name. Nothing raw reaches the sentence."""

from __future__ import annotations

from typing import TYPE_CHECKING

from prefero.catalog.facets import FacetSchema
from prefero.i18n.catalogues import translations
from prefero.i18n.formats import number
from prefero.recommend.query import LikedValue
from prefero.recommend.wording import liked_value

if TYPE_CHECKING:  # the suggestions service words its evidence with this module
    from prefero.customers.suggestions import Suggestion

__all__ = ["evidence_text", "worded"]


def evidence_text(*, facet: str, value: str, label: str, signal: str, matching: int, total: int,
                  scope: str | None, schema: FacetSchema, language: str) -> str:
    """'Sugar-free — 8 of your last 10 orders in Groceries' and the like.

    >>> from prefero.catalog.facets import load_facet_schema
    >>> evidence_text(facet="sugar_free", value="true", label="true", signal="purchase",
    ...               matching=8, total=10, scope="Groceries", schema=load_facet_schema(),
    ...               language="en")
    'Sugar-free — 8 of your last 10 orders in Groceries'
    >>> evidence_text(facet="brand", value="lindt", label="Lindt", signal="view", matching=4,
    ...               total=5, scope=None, schema=load_facet_schema(), language="pl")
    'Lindt — 4 z 5 ostatnio oglądanych produktów'
    """
    say = translations(language)
    values = {
        "what": liked_value(schema, LikedValue(facet=facet, value=value, label=label),
                            language),
        "matching": number(matching, language),
        "total": number(total, language),
        "scope": schema.value_in("category", scope or "", language),
    }
    if signal == "purchase" and scope:
        text = say.ngettext("{what} — {matching} of your last {total} order in {scope}",
                            "{what} — {matching} of your last {total} orders in {scope}",
                            total)
    elif signal == "purchase":
        text = say.ngettext("{what} — {matching} of your last {total} order",
                            "{what} — {matching} of your last {total} orders", total)
    elif scope:
        text = say.ngettext(
            "{what} — {matching} of your last {total} viewed product in {scope}",
            "{what} — {matching} of your last {total} viewed products in {scope}", total)
    else:
        text = say.ngettext("{what} — {matching} of your last {total} viewed product",
                            "{what} — {matching} of your last {total} viewed products",
                            total)
    return text.format(**values)


def worded(suggestion: Suggestion, *, schema: FacetSchema, language: str) -> Suggestion:
    """``suggestion`` with its evidence worded in ``language``."""
    evidence = suggestion.evidence
    text = evidence_text(facet=suggestion.facet, value=suggestion.value,
                         label=suggestion.label, signal=evidence.signal,
                         matching=evidence.matching, total=evidence.total,
                         scope=evidence.scope, schema=schema, language=language)
    return suggestion.model_copy(update={"evidence": evidence.model_copy(
        update={"text": text})})
