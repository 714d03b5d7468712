"""What a recommendation statistic is keyed by, and how staff read each key: the placement
it was shown on and its leading reason code, both as words in the staff member's language.

A reason's shopper message names its evidence ("Often bought with Trail Runner 2"); a
statistic sums over many items, so each code gets a name of its own here ("Bought
together"), never the raw code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import get_args

from prefero.i18n.catalogues import N_, translations
from prefero.recommend.query import Reason
from prefero.types import Placement

__all__ = ["OTHER_PLACEMENT", "PLACEMENTS", "UNKNOWN_REASON", "is_reason_code",
           "leading_reason", "placement_label", "placement_of", "reason_label"]

#: The placements Prefero serves, in the order a page lists them.
PLACEMENTS: tuple[str, ...] = get_args(Placement)
#: A click that named a placement Prefero does not serve (the shop's own wording).
OTHER_PLACEMENT = "other"
#: A click that did not say which reason its item was shown for, or an item without one.
UNKNOWN_REASON = "unknown"

_PLACEMENT_LABELS: Mapping[str, str] = {
    "home": N_("Home page"),
    "product": N_("Product page"),
    "cart": N_("Cart"),
    "checkout": N_("Checkout"),
    "search": N_("Search results"),
    OTHER_PLACEMENT: N_("Other places"),
}

_REASON_LABELS: Mapping[str, str] = {
    "featured": N_("Featured by the shop"),
    "exploration": N_("Something different"),
    "search_match": N_("Matches the search"),
    "declared_like": N_("Declared preferences"),
    "declared_peers": N_("Shoppers with the same preferences"),
    "session_context": N_("Goes with the product being viewed"),
    "co_purchase": N_("Bought together"),
    "follows": N_("Often chosen next"),
    "co_view": N_("Viewed before"),
    "behaviour_affinity": N_("Often browsed category"),
    "complement": N_("Complements the product"),
    "also_chosen": N_("Also chosen by other shoppers"),
    "similar": N_("Similar product"),
    "trending": N_("Trending"),
    "new_arrival": N_("New arrival"),
    "popular": N_("Popular in its category"),
    "editorial": N_("The shop's own order"),
    "within_budget": N_("Within the budget"),
    UNKNOWN_REASON: N_("Reason not reported"),
}
# A code this table does not name yet (a newer reason): still shown, as what it is.
_OTHER_REASON = N_("Other reason")


def is_reason_code(code: str) -> bool:
    """Whether ``code`` is a reason Prefero gives (one the shopper-facing wording knows).
    Read when asked, so that a reason added to the wording is accepted from then on.

    >>> is_reason_code("co_purchase"), is_reason_code("because")
    (True, False)
    """
    from prefero.recommend.wording import MESSAGES

    return code in MESSAGES


def leading_reason(reasons: Sequence[Reason]) -> str:
    """The code an item is counted under: its first reason, the one a card shows.

    >>> leading_reason([]) == UNKNOWN_REASON
    True
    """
    return reasons[0].code if reasons else UNKNOWN_REASON


def placement_of(placement: str | None) -> str:
    """The placement a click is counted under: one Prefero serves, else ``other``; a
    client's free text never becomes a key of its own (that would grow without bound).

    >>> placement_of("cart"), placement_of("sidebar"), placement_of(None)
    ('cart', 'other', 'other')
    """
    return placement if placement in PLACEMENTS else OTHER_PLACEMENT


def placement_label(placement: str, language: str) -> str:
    """``placement`` in words.

    >>> placement_label("product", "en"), placement_label("sidebar", "en")
    ('Product page', 'Other places')
    """
    message = _PLACEMENT_LABELS.get(placement, _PLACEMENT_LABELS[OTHER_PLACEMENT])
    return translations(language).gettext(message)


def reason_label(reason: str, language: str) -> str:
    """A reason code in words, as a statistic names it.

    >>> reason_label("co_purchase", "en"), reason_label("made_up", "en")
    ('Bought together', 'Other reason')
    """
    return translations(language).gettext(_REASON_LABELS.get(reason, _OTHER_REASON))
