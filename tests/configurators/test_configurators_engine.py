"""The configurator engine on the demo laptop and a small desk: known answers for problems,
unavailable options with why, the price (rounded once) and the delivery estimate."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from prefero.configurators.definition import Configurator
from prefero.configurators.engine import evaluate
from prefero.configurators.loader import load_configurators_file

TODAY = date(2026, 12, 7)
SHOP_DEFAULTS = {"processor": "core-i5", "memory": "ram-16", "storage": "ssd-512",
                 "graphics": "integrated", "power": "w100", "case": "aluminium",
                 "colour": "silver"}


@pytest.fixture(scope="module")
def laptop() -> Configurator:
    found = load_configurators_file().get("cfg-laptop-14")
    assert found is not None
    return found


def test_the_shop_defaults_are_valid_with_a_known_price_and_delivery(laptop: Configurator
                                                                     ) -> None:
    result = evaluate(laptop, SHOP_DEFAULTS, today=TODAY)
    assert result.valid and result.problems == ()
    assert result.price == Decimal("4349.00")  # 3999 + 350 for the aluminium case
    assert (result.delivery.days, result.delivery.earliest, result.delivery.latest) == (
        5, date(2026, 12, 12), date(2026, 12, 14))


def test_the_slowest_option_sets_the_delivery_and_extras_add_up(laptop: Configurator) -> None:
    choices = {**SHOP_DEFAULTS, "graphics": "rtx-4070", "power": "w240", "memory": "ram-64",
               "engraving": "laser", "extras": ["sleeve", "warranty", "sleeve"]}
    result = evaluate(laptop, choices, today=TODAY)
    assert result.valid, result.problems
    # The RTX 4070's 7 days, not 7 + 3 + 2.
    assert result.delivery.days == 5 + 7
    assert result.price == Decimal("3999") + sum(map(Decimal, (
        "350", "2900", "290", "1400", "129", "149", "499")))
    assert result.choices["extras"] == ["sleeve", "warranty"]


def test_a_broken_requires_rule_names_both_sides_at_the_group(laptop: Configurator) -> None:
    result = evaluate(laptop, {**SHOP_DEFAULTS, "graphics": "rtx-4070"}, today=TODAY)
    assert not result.valid
    [problem] = result.problems
    assert (problem.code, problem.loc, problem.rule, problem.option, problem.others) == (
        "requires", ("choices", "graphics"), "rtx4070-power", "rtx-4070", ("power.w100",))
    assert "240" in problem.message.en and "240" in problem.message.pl


def test_unavailable_options_say_which_choice_rules_them_out(laptop: Configurator) -> None:
    result = evaluate(laptop, {**SHOP_DEFAULTS, "case": "plastic"}, today=TODAY)
    [why] = result.unavailable_reasons("engraving", "laser")
    assert (why.code, why.rule, why.because) == ("excludes", "engraving-aluminium",
                                                 ("case.plastic",))
    assert why.message.pl == "Grawer jest możliwy tylko na obudowie aluminiowej"
    # The 100 W adapter chosen: each graphics card that needs more says so.
    [gpu] = result.unavailable_reasons("graphics", "rtx-4060")
    assert (gpu.code, gpu.because, gpu.needs) == ("requires", ("power.w100",),
                                                  ("power.w180", "power.w240"))
    assert gpu.message.en == ("Needs 180 W adapter or 240 W adapter, but you chose "
                              "100 W USB-C adapter")
    assert gpu.message.pl == ("Wymaga: Zasilacz 180 W lub Zasilacz 240 W, a wybrano: "
                              "Zasilacz USB-C 100 W")
    # Choosing the card first rules out the adapters it cannot run on, naming the card.
    chosen = evaluate(laptop, {**SHOP_DEFAULTS, "graphics": "rtx-4060", "power": "w180"})
    [adapter] = chosen.unavailable_reasons("power", "w100")
    assert adapter.because == ("graphics.rtx-4060",)
    assert chosen.unavailable_reasons("power", "w240") == ()


def test_stock_makes_options_unavailable_and_configurations_invalid(laptop: Configurator
                                                                    ) -> None:
    stock = {("storage", "ssd-2tb"): 0}
    result = evaluate(laptop, {**SHOP_DEFAULTS, "storage": "ssd-2tb"}, stock=stock)
    assert [(p.code, p.loc) for p in result.problems] == [
        ("out_of_stock", ("choices", "storage"))]
    assert [w.code for w in result.unavailable_reasons("storage", "ssd-2tb")] == [
        "out_of_stock"]
    assert evaluate(laptop, {**SHOP_DEFAULTS, "storage": "ssd-2tb"}).valid


@pytest.mark.parametrize(("choices", "expected"), [
    ({"nothing": "x"}, [("unknown_group", ("choices", "nothing"))]),
    ({"memory": "ram-128"}, [("unknown_option", ("choices", "memory"))]),
    ({"memory": 16}, [("not_a_choice", ("choices", "memory"))]),
    ({"memory": ["ram-16", "ram-32"]}, [("single_choice", ("choices", "memory"))]),
    ({"extras": ["sleeve", 3, "nope"]}, [("not_a_choice", ("choices", "extras", 1)),
                                         ("unknown_option", ("choices", "extras", 2))]),
])
def test_unreadable_choices_are_problems_at_their_paths(
        laptop: Configurator, choices: dict[str, object],
        expected: list[tuple[str, tuple[object, ...]]]) -> None:
    result = evaluate(laptop, {**SHOP_DEFAULTS, **choices})
    assert [(p.code, p.loc) for p in result.problems] == expected


def test_missing_required_groups_are_each_reported(laptop: Configurator) -> None:
    result = evaluate(laptop, {})
    assert [p.loc for p in result.problems] == [
        ("choices", key) for key in ("processor", "memory", "storage", "graphics", "power",
                                     "case", "colour")]
    assert result.problems[0].message.pl == "Procesor: wybierz jedną z opcji"
    assert result.price == laptop.base_price


def test_the_price_is_rounded_once_at_the_end() -> None:
    desk = Configurator.model_validate({
        "product_id": "d", "title": {"en": "D", "pl": "D"}, "base_price": "10.004",
        "currency": "PLN", "groups": [{"key": "g", "label": {"en": "G", "pl": "G"},
                                       "multiple": True, "options": [
            {"key": "a", "label": {"en": "A", "pl": "A"}, "price": "0.003"},
            {"key": "b", "label": {"en": "B", "pl": "B"}, "price": "0.003"}]}]})
    # Rounding each (10.00 + 0.00 + 0.00) would give 10.00; once: 10.010 -> 10.01.
    assert evaluate(desk, {"g": ["a", "b"]}).price == Decimal("10.01")
    yen = desk.model_copy(update={"currency": "JPY"})
    assert evaluate(yen, {"g": ["a"]}).price == Decimal("10")
