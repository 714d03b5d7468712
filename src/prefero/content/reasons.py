"""Why a variant was shown: reason codes with typed parameters, worded in the shopper's
language. A reason is made only by the criterion that matched (``prefero.content.targeting``)
or by the strategy that chose (a split, the default), so each one's claim holds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from babel.numbers import format_percent
from pydantic import BaseModel, ConfigDict

from prefero.catalog.facets import FacetSchema
from prefero.i18n.catalogues import N_, translations
from prefero.recommend.query import LikedValue
from prefero.recommend.wording import liked_value

__all__ = ["CONTEXT_CODES", "MESSAGES", "ContentReason", "ReasonCode", "ReasonParams",
           "word"]

ReasonCode = Literal[
    "default", "control", "split", "segment", "declared", "trait_high", "trait_low",
    "mindset_growth", "mindset_fixed", "new_visitor", "returning_visitor",
    "source_search", "source_social", "source_email", "source_campaign", "source_referral",
    "source_direct", "source_site", "device_mobile", "device_tablet", "device_desktop",
    "time_morning", "time_afternoon", "time_evening", "time_night", "time_hours",
    "weather_rain", "weather_sun", "weather_snow", "weather_hot", "weather_cold",
]

MESSAGES: Mapping[str, str] = {
    "default": N_("Shown to everyone (default)"),
    "control": N_("Shown as the usual version while we test changes with some visitors"),
    "split": N_("Shown to {share} of visitors as part of a test"),
    "segment": N_("Shown because you are in the group “{segment}”"),
    "declared": N_("Shown because you chose {value}"),
    "trait_high": N_("Shown because your quiz answers show high {trait}"),
    "trait_low": N_("Shown because your quiz answers show low {trait}"),
    "mindset_growth": N_("Shown because your quiz answers show a growth mindset"),
    "mindset_fixed": N_("Shown because your quiz answers show a fixed mindset"),
    "new_visitor": N_("Shown because you are new here"),
    "returning_visitor": N_("Shown because you have visited us before"),
    "source_search": N_("Shown because you came from a search engine"),
    "source_social": N_("Shown because you came from social media"),
    "source_email": N_("Shown because you came from a newsletter"),
    "source_campaign": N_("Shown because you came from one of our campaigns"),
    "source_referral": N_("Shown because you came from another website"),
    "source_direct": N_("Shown because you came to us directly"),
    "source_site": N_("Shown because you came from {site}"),
    "device_mobile": N_("Shown because you are on a phone"),
    "device_tablet": N_("Shown because you are on a tablet"),
    "device_desktop": N_("Shown because you are on a computer"),
    "time_morning": N_("Shown because it is morning where you are"),
    "time_afternoon": N_("Shown because it is afternoon where you are"),
    "time_evening": N_("Shown because it is evening where you are"),
    "time_night": N_("Shown because it is night where you are"),
    "time_hours": N_("Shown because of the time of day where you are"),
    "weather_rain": N_("Shown because it is raining where you are"),
    "weather_sun": N_("Shown because it is sunny where you are"),
    "weather_snow": N_("Shown because it is snowing where you are"),
    "weather_hot": N_("Shown because it is hot where you are"),
    "weather_cold": N_("Shown because it is cold where you are"),
}

#: The codes that rest on the request's context (used only with ``context`` consent).
CONTEXT_CODES = frozenset(code for code in MESSAGES
                          if code.startswith(("source_", "device_", "time_", "weather_")))

# The traits quizzes measure, as the reasons name them (lowercase, inside a sentence).
_TRAITS: Mapping[str, str] = {
    "openness": N_("openness"), "conscientiousness": N_("conscientiousness"),
    "extraversion": N_("extraversion"), "agreeableness": N_("agreeableness"),
    "neuroticism": N_("emotional sensitivity"), "growth_mindset": N_("growth mindset"),
}


class ReasonParams(BaseModel):
    """The values a reason's message names; each code fills only its own."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    segment: str | None = None
    facet: str | None = None
    value: str | None = None
    trait: str | None = None
    share: float | None = None
    site: str | None = None


class ContentReason(BaseModel):
    """One reason: its code and parameters (for machines) and its text (for the shopper)."""

    model_config = ConfigDict(frozen=True)

    code: ReasonCode
    params: ReasonParams = ReasonParams()
    text: str = ""


def word(code: str, params: ReasonParams, *, schema: FacetSchema, language: str) -> str:
    """The reason in ``language``; parameters worded, never raw.

    >>> from prefero.catalog.facets import load_facet_schema
    >>> schema = load_facet_schema()
    >>> word("split", ReasonParams(share=0.5), schema=schema, language="en")
    'Shown to 50% of visitors as part of a test'
    >>> word("declared", ReasonParams(facet="diet", value="vegan"), schema=schema,
    ...      language="en")
    'Shown because you chose Diet: vegan'
    """
    catalogue = translations(language)
    message = catalogue.gettext(MESSAGES[code])
    values: dict[str, str] = {}
    if "{share}" in message:
        values["share"] = format_percent(params.share or 0.0, locale=language)
    if "{value}" in message:
        values["value"] = liked_value(schema, LikedValue(
            facet=params.facet or "", value=params.value or "",
            label=params.value or ""), language)
    if "{trait}" in message:
        values["trait"] = catalogue.gettext(_TRAITS.get(params.trait or "", N_("a trait")))
    if "{segment}" in message:
        values["segment"] = params.segment or ""
    if "{site}" in message:
        values["site"] = params.site or ""
    return message.format(**values)
