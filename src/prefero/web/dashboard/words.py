"""The codes the dashboard shows, in staff's words (message ids; the pages translate them).
A code these tables do not know yet is shown by a generic word, never as stored."""

from __future__ import annotations

from prefero.i18n.catalogues import N_

__all__ = [
    "AVAILABILITY_NAMES",
    "DASHBOARD",
    "DECLARATION_NAMES",
    "LEVEL_NAMES",
    "OTHER_AVAILABILITY",
    "PURPOSE_NAMES",
]

DASHBOARD = N_("Dashboard")
PURPOSE_NAMES: dict[str, str] = {
    "tracking": N_("Behavioural tracking"),
    "personalization": N_("Personalization by declared preferences"),
    "context": N_("Contextual signals"),
    "marketing_email": N_("Marketing e-mails"),
    "marketing_push": N_("Push notifications"),
    "marketing_inbox": N_("Messages in the account's inbox"),
    "marketing_webhook": N_("Messages through the shop's sender"),
    "fit": N_("Measurements for fit"),
}
LEVEL_NAMES: dict[str, str] = {
    "off": N_("Off (editorial only)"),
    "declared": N_("Declared only"),
    "balanced": N_("Balanced"),
    "full": N_("Full"),
}
AVAILABILITY_NAMES: dict[str, str] = {
    "in_stock": N_("In stock"),
    "preorder": N_("Pre-order"),
    "backorder": N_("Back-order"),
    "out_of_stock": N_("Out of stock"),
}
OTHER_AVAILABILITY = N_("Other availability")
DECLARATION_NAMES: dict[str, str] = {
    "like": N_("Likes"),
    "dislike": N_("Dislikes"),
    "never": N_("Never"),
    "must": N_("Must"),
}
