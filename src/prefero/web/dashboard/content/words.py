"""The content editor's codes in staff's words (message ids; the pages translate them):
strategies, targeting values and the texts' languages. Every code the content service
accepts has a name here, so a page never shows one as stored."""

from __future__ import annotations

from collections.abc import Mapping

from prefero.i18n.catalogues import N_

__all__ = ["DEVICE_NAMES", "LANGUAGE_LEGENDS", "LANGUAGE_NAMES", "MINDSET_NAMES", "OP_NAMES",
           "PART_NAMES", "SOURCE_NAMES", "STRATEGY_HINTS", "STRATEGY_NAMES", "TRAIT_NAMES",
           "VISITOR_NAMES", "WEATHER_NAMES"]

STRATEGY_NAMES: Mapping[str, str] = {
    "first_match": N_("First match"),
    "best_score": N_("Best score"),
    "split": N_("Split test"),
}
STRATEGY_HINTS: Mapping[str, str] = {
    "first_match": N_("The first variant in order whose targeting fits the visitor."),
    "best_score": N_("Of the variants that fit, the one with the most criteria × weight."),
    "split": N_("Visitors are divided among the variants by their shares; targeting is not "
                "read."),
}
#: Each language by its own name, as the shop's language pickers show it (a translated
#: "English" would read like untranslated text on a Polish page).
LANGUAGE_NAMES: Mapping[str, str] = {"en": "English", "pl": "Polski"}
#: The texts' fieldsets in the variant form.
LANGUAGE_LEGENDS: Mapping[str, str] = {"en": N_("In English"), "pl": N_("In Polish")}
SOURCE_NAMES: Mapping[str, str] = {
    "search": N_("Search engine"),
    "social": N_("Social media"),
    "email": N_("Newsletter or e-mail"),
    "campaign": N_("Other campaign link"),
    "referral": N_("Another website"),
    "direct": N_("Direct visit"),
}
DEVICE_NAMES: Mapping[str, str] = {
    "mobile": N_("Phone"), "tablet": N_("Tablet"), "desktop": N_("Computer"),
}
PART_NAMES: Mapping[str, str] = {
    "morning": N_("Morning (5:00–11:59)"),
    "afternoon": N_("Afternoon (12:00–16:59)"),
    "evening": N_("Evening (17:00–21:59)"),
    "night": N_("Night (22:00–4:59)"),
}
WEATHER_NAMES: Mapping[str, str] = {
    "rain": N_("Rain"), "sun": N_("Sun"), "snow": N_("Snow"), "hot": N_("Hot"),
    "cold": N_("Cold"),
}
VISITOR_NAMES: Mapping[str, str] = {"new": N_("New visitor"),
                                    "returning": N_("Returning visitor")}
MINDSET_NAMES: Mapping[str, str] = {"fixed": N_("Fixed mindset"),
                                    "growth": N_("Growth mindset")}
TRAIT_NAMES: Mapping[str, str] = {
    "openness": N_("Openness"),
    "conscientiousness": N_("Conscientiousness"),
    "extraversion": N_("Extraversion"),
    "agreeableness": N_("Agreeableness"),
    "neuroticism": N_("Emotional sensitivity"),
    "growth_mindset": N_("Growth mindset score"),
}
OP_NAMES: Mapping[str, str] = {
    "gte": N_("at least"), "lte": N_("at most"), "gt": N_("above"), "lt": N_("below"),
}
