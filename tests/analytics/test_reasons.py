"""Every reason a shopper can be shown has a name of its own on the statistics page."""

from __future__ import annotations

from prefero.analytics.reasons import reason_label
from prefero.recommend.wording import MESSAGES


def test_every_reason_code_the_wording_knows_has_a_statistics_label() -> None:
    unnamed = [code for code in MESSAGES
               if reason_label(code, "en") == reason_label("no such reason", "en")]
    assert unnamed == []


def test_the_shops_featuring_is_named_in_both_languages() -> None:
    assert reason_label("featured", "en") == "Featured by the shop"
    assert reason_label("featured", "pl") == "Wyróżnione przez sklep"
