"""Prompts explained in the shopper's language: why one fired (a code per trigger, with its
typed parameters), the caps in force, and why none was shown. Every sentence is a catalogue
message with placeholders, never English turned into Polish afterwards."""

from __future__ import annotations

from collections.abc import Mapping

from prefero.i18n.catalogues import N_, translations
from prefero.prompts.schemas import NoneReason, PromptReasonParams

__all__ = ["NONE_MESSAGES", "caps_text", "none_text", "reason_text"]

NONE_MESSAGES: Mapping[NoneReason, str] = {
    "switched_off": N_("You switched these suggestions off."),
    "no_consent": N_("Not shown: it would use something you have not allowed."),
    "no_matching_prompt": N_("No suggestion fits this moment."),
    "dismissed": N_("You asked not to see this suggestion again."),
    "cap_reached": N_("You have seen as many suggestions as you allow for one visit."),
    "too_soon": N_("The last suggestion was too recent for your settings."),
}

_SPENT_A_WHILE = N_("Shown because you spent a while on this page")
_READ_FAR = N_("Shown because you read far down this page")
_SEARCHED = N_("Shown because you searched for “{query}” last time")
_OFF = N_("You have switched these suggestions off.")
_NONE_A_VISIT = N_("You allow no suggestions like this.")


def reason_text(code: str, params: PromptReasonParams, *, language: str) -> str:
    """The reason in ``language``.

    >>> reason_text("cart_exit", PromptReasonParams(items=3), language="en")
    'Shown because you are leaving with 3 items in your cart'
    >>> reason_text("return_after_search", PromptReasonParams(query="boots"), language="en")
    'Shown because you searched for “boots” last time'
    """
    catalogue = translations(language)
    if code == "cart_exit":
        items = params.items or 0
        return catalogue.ngettext(
            "Shown because you are leaving with {n} item in your cart",
            "Shown because you are leaving with {n} items in your cart", items
        ).format(n=items)
    if code == "dwell":
        return catalogue.gettext(_SPENT_A_WHILE)
    if code == "scroll":
        return catalogue.gettext(_READ_FAR)
    return catalogue.gettext(_SEARCHED).format(query=params.query or "")


def caps_text(*, per_visit: int, gap_minutes: int, off: bool, language: str) -> str:
    """The caps in words.

    >>> caps_text(per_visit=1, gap_minutes=30, off=False, language="en")
    'At most 1 suggestion like this per visit. At least 30 minutes between two of them.'
    >>> caps_text(per_visit=2, gap_minutes=0, off=True, language="en")
    'You have switched these suggestions off.'
    """
    catalogue = translations(language)
    if off:
        return catalogue.gettext(_OFF)
    if per_visit == 0:
        return catalogue.gettext(_NONE_A_VISIT)
    words = catalogue.ngettext("At most {n} suggestion like this per visit.",
                               "At most {n} suggestions like this per visit.",
                               per_visit).format(n=per_visit)
    if gap_minutes > 0:
        words += " " + catalogue.ngettext("At least {n} minute between two of them.",
                                          "At least {n} minutes between two of them.",
                                          gap_minutes).format(n=gap_minutes)
    return words


def none_text(reason: NoneReason, *, language: str) -> str:
    """Why no prompt was shown, in words.

    >>> none_text("dismissed", language="en")
    'You asked not to see this suggestion again.'
    """
    return translations(language).gettext(NONE_MESSAGES[reason])
