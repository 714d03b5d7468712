"""The demo shop's content slots: a home page hero that changes with the time of day, the
weather, a newsletter visit and a declared vegan diet (context only with consent), and a
block that greets new visitors differently from returning ones — in English and Polish, as
a shop would write them."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from prefero.catalog.facets import FacetSchema
from prefero.catalog.revisions import current
from prefero.content.schemas import SlotIn
from prefero.content.slots import CONTENT, create_slot

__all__ = ["DEMO_SLOTS", "seed_content"]


def _variant(key: str, targeting: dict[str, Any], en: tuple[str, str, str],
             pl: tuple[str, str, str], link: str) -> dict[str, Any]:
    return {"key": key, "targeting": targeting, "texts": {
        "en": {"title": en[0], "body": en[1], "link": link, "link_text": en[2]},
        "pl": {"title": pl[0], "body": pl[1], "link": link, "link_text": pl[2]}}}


DEMO_SLOTS: tuple[dict[str, Any], ...] = (
    {"key": "home-hero", "name": "Home page hero", "strategy": "first_match",
     "fallback": "everyone", "variants": [
         _variant("newsletter", {"source": {"kind": ["email"]}},
                  ("Thanks for reading our newsletter",
                   "This week's picks from the letter are waiting below.", "See the picks"),
                  ("Dziękujemy za lekturę newslettera",
                   "Propozycje z tego tygodnia czekają poniżej.", "Zobacz propozycje"),
                  "/search?q=new"),
         _variant("rainy", {"weather": ["rain"]},
                  ("Rainy day? Stay in and shop",
                   "Warm drinks, cosy reads and everything for a day indoors.",
                   "Browse groceries"),
                  ("Deszczowy dzień? Zostań w domu i zrób zakupy",
                   "Ciepłe napoje i wszystko na dzień w domu.", "Przeglądaj spożywcze"),
                  "/c/Groceries"),
         _variant("vegan", {"declared": [{"facet": "diet", "value": "vegan"}]},
                  ("New in our vegan range", "Plant-based favourites, picked for your diet.",
                   "Shop vegan"),
                  ("Nowości w ofercie wegańskiej", "Roślinne ulubione produkty dla Twojej "
                   "diety.", "Kup wegańskie"),
                  "/c/Groceries"),
         _variant("evening", {"time_of_day": ["evening", "night"]},
                  ("Evening calm", "Wind down with something good from our shelves.",
                   "Find something"),
                  ("Wieczorny spokój", "Odpocznij z czymś dobrym z naszych półek.",
                   "Znajdź coś"),
                  "/search?q=tea"),
         _variant("everyone", {},
                  ("Shop the way you want",
                   "Tell us what you like and what to leave out: every product follows your "
                   "wishes.", "Set your preferences"),
                  ("Zakupy na Twoich zasadach",
                   "Powiedz nam, co lubisz, a czego unikać: każdy produkt się do tego "
                   "dostosuje.", "Ustaw preferencje"),
                  "/preferences"),
     ]},
    {"key": "home-welcome", "name": "New or returning visitor", "strategy": "first_match",
     "variants": [
         _variant("new", {"visitor": "new"},
                  ("New here? Take a two-minute quiz",
                   "Answer a few questions and we will pick products for you.",
                   "Start the quiz"),
                  ("Pierwszy raz u nas? Rozwiąż dwuminutowy quiz",
                   "Odpowiedz na kilka pytań, a dobierzemy produkty dla Ciebie.",
                   "Rozpocznij quiz"),
                  "/quizzes"),
         _variant("returning", {"visitor": "returning"},
                  ("Welcome back", "Your cart and your wishes are as you left them.",
                   "Go to your cart"),
                  ("Witamy ponownie", "Twój koszyk i Twoje preferencje czekają bez zmian.",
                   "Przejdź do koszyka"),
                  "/cart"),
     ]},
)


def seed_content(session: Session, *, schema: FacetSchema) -> int:
    """Store the demo's slots when the shop's slots were never written (a shop that has
    written or deleted its own keeps them so); answer how many were stored.

    >>> # seed_content(session, schema=schema) -> 2
    """
    if current(session, CONTENT):
        return 0
    for slot in DEMO_SLOTS:
        create_slot(session, SlotIn.model_validate(slot), schema=schema)
    return len(DEMO_SLOTS)
