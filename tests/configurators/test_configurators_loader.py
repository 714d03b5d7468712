"""The configurators loader: the packaged file is valid and names demo products; broken
documents report every problem at once, each at its exact path."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from prefero.config import Settings
from prefero.configurators.loader import (
    DEFAULT_SOURCE,
    load_configurators,
    load_configurators_file,
)
from prefero.demo.shop import generate_demo
from prefero.errors import InvalidInput
from prefero.runtime import Runtime

SOURCE = "shop.yaml"


def _base() -> dict[str, Any]:
    return {"configurators": [{
        "product_id": "desk",
        "title": {"en": "Desk", "pl": "Biurko"},
        "base_price": 500,
        "currency": "PLN",
        "groups": [
            {"key": "top", "label": {"en": "Top", "pl": "Blat"}, "default": "oak",
             "options": [{"key": "oak", "label": {"en": "Oak", "pl": "Dąb"}, "price": 100},
                         {"key": "pine", "label": {"en": "Pine", "pl": "Sosna"}}]},
            {"key": "legs", "label": {"en": "Legs", "pl": "Nogi"},
             "options": [{"key": "steel", "label": {"en": "Steel", "pl": "Stal"}},
                         {"key": "wood", "label": {"en": "Wood", "pl": "Drewno"}}]},
        ],
        "rules": [{"type": "requires", "key": "oak-steel", "option": "top.oak",
                   "needs": ["legs.steel"]}],
    }]}


def _problems(document: dict[str, Any], **kwargs: Any) -> list[tuple[tuple[Any, ...], str]]:
    with pytest.raises(InvalidInput) as caught:
        load_configurators(yaml.safe_dump(document, allow_unicode=True), source=SOURCE,
                           **kwargs)
    return [(e.loc, e.msg) for e in caught.value.errors]


def test_the_packaged_file_loads_and_names_demo_catalogue_products() -> None:
    shop = generate_demo(seed=3, products=200, customers=10,
                         anchor=datetime(2026, 1, 1, tzinfo=UTC))
    ids = {p.id for p in (*shop.products, *shop.services)}
    configurators = load_configurators_file(currency="PLN", products=ids)
    assert sorted(configurators.configurators) == ["cfg-laptop-14", "cfg-shirt"]
    laptop = configurators.configurators["cfg-laptop-14"]
    assert {g.key for g in laptop.groups} >= {"processor", "memory", "storage", "graphics",
                                              "power", "colour", "engraving"}
    assert laptop.base_price == next(p.price for p in shop.services if p.id == laptop.product_id)


def test_a_valid_document_loads() -> None:
    loaded = load_configurators(yaml.safe_dump(_base(), allow_unicode=True), source=SOURCE)
    desk = loaded.configurators["desk"]
    assert desk.option("top.oak") is not None and str(desk.base_price) == "500"
    assert len(desk.digest) == 64


def test_rules_naming_unknown_groups_and_options_are_reported_at_their_paths() -> None:
    document = _base()
    document["configurators"][0]["rules"] = [
        {"type": "requires", "key": "a", "option": "drawer.big", "needs": ["legs.glass"]},
        {"type": "excludes", "key": "b", "option": "top.oak",
         "excludes": ["legs.steel", "top.walnut"]},
    ]
    # Within one rule, keys sort by name (as the quiz loader sorts them).
    assert _problems(document) == [
        ((SOURCE, "configurators", 0, "rules", 0, "needs", 0), "group 'legs' has no option "
                                                              "'glass'"),
        ((SOURCE, "configurators", 0, "rules", 0, "option"),
         "no group 'drawer' in this configurator"),
        ((SOURCE, "configurators", 0, "rules", 1, "excludes", 1),
         "group 'top' has no option 'walnut'"),
    ]


def test_duplicates_negative_prices_and_bad_defaults_are_all_reported_together() -> None:
    document = _base()
    item = document["configurators"][0]
    item["groups"].append({"key": "top", "label": {"en": "Top", "pl": "Blat"},
                           "options": [{"key": "x", "label": {"en": "X", "pl": "X"}}]})
    item["groups"][0]["options"][1]["key"] = "oak"
    item["groups"][1]["options"][0]["price"] = -5
    item["groups"][1]["default"] = "plastic"
    item["base_price"] = -1
    item["rules"].append(dict(item["rules"][0]))
    document["configurators"].append(dict(item, groups=item["groups"][:1], rules=[]))
    found = _problems(document)
    locs = [loc for loc, _ in found]
    assert (SOURCE, "configurators", 0, "base_price") in locs
    assert ((SOURCE, "configurators", 0, "groups", 0, "options", 1, "key"),
            "option key 'oak' is already used by options[0]") in found
    assert ((SOURCE, "configurators", 0, "groups", 1, "default"),
            "'plastic' is not an option of group 'legs'") in found
    assert ((SOURCE, "configurators", 0, "groups", 1, "options", 0, "price"),
            "a price cannot be negative") in found
    assert ((SOURCE, "configurators", 0, "groups", 2, "key"),
            "group key 'top' is already used by groups[0]") in found
    assert ((SOURCE, "configurators", 0, "rules", 1, "key"),
            "rule key 'oak-steel' is already used by rules[0]") in found
    assert ((SOURCE, "configurators", 1, "product_id"),
            "product 'desk' is already used by configurators[0]") in found
    # In document order.
    assert locs == sorted(locs, key=lambda loc: [(0, p, "") if isinstance(p, int)
                                                 else (1, 0, p) for p in loc])


def test_a_required_group_whose_every_option_is_ruled_out_is_refused() -> None:
    document = _base()
    document["configurators"][0]["rules"] = [
        {"type": "excludes", "key": "no-steel", "option": "top.oak", "excludes": ["legs.steel"]},
        {"type": "excludes", "key": "no-wood", "option": "top.oak", "excludes": ["legs.wood"]},
        {"type": "requires", "key": "pine-needs-glass", "option": "top.pine",
         "needs": ["top.oak"]},
    ]
    found = _problems(document)
    assert [loc for loc, _ in found] == [
        (SOURCE, "configurators", 0, "groups", 0),
        (SOURCE, "configurators", 0, "rules", 2, "needs", 0)]
    assert "every option of the required group 'top' is ruled out" in found[0][1]


def test_unknown_keys_types_and_the_catalogue_and_currency_checks() -> None:
    document = _base()
    item = document["configurators"][0]
    item["colour"] = "red"
    item["rules"].append({"type": "forbids", "key": "x", "option": "top.oak"})
    found = _problems(document, currency="EUR", products={"chair"})
    assert ((SOURCE, "configurators", 0, "colour"), "unknown key 'colour'") in found
    assert ((SOURCE, "configurators", 0, "currency"),
            "prices must be in the shop's currency EUR, not PLN") in found
    assert ((SOURCE, "configurators", 0, "product_id"),
            "no product 'desk' in the catalogue") in found
    assert ((SOURCE, "configurators", 0, "rules", 1, "type"),
            "unknown rule type 'forbids'; expected requires or excludes") in found


def test_unreadable_documents_name_the_line() -> None:
    with pytest.raises(InvalidInput) as caught:
        load_configurators("configurators:\n  - product_id: a\n  - product_id: a\n    x: [",
                           source=SOURCE)
    assert caught.value.errors[0].loc == (SOURCE,)
    assert "line" in caught.value.errors[0].msg
    with pytest.raises(InvalidInput) as caught:
        load_configurators("[1, 2]", source=SOURCE)
    assert caught.value.errors[0].loc == (SOURCE,)


def test_a_broken_file_stops_the_runtime_with_its_paths(tmp_path: Path) -> None:
    broken = tmp_path / "configurators.yaml"
    document = _base()
    document["configurators"][0]["rules"][0]["needs"] = ["legs.glass"]
    broken.write_text(yaml.safe_dump(document), encoding="utf-8")
    runtime = Runtime(Settings(mode="demo", configurators_file=broken,
                               database_url=f"sqlite:///{tmp_path}/never.db"))
    try:
        with pytest.raises(InvalidInput) as caught:
            _ = runtime.configurators
        assert [e.loc for e in caught.value.errors] == [
            (str(broken), "configurators", 0, "rules", 0, "needs", 0)]
    finally:
        runtime.close()


def test_the_packaged_demo_file_is_left_out_for_a_shop_in_another_currency() -> None:
    assert load_configurators_file(currency="EUR").configurators == {}
    assert DEFAULT_SOURCE == "configurators.yaml"
