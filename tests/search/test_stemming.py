"""A word's keys: its stems in the shop's languages and its letters without diacritics;
the catalogue read in its own languages only."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from prefero.search.stemming import Stems, catalogue_languages, fold

STEMS = Stems(("en", "pl"))


def forms(a: str, b: str, stems: Stems = STEMS) -> bool:
    return bool(stems.keys(a) & stems.keys(b))


def test_english_plurals_are_forms_of_one_word() -> None:
    for plural, singular in (("shoes", "shoe"), ("dresses", "dress"), ("batteries", "battery"),
                             ("laptops", "laptop")):
        assert forms(plural, singular), (plural, singular)


def test_polish_inflections_are_forms_of_their_base() -> None:
    for inflected, base in (("chleba", "chleb"), ("butów", "buty"), ("czekoladę", "czekolada"),
                            ("makaronu", "makaron"), ("masła", "masło")):
        assert forms(inflected, base), (inflected, base)


def test_a_word_typed_without_diacritics_meets_the_one_with_them() -> None:
    assert fold("Żółć".casefold()) == "zolc"
    assert forms("maslo", "masło") and forms("masla", "masło") and forms("lowicz", "łowicz")


def test_an_english_catalogue_is_not_read_with_polish_rules() -> None:
    english = Stems(catalogue_languages(["tuna", "tune", "data", "date", "łowicz"] + [
        f"word{i}" for i in range(40)]))
    assert english.languages == ("en",)
    # Polish rules would make these one word; an English catalogue keeps them apart.
    assert forms("tuna", "tune") and not forms("tuna", "tune", english)
    assert not forms("data", "date", english)


def test_a_polish_catalogue_is_read_in_both_languages() -> None:
    assert catalogue_languages(["chleb", "żytni", "masło", "świeże", "bread"]) == ("en", "pl")


@given(st.text(min_size=1, max_size=20))
def test_every_word_is_a_form_of_itself(word: str) -> None:
    assert STEMS.keys(word) & STEMS.keys(word)
