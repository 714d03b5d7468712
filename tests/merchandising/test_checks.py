"""A rule is checked against the shop's facet schema and between its fields: every wrong
field is named with its path, values are stored as the catalogue compares them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from prefero.catalog.facets import load_facet_schema
from prefero.merchandising.checks import checked
from prefero.merchandising.schemas import Condition, RuleIn

SCHEMA = load_facet_schema()


def errors(**fields: Any) -> list[tuple[tuple[str | int, ...], str]]:
    body: dict[str, Any] = {"name": "Campaign", "action": "boost",
                            "condition": {"facet": "brand", "values": ["acme"]}, **fields}
    return [(error.loc, error.msg) for error in checked(RuleIn.model_validate(body),
                                                        schema=SCHEMA)[1]]


def where(**fields: Any) -> list[tuple[str | int, ...]]:
    return [loc for loc, _ in errors(**fields)]


def test_a_valid_rule_has_no_errors_and_its_values_are_stored_as_compared() -> None:
    condition, found = checked(RuleIn(name="Winter", action="boost", condition=Condition(
        facet="category", values=["Fashion/Shoes", "Groceries >  Bakery"])), schema=SCHEMA)
    assert found == []
    assert condition.values == ["Fashion > Shoes", "Groceries > Bakery"]
    brand, _ = checked(RuleIn(name="x", action="hide", condition=Condition(
        facet="brand", values=["  ACME  Co "])), schema=SCHEMA)
    assert brand.values == ["acme co"]
    eco, _ = checked(RuleIn(name="x", action="hide", condition=Condition(
        facet="eco", values=["Yes"])), schema=SCHEMA)
    assert eco.values == ["true"]
    # A multi-valued facet's value is one value, not split at its slash.
    color, _ = checked(RuleIn(name="x", action="hide", condition=Condition(
        facet="color", values=["Red/Blue"])), schema=SCHEMA)
    assert color.values == ["red/blue"]


def test_each_wrong_field_is_named_with_its_path() -> None:
    assert errors(condition={"facet": "colour", "values": ["red"]})[0][0] == (
        "condition", "facet")
    assert "unknown facet 'colour'" in errors(condition={"facet": "colour",
                                                          "values": ["red"]})[0][1]
    assert where(condition={"facet": "megapixels", "values": ["24"]}) == [
        ("condition", "facet")]
    assert where(condition={"facet": "brand", "values": []}) == [("condition", "values")]
    assert where(condition={"facet": "eco", "values": ["yes", "maybe", "true"]}) == [
        ("condition", "values", 1), ("condition", "values", 2)]
    assert where(condition={}) == [("condition",)]
    assert where(condition={"facet": "brand", "values": ["a"], "product_ids": ["p1"]}) == [
        ("condition",)]
    assert where(condition={"values": ["a"], "product_ids": ["p1"]}) == [
        ("condition", "facet")]
    assert where(condition={"product_ids": ["p1", "p2", "p1"]}) == [
        ("condition", "product_ids", 2)]
    assert where(name="   ") == [("name",)]
    assert where(placements=["home", "cart", "home"]) == [("placements", 2)]
    start = datetime(2026, 12, 1, tzinfo=UTC)
    assert where(starts_at=start, ends_at=start) == [("ends_at",)]
    assert where(starts_at=start, ends_at=datetime(2026, 11, 1, tzinfo=UTC)) == [("ends_at",)]
    assert where(action="pin") == [("position",)]
    assert where(action="pin", position=2, strength=2.0) == [("strength",)]
    assert where(action="hide", position=2) == [("position",)]
    # All at once: an editor marks every field in one go.
    assert where(name="", action="pin", strength=3.0,
                 condition={"facet": "nope", "values": ["x"]}) == [
        ("name",), ("condition", "facet"), ("strength",), ("position",)]


@pytest.mark.parametrize("fields", [
    {"position": 0}, {"position": 101}, {"strength": 0}, {"strength": 10.5},
    {"strength": float("nan")}, {"priority": 1001}, {"placements": []},
    {"placements": ["email"]}, {"action": "promote"}, {"enabled": "true"},
    {"starts_at": "2026-12-01T00:00:00"},  # no zone: which time would that be?
    {"condition": {"facet": "brand", "values": ["a"], "extra": 1}},
])
def test_shapes_are_refused_before_any_check(fields: dict[str, Any]) -> None:
    body = {"name": "Campaign", "action": "boost",
            "condition": {"facet": "brand", "values": ["acme"]}, **fields}
    with pytest.raises(ValidationError):
        RuleIn.model_validate(body)


def test_times_are_kept_in_utc() -> None:
    rule = RuleIn.model_validate({"name": "x", "action": "hide",
                                  "condition": {"product_ids": ["p1"]},
                                  "starts_at": "2026-12-01T01:00:00+01:00"})
    assert rule.starts_at == datetime(2026, 12, 1, tzinfo=UTC)
    assert rule.starts_at is not None and rule.starts_at.utcoffset() is not None
