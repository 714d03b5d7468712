"""Size advice and measurement names in the shopper's language (gettext catalogue; English
msgids, Polish in ``locales/pl``), numbers as the language writes them ("25,5" in Polish)."""

from __future__ import annotations

from prefero.fit.advice import SizeAdvice
from prefero.fit.export import FitExport
from prefero.fit.measurements import MEASURES
from prefero.i18n.catalogues import N_, translations
from prefero.i18n.formats import number

__all__ = ["FIT_NAMES", "MEASURE_NAMES", "advice_text", "feedback_text", "fit_facts",
           "measure_name", "your_size_text"]

#: Each measurement's name as a label (forms, the data view).
MEASURE_NAMES: dict[str, str] = {
    "chest": N_("Chest"), "waist": N_("Waist"), "hips": N_("Hips"), "height": N_("Height"),
    "inseam": N_("Inside leg"), "foot_length": N_("Foot length"),
}
# The same inside a sentence ("your chest 98 cm").
_IN_SENTENCE: dict[str, str] = {
    "chest": N_("chest"), "waist": N_("waist"), "hips": N_("hips"), "height": N_("height"),
    "inseam": N_("inside leg"), "foot_length": N_("foot length"),
}
FIT_NAMES: dict[str, str] = {
    "slim": N_("Slim"), "regular": N_("Regular"), "relaxed": N_("Relaxed"),
}
_TEXTS = {
    "size_in_range": N_("Size {size}: your {measure} {value} cm is in {size}'s "
                        "{low}–{high} cm"),
    "size_relaxed_fit": N_("Size {size}: your {measure} {value} cm is at the top of "
                           "{between}'s {low}–{high} cm and you like a relaxed fit, so one "
                           "size up"),
    "size_slim_fit": N_("Size {size}: your {measure} {value} cm is at the bottom of "
                        "{between}'s {low}–{high} cm and you like a slim fit, so one size "
                        "down"),
    "size_after_return:up": N_("Size {size}, one size up: you returned {returned} as too "
                               "small"),
    "size_after_return:down": N_("Size {size}, one size down: you returned {returned} as "
                                 "too large"),
}
# A return that said how a size fitted, as "What we know about you" lists it.
_FEEDBACK: dict[str, str] = {
    "too_small": N_("You sent back {product} in size {size} as too small"),
    "too_large": N_("You sent back {product} in size {size} as too large"),
    "other": N_("You sent back {product} in size {size}"),
}


def measure_name(measure: str, language: str) -> str:
    """A measurement's label ("Klatka piersiowa" in Polish)."""
    return translations(language).gettext(MEASURE_NAMES.get(measure, measure))


def advice_text(advice: SizeAdvice, language: str) -> str:
    """The advice's reason as a sentence.

    >>> from prefero.fit.advice import SizeAdvice
    >>> advice_text(SizeAdvice("tops", "M", "size_in_range", {"measure": "chest",
    ...     "value": 98.0, "low": 96.0, "high": 104.0}), "en")
    "Size M: your chest 98 cm is in M's 96–104 cm"
    """
    catalogue = translations(language)
    params = dict(advice.params)
    key = str(advice.code)
    if advice.code == "size_after_return":
        key = f"{key}:{params.get('direction', 'up')}"
    values: dict[str, str] = {"size": advice.size}
    for name, value in params.items():
        if name == "measure":
            values[name] = catalogue.gettext(_IN_SENTENCE.get(str(value), str(value)))
        elif isinstance(value, float | int):
            values[name] = number(value, language)
        else:
            values[name] = str(value)
    return catalogue.gettext(_TEXTS[key]).format(**values)


def your_size_text(size: str, language: str) -> str:
    """What a product card says: "Your size: M"."""
    return translations(language).gettext(N_("Your size: {size}")).format(size=size)


def fit_facts(export: FitExport, language: str) -> list[tuple[str, str]]:
    """The measurements held, each with its unit, then the fit liked, as (label, value)
    pairs in the shopper's language; a measurement not held is left out.

    >>> fit_facts(FitExport(chest=98.5, fit="slim"), "pl")
    [('Klatka piersiowa', '98,5 cm'), ('Krój', 'Dopasowany')]
    """
    catalogue = translations(language)
    facts = [(catalogue.gettext(MEASURE_NAMES[name]),
              catalogue.gettext(N_("{value} cm")).format(value=number(value, language)))
             for name in MEASURES if (value := getattr(export, name)) is not None]
    if export.fit is not None and export.fit in FIT_NAMES:
        facts.append((catalogue.gettext(N_("Fit")), catalogue.gettext(FIT_NAMES[export.fit])))
    return facts


def feedback_text(*, product: str, size: str, reason: str, language: str) -> str:
    """One fit feedback from a return as a sentence; ``product`` is the product's title.

    >>> feedback_text(product="Plain tee", size="M", reason="too_small", language="en")
    'You sent back Plain tee in size M as too small'
    """
    template = _FEEDBACK.get(reason, _FEEDBACK["other"])
    return translations(language).gettext(template).format(product=product, size=size)
