"""The preference center's words: every stored value, path, quiz, trait, code and time reads
as its label in the visitor's language, and nothing reads as it is stored."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from factories import add_products, product
from prefero.quizzes.publish import publish_library
from prefero.quizzes.sessions import KeptOut
from prefero.runtime import Runtime
from prefero.web.i18n import translator
from prefero.web.preference_words import Words


@pytest.fixture
def shop(runtime: Runtime) -> Runtime:
    with runtime.session() as s:
        add_products(s, [
            product("p1", category="Groceries > Sweets > Chocolate", brand="Lindt",
                    title="Lindt Excellence 70%", facets={"diet": ["vegan"],
                                                          "sugar_free": True}),
            product("p3", category="Fashion > Shoes", brand="Ecco",
                    facets={"size": ["EU 43", "XL"]}),
            product("p2", category="Cosmetics > Face", brand="CeraVe",
                    facets={"skin_type": ["combination"], "ecosystem": "apple"}),
        ])
        publish_library(s, schema=runtime.facet_schema)
    return runtime


def words_of(runtime: Runtime, language: str, check: Callable[[Words], None]) -> None:
    """Run ``check`` with the words of a page in ``language`` over the shop's catalogue."""
    with runtime.session() as session:
        words = Words(schema=runtime.facet_schema,
                      index=runtime.recommender.snapshot(session)[0],
                      t=translator(language), session=session)
        check(words)


@pytest.mark.parametrize(("language", "expected"), [
    ("en", {"brand": "Lindt", "diet": "Diet: vegan", "sugar": "Sugar-free",
            "skin": "Skin type: combination", "path": "Groceries › Sweets › Chocolate",
            "yes": "Yes", "ecosystem": "Apple"}),
    ("pl", {"brand": "Lindt", "diet": "Dieta: wegańska", "sugar": "Bez cukru",
            "skin": "Typ skóry: mieszana", "path": "Artykuły spożywcze › Słodycze › Czekolada",
            "yes": "Tak", "ecosystem": "Apple"}),
])
def test_stored_values_read_as_their_labels(shop: Runtime, language: str,
                                            expected: dict[str, str]) -> None:
    def check(words: Words) -> None:
        assert words.what("brand", "lindt") == expected["brand"]  # not "lindt"
        assert words.what("diet", "vegan") == expected["diet"]
        assert words.what("sugar_free", "true") == expected["sugar"]
        assert words.what("skin_type", "combination") == expected["skin"]
        assert words.what("category", "Groceries > Sweets > Chocolate") == expected["path"]
        assert words.value("sugar_free", "true") == expected["yes"]
        assert words.value("ecosystem", "apple") == expected["ecosystem"]
    words_of(shop, language, check)


def test_quizzes_traits_codes_and_products_read_in_words(shop: Runtime) -> None:
    def check(words: Words) -> None:
        assert words.quiz("grocery-setup") == "Ustaw swoje zakupy spożywcze"
        assert words.quiz("gone") is None
        assert words.source("quiz:grocery-setup@1") == "quiz „Ustaw swoje zakupy spożywcze”"
        assert words.source("quiz:gone@3") == "quiz, którego sklep już nie oferuje"
        assert words.source("demo") == "sklep"  # a source the page has no name for
        assert words.trait("extraversion") == "Ekstrawersja"
        assert words.status("active") == "w toku" and words.decision("rejected") == "odrzucona"
        assert words.event("rec_dismiss") == "„Nie dla mnie”"
        assert words.event("something_new") == "Inna aktywność"
        assert words.product("p1") == "Lindt Excellence 70%"
        assert words.product("p-gone") == "Produkt, którego nie ma już w sklepie"
        assert words.number(0.7512) == "0,75" and words.share(0.125) == "12%"
        assert words.moment(datetime(2026, 11, 20, 12, 5, tzinfo=UTC)) == "20 lis 2026, 12:05"
    words_of(shop, "pl", check)


def test_quiz_answers_kept_out_of_the_profile_read_as_labels(shop: Runtime) -> None:
    kept = [KeptOut(kind="like", facet="diet", value="vegan", source="declared", reason=""),
            KeptOut(kind="never", facet="brand", value="lindt", source="declared", reason=""),
            KeptOut(kind="size", facet="Groceries > Sweets", value="M", source="declared",
                    reason=""),
            KeptOut(kind="budget", facet="price", value="10-50", source="declared",
                    reason="")]

    def check(words: Words) -> None:
        assert [words.kept(k) for k in kept] == [
            "Dieta: wegańska", "nigdy Lindt",
            "rozmiary w kategorii Artykuły spożywcze › Słodycze: M", "Budżet"]
    words_of(shop, "pl", check)


def test_sizes_read_as_the_catalogue_writes_them(shop: Runtime) -> None:
    """Sizes are stored case-folded; the page shows the catalogue's form, and capitalises
    the size codes of one no product carries."""
    def check(words: Words) -> None:
        assert words.sizes(["eu 43", "xl"]) == "EU 43, XL"  # as product p3 writes them
        assert words.sizes(["eu 44", "m", "one size"]) == "EU 44, M, one size"
    words_of(shop, "en", check)
