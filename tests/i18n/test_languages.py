"""Choosing the shopper's language from Accept-Language."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from prefero.i18n.languages import LANGUAGES, negotiate


def test_q_values_rank_the_languages_not_their_order() -> None:
    assert negotiate("pl;q=0.1, en") == "en"
    assert negotiate("en;q=0.2, pl;q=0.9") == "pl"
    assert negotiate("pl-PL,pl;q=0.9,en-US;q=0.8,en;q=0.7") == "pl"


def test_equal_q_values_keep_the_header_order() -> None:
    assert negotiate("pl, en") == "pl"
    assert negotiate("en, pl") == "en"


def test_q_zero_refuses_a_language_and_english_is_the_fallback() -> None:
    assert negotiate("pl;q=0") == "en"
    assert negotiate("de, fr;q=0.5") == "en"
    assert negotiate(None) == "en"
    assert negotiate("") == "en"


@given(st.text(max_size=200))
def test_any_header_gives_a_supported_language(header: str) -> None:
    assert negotiate(header) in LANGUAGES
