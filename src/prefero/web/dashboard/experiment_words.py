"""The experiments' codes in staff's words (message ids; the pages translate them): kinds,
statuses, metrics, the arms' settings and the verdicts. A code these tables do not know yet
is shown by a generic word, never as stored."""

from __future__ import annotations

from prefero.i18n.catalogues import N_

__all__ = [
    "EXPLORATION_NAMES",
    "KIND_HINTS",
    "KIND_NAMES",
    "METRIC_HINTS",
    "METRIC_NAMES",
    "OTHER",
    "SEND_NAMES",
    "STATUS_NAMES",
]

OTHER = N_("Other")
KIND_NAMES: dict[str, str] = {
    "recommendations": N_("Recommendations"),
    "content": N_("Content slot"),
    "messages": N_("Messages"),
    "holdout": N_("Holdout"),
}
KIND_HINTS: dict[str, str] = {
    "recommendations": N_("Arms serve recommendations differently: the default "
                          "personalization level, the model, diversity, merchandising rules "
                          "or exploration."),
    "content": N_("Arms show different variants of one content slot."),
    "messages": N_("Arms send a trigger's messages or hold them back."),
    "holdout": N_("A long-term group that sees no personalization and takes part in no other "
                  "experiment, compared with everyone else."),
}
STATUS_NAMES: dict[str, str] = {
    "draft": N_("Draft"),
    "running": N_("Running"),
    "stopped": N_("Stopped"),
}
METRIC_NAMES: dict[str, str] = {
    "click_through": N_("Click-through"),
    "add_to_cart_rate": N_("Add-to-cart rate"),
    "conversion": N_("Conversion"),
    "revenue_per_visitor": N_("Revenue per visitor"),
    "average_order_value": N_("Average order value"),
    "not_for_me_rate": N_("“Not for me” rate"),
}
METRIC_HINTS: dict[str, str] = {
    "click_through": N_("Share of shoppers who clicked a recommendation at least once."),
    "add_to_cart_rate": N_("Share of shoppers who added something to the cart."),
    "conversion": N_("Share of shoppers who bought something."),
    "revenue_per_visitor": N_("What a shopper spent, refunds taken off, on average."),
    "average_order_value": N_("What an order was worth, on average."),
    "not_for_me_rate": N_("Share of shoppers who dismissed a recommendation as “not for "
                          "me” (lower is better)."),
}
EXPLORATION_NAMES: dict[str, str] = {
    "": N_("As the shop is"),
    "on": N_("Keep an exploration slot"),
    "off": N_("No exploration slot"),
}
SEND_NAMES: dict[str, str] = {
    "send": N_("Send the messages"),
    "hold": N_("Hold the messages back"),
}
