"""Reasons worded for shoppers: each code's message in the shopper's language, its typed
parameters filled in with the facet schema's labels and the language's number and money
formats. Product titles stay as the shop wrote them; nothing raw ("true", an id, 1e+06)
reaches the text.
"""

from __future__ import annotations

from collections.abc import Mapping

from prefero.catalog.facets import FacetSchema
from prefero.i18n.catalogues import N_, translations
from prefero.i18n.formats import money, number
from prefero.i18n.languages import LANGUAGES
from prefero.recommend.catalog_index import CatalogIndex
from prefero.recommend.profile import CustomerProfile
from prefero.recommend.query import (
    LikedValue,
    ReasonParams,
    RecommendationResult,
    RecommendedItem,
)

__all__ = ["MESSAGES", "RULE_MESSAGES", "liked_value", "reworded", "reworded_items", "rule_text",
           "warm", "word"]

MESSAGES: Mapping[str, str] = {
    "exploration": N_("Something different"),
    "featured": N_("Featured by the shop"),
    "search_match": N_("Matches your search"),
    "declared_like": N_("Matches your preferences ({likes})"),
    "declared_peers": N_("Chosen by shoppers with your preferences ({likes})"),
    "session_context": N_("Goes with {title}, which you are looking at now"),
    "co_purchase": N_("Often bought with {title}"),
    "follows": N_("Often chosen after {title}, which you looked at"),
    "co_view": N_("Because you viewed {title}"),
    "behaviour_affinity": N_("Because you often browse {category}"),
    "complement": N_("Often bought together with {title}"),
    "also_chosen": N_("Shoppers who chose {title} also chose this"),
    "similar": N_("Similar to {title}"),
    "trending": N_("Trending now"),
    "new_arrival": N_("New arrival"),
    "popular": N_("Popular in {category}"),
    "editorial": N_("From our {category} range"),
    "within_budget": N_("Within your budget of {amount}"),
}

# The same reasons for a product the shop filed under no category.
_UNCATEGORISED: Mapping[str, str] = {
    "popular": N_("Popular in our shop"),
    "editorial": N_("From our range"),
    "behaviour_affinity": N_("Because you often browse similar products"),
}

# Facets whose values read on their own ("Apple", "Chocolate"); any other value reads with
# its facet's name ("Skin type: combination"), a yes/no facet as its name ("Sugar-free").
_SELF_EXPLAINING = frozenset({"category", "brand", "ecosystem"})


def liked_value(schema: FacetSchema, like: LikedValue, language: str) -> str:
    """One liked value as a shopper reads it.

    >>> from prefero.catalog.facets import load_facet_schema
    >>> schema = load_facet_schema()
    >>> [liked_value(schema, LikedValue(facet=f, value=v, label=v), "en") for f, v in
    ...  (("sugar_free", "true"), ("skin_type", "combination"), ("brand", "apple"))]
    ['Sugar-free', 'Skin type: combination', 'apple']
    >>> liked_value(schema, LikedValue(facet="eco", value="false", label="false"), "en")
    'Eco-friendly: no'
    """
    facet = schema.get(like.facet)
    name = schema.label_in(like.facet, language)
    if facet is not None and facet.type == "boolean":
        if like.value == "true":
            return name
        return f"{name}: {translations(language).gettext(N_('no'))}"
    value = schema.value_in(like.facet, like.value, language, shown=like.label)
    if like.facet in _SELF_EXPLAINING or (facet is not None
                                          and facet.type == "category_path"):
        return value
    return f"{name}: {value}"


def _likes(schema: FacetSchema, likes: tuple[LikedValue, ...], language: str) -> str:
    """At most three liked values, each said once (a brand and an ecosystem may share a
    name)."""
    said: list[str] = []
    for like in likes:
        text = liked_value(schema, like, language)
        if text.casefold() not in (seen.casefold() for seen in said):
            said.append(text)
    return ", ".join(said[:3])


def word(code: str, params: ReasonParams, *, schema: FacetSchema, language: str) -> str:
    """The reason ``code`` with ``params`` in ``language``.

    >>> from prefero.catalog.facets import load_facet_schema
    >>> schema = load_facet_schema()
    >>> word("within_budget", ReasonParams(amount=1e6, currency="PLN"), schema=schema,
    ...      language="en")
    'Within your budget of PLN\xa01,000,000.00'
    >>> word("popular", ReasonParams(category="Groceries > Sweets > Chocolate"),
    ...      schema=schema, language="en")
    'Popular in Chocolate'
    """
    message = MESSAGES.get(code, code)
    if "{category}" in message and not params.category:
        message = _UNCATEGORISED.get(code, message)
    message = translations(language).gettext(message)
    values: dict[str, str] = {}
    if "{likes}" in message:
        values["likes"] = _likes(schema, params.likes, language)
    if "{title}" in message:
        values["title"] = params.product_title or ""
    if "{category}" in message:
        values["category"] = schema.value_in("category", params.category or "", language)
    if "{amount}" in message:
        amount = params.amount or 0.0
        values["amount"] = (money(amount, params.currency, language) if params.currency
                            else number(amount, language))
    return message.format(**values) if values else message


def reworded_items(items: list[RecommendedItem], *, schema: FacetSchema, language: str
                   ) -> list[RecommendedItem]:
    """``items`` with every reason worded in ``language`` (English ones as they are)."""
    if language == "en":
        return items
    return [item.model_copy(update={"reasons": [
        reason.model_copy(update={"text": word(reason.code, reason.params, schema=schema,
                                               language=language)})
        for reason in item.reasons]}) for item in items]


def reworded(result: RecommendationResult, *, schema: FacetSchema, language: str
             ) -> RecommendationResult:
    """``result`` with every reason worded in ``language``."""
    if language == "en":
        return result
    return result.model_copy(update={"items": reworded_items(result.items, schema=schema,
                                                             language=language)})


RULE_MESSAGES: Mapping[str, str] = {
    "never": N_("never {what}"),
    "missing": N_("{facet}: no information"),
    "must": N_("only {what}"),
    "budget:min": N_("budget from {amount}"),
    "budget:max": N_("budget up to {amount}"),
    "size": N_("sizes in {category}: {sizes}"),
    "dismissed": N_("marked “Not for me”"),
    "unavailable": N_("not available"),
}


def rule_text(key: str, *, profile: CustomerProfile, schema: FacetSchema, language: str,
              currency: str, index: CatalogIndex | None = None) -> str:
    """A rule of ``prefero.recommend.constraints`` (by its key) as its owner reads it, in
    ``language``: "never Allergens: gluten", "only Diet: vegan", "budget up to 50,00 zł".

    >>> from prefero.catalog.facets import load_facet_schema
    >>> profile = CustomerProfile(customer_id="c1", level="full", consents={},
    ...                           budget_max=1e6, must={"diet": ("vegan",)})
    >>> for key in ("never:allergens=gluten", "must:diet", "budget:max", "missing:allergens"):
    ...     print(rule_text(key, profile=profile, schema=load_facet_schema(), language="pl",
    ...                     currency="PLN").replace("\\xa0", " "))
    nigdy Alergeny: gluten
    tylko Dieta: wegańska
    budżet do 1 000 000,00 zł
    Alergeny: brak informacji
    """
    kind, _, rest = key.partition(":")
    say = translations(language).gettext

    def value(facet: str, stored: str) -> str:
        shown = index.label(facet, stored) if index is not None else stored
        return liked_value(schema, LikedValue(facet=facet, value=stored, label=shown),
                           language)

    if kind == "never":
        facet, _, stored = rest.partition("=")
        return say(RULE_MESSAGES["never"]).format(what=value(facet, stored))
    if kind == "missing":
        return say(RULE_MESSAGES["missing"]).format(facet=schema.label_in(rest, language))
    if kind == "must":
        values = ", ".join(value(rest, stored) for stored in profile.must.get(rest, ()))
        return say(RULE_MESSAGES["must"]).format(what=values)
    if key in ("budget:min", "budget:max"):
        amount = profile.budget_min if key == "budget:min" else profile.budget_max
        return say(RULE_MESSAGES[key]).format(amount=money(amount or 0.0, currency, language))
    if kind == "size":
        sizes = ", ".join(sorted(profile.sizes.get(rest, ())))
        return say(RULE_MESSAGES["size"]).format(category=schema.path_in(rest, language),
                                                 sizes=sizes)
    return say(RULE_MESSAGES.get(key, key))


def warm(*, currency: str) -> None:
    """Load each language's catalogue and CLDR data now, so that no shopper's request pays
    for it (about 90 ms the first time money is formatted)."""
    for language in LANGUAGES:
        translations(language)
        money(1.0, currency, language)
        number(1.0, language)
