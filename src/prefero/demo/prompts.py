"""The demo shop's on-site prompts: a reminder when a shopper leaves with items in the cart,
and an offer of help after a long look at one page, each with its content slot (English and
Polish texts). They say only what is true of every shopper they reach: the cart keeps its
items; the quizzes narrow the shop down."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from prefero.catalog.facets import FacetSchema
from prefero.catalog.revisions import current
from prefero.content.models import ContentSlot
from prefero.content.schemas import SlotIn
from prefero.content.slots import create_slot
from prefero.prompts.definitions import PROMPTS, create_prompt
from prefero.prompts.schemas import PromptIn

__all__ = ["DEMO_PROMPTS", "DEMO_PROMPT_SLOTS", "seed_prompts"]


def _texts(en: tuple[str, str, str], pl: tuple[str, str, str], link: str) -> dict[str, Any]:
    return {"en": {"title": en[0], "body": en[1], "link": link, "link_text": en[2]},
            "pl": {"title": pl[0], "body": pl[1], "link": link, "link_text": pl[2]}}


DEMO_PROMPT_SLOTS: tuple[dict[str, Any], ...] = (
    {"key": "prompt-cart-exit", "name": "Prompt: leaving with a full cart",
     "fallback": "everyone", "variants": [
         {"key": "everyone", "texts": _texts(
             ("Leaving already?", "Your cart keeps your items for when you come back.",
              "See your cart"),
             ("Już wychodzisz?", "Koszyk zachowa Twoje produkty do następnej wizyty.",
              "Zobacz koszyk"), "/cart")}]},
    {"key": "prompt-dwell", "name": "Prompt: a long look at one page",
     "fallback": "everyone", "variants": [
         {"key": "everyone", "texts": _texts(
             ("Need a hand choosing?", "A two-minute quiz narrows the shop down to a few "
              "picks that fit what you tell us.", "Take a quiz"),
             ("Pomóc w wyborze?", "Dwuminutowy quiz zawęzi ofertę do kilku propozycji "
              "zgodnych z tym, co nam powiesz.", "Rozwiąż quiz"), "/quizzes")}]},
)

DEMO_PROMPTS: tuple[dict[str, Any], ...] = (
    {"key": "cart-exit", "name": "Leaving with a full cart", "trigger": "cart_exit",
     "threshold": 1, "slot": "prompt-cart-exit"},
    {"key": "dwell-help", "name": "A long look at one page", "trigger": "dwell",
     "threshold": 45, "slot": "prompt-dwell", "priority": 10},
)


def seed_prompts(session: Session, *, schema: FacetSchema) -> int:
    """Store the demo's prompts (and their slots) when the shop's prompts were never written;
    answer how many prompts were stored.

    >>> # seed_prompts(session, schema=schema) -> 2
    """
    if current(session, PROMPTS):
        return 0
    for slot in DEMO_PROMPT_SLOTS:
        if session.scalars(select(ContentSlot.id).where(ContentSlot.key == slot["key"])
                           ).first() is None:
            create_slot(session, SlotIn.model_validate(slot), schema=schema)
    for prompt in DEMO_PROMPTS:
        create_prompt(session, PromptIn.model_validate(prompt))
    return len(DEMO_PROMPTS)
