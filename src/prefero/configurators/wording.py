"""The configurator's own sentences (a broken rule, why an option is unavailable, why a
default was chosen) in every language the shop speaks. Message ids are English and live in
the gettext catalogue; the option and group names filled in come from the definition's own
labels in the same language, so a Polish page reads no English."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal

from prefero.configurators.definition import Configurator, Labels
from prefero.i18n.catalogues import N_, translations
from prefero.i18n.formats import money

__all__ = ["MESSAGES", "SHOP_LANGUAGES", "Value", "labels", "option_names", "price_text"]

SHOP_LANGUAGES = ("en", "pl")

MESSAGES: Mapping[str, str] = {
    # Problems with a configuration.
    "missing": N_("{group}: choose one option"),
    "missing_multiple": N_("{group}: choose at least one option"),
    "unknown_group": N_("This product has no choice called “{value}”"),
    "unknown_option": N_("{group}: there is no option “{value}”"),
    "not_a_choice": N_("{group}: a choice names one of the options"),
    "single_choice": N_("{group}: choose only one option"),
    "out_of_stock": N_("Out of stock: {option}"),
    "requires": N_("{option} needs {needs}"),
    "excludes": N_("{option} cannot be combined with {other}"),
    # Why an option cannot be chosen now.
    "why_out_of_stock": N_("Out of stock right now"),
    "why_needs_blocked": N_("Needs {needs}, but you chose {because}"),
    "why_needs_out_of_stock": N_("Needs {needs}, which is out of stock"),
    "why_needed_by": N_("Your choice {because} needs {needs}"),
    "why_excludes": N_("Cannot be combined with your choice {because}"),
    # Why a default was pre-selected (prefero.configurators.defaults).
    "shop_default": N_("The shop's usual choice"),
    "within_budget": N_("The best choice that keeps the total within your budget of "
                        "{budget}"),
    "cheapest_over_budget": N_("Nothing fits your budget of {budget}, so we chose the "
                               "cheapest option that works"),
    "cheapest": N_("The cheapest option that works with your other choices"),
    "not_technical": N_("Recommended as the simple choice: you told us you prefer not to "
                        "deal with technical details"),
    "brand_never": N_("Not pre-selected: you said you never want {brand}"),
    "consent_off": N_("Your saved preferences are not used here because personalization "
                      "is switched off; these are the shop's usual choices"),
}


def _joined(names: Sequence[str], language: str, *, word: str) -> str:
    say = translations(language).gettext
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {say(word)} {names[-1]}"


# The joining words, marked for the catalogue.
_OR = N_("or")
_AND = N_("and")


def option_names(definition: Configurator, refs: Sequence[str], language: str, *,
                 joiner: str = "or") -> str:
    """The options ``refs`` names, as a shopper reads them ("A, B or C").

    >>> from prefero.configurators.loader import load_configurators_file
    >>> laptop = load_configurators_file().get("cfg-laptop-14")
    >>> option_names(laptop, ["power.w180", "power.w240"], "pl")
    'Zasilacz 180 W lub Zasilacz 240 W'
    """
    names = []
    for ref in refs:
        option = definition.option(ref)
        names.append(option.label.text(language) if option is not None else ref)
    return _joined(names, language, word=_OR if joiner == "or" else _AND)


#: A placeholder's value: the same text in every language, a definition's labels, or a
#: function of the language.
Value = str | Labels | Callable[[str], str]


def _in(value: Value, language: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Labels):
        return value.text(language)
    return value(language)


def labels(code: str, *, values: Mapping[str, Value] | None = None,
           override: Labels | None = None) -> Labels:
    """The message ``code`` in every shop language, its placeholders filled from
    ``values`` in that language. ``override`` (the shop's own wording) wins.

    >>> labels("why_out_of_stock")
    Labels(en='Out of stock right now', pl='Chwilowo brak w magazynie')
    """
    if override is not None:
        return override
    texts = {}
    for language in SHOP_LANGUAGES:
        message = translations(language).gettext(MESSAGES[code])
        texts[language] = message.format(**{key: _in(value, language)
                                            for key, value in (values or {}).items()})
    return Labels(**texts)


def price_text(amount: Decimal, currency: str, language: str) -> str:
    """A price as the shopper's language writes it (never ``1e+06``).

    >>> price_text(Decimal("1000000"), "PLN", "en")
    'PLN\\xa01,000,000.00'
    """
    return money(amount, currency, language)
