"""The condition language refuses what it cannot mean, naming each wrong field by its path
(without pydantic's discriminator values), and within its limits; any JSON at all is either
a condition or a precise refusal, never another error."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prefero.errors import InvalidInput
from prefero.segments.conditions import (
    MAX_CONDITIONS,
    MAX_DEPTH,
    And,
    is_windowed,
    parse_condition,
)
from segment_population import conditions

VEGAN = {"type": "declared", "kind": "like", "facet": "diet", "value": "vegan"}


def refusal(raw: Any) -> list[tuple[tuple[str | int, ...], str]]:
    with pytest.raises(InvalidInput) as caught:
        parse_condition(raw, at=("condition",))
    return [(e.loc, e.msg) for e in caught.value.errors]


def test_a_valid_tree_parses() -> None:
    parsed = parse_condition({"type": "and", "conditions": [
        VEGAN, {"type": "consent", "purpose": "marketing_email", "granted": True},
        {"type": "behaviour", "event": "purchase", "min": 1, "days": 90}]})
    assert isinstance(parsed, And) and len(parsed.conditions) == 3
    assert is_windowed(parsed)
    assert not is_windowed(parse_condition(VEGAN))


@pytest.mark.parametrize(("raw", "loc", "words"), [
    ({"type": "and", "conditions": [{"type": "trait", "trait": "openness", "op": "gte",
                                     "value": "high"}]},
     ("condition", "conditions", 0, "value"), "number"),
    ({"type": "or", "conditions": [VEGAN, {"type": "horoscope"}]},
     ("condition", "conditions", 1, "type"), "unknown condition type 'horoscope'"),
    ({"conditions": []}, ("condition", "type"), "needs a type"),
    ({"type": "not", "condition": {"type": "profile", "field": "level", "op": "gt",
                                   "value": "full"}},
     ("condition", "condition", "op"), "'gt' does not apply to 'level'"),
    ({"type": "profile", "field": "budget_max", "op": "lt", "value": "cheap"},
     ("condition", "value"), "must be a number"),
    ({"type": "profile", "field": "created_days_ago", "op": "gte", "value": 1.5},
     ("condition", "value"), "whole number of days"),
    ({"type": "profile", "field": "time_zone", "op": "in", "value": []},
     ("condition", "value"), "list of 1 to 50"),
    ({"type": "profile", "field": "level", "op": "exists", "value": "yes"},
     ("condition", "value"), "true (the field is set) or false"),
    ({"type": "behaviour", "event": "purchase", "min": 3, "max": 1},
     ("condition", "max"), "not be below min"),
    ({"type": "behaviour", "event": "purchase", "days": 0},
     ("condition", "days"), "greater than or equal to 1"),
    ({"type": "consent", "purpose": "sms", "granted": True}, ("condition", "purpose"),
     "'marketing_email'"),
    ({**VEGAN, "colour": "red"}, ("condition", "colour"), "Extra inputs"),
    ({"type": "and", "conditions": []}, ("condition", "conditions"), "at least 1"),
    ({"type": "rfm", "measure": "monetary", "op": "gt", "value": float("inf")},
     ("condition", "value"), "finite"),
])
def test_each_wrong_field_is_named(raw: dict[str, Any], loc: tuple[str | int, ...],
                                   words: str) -> None:
    found = refusal(raw)
    assert [where for where, _msg in found] == [loc]
    assert words in found[0][1]


def test_limits_of_depth_and_size() -> None:
    deep: dict[str, Any] = VEGAN
    for _ in range(MAX_DEPTH - 1):
        deep = {"type": "not", "condition": deep}
    assert parse_condition(deep)
    too_deep = {"type": "not", "condition": deep}
    assert refusal(too_deep) == [(("condition", *["condition"] * MAX_DEPTH),
                                  f"conditions nest at most {MAX_DEPTH} deep")]
    wide = {"type": "or", "conditions": [
        {"type": "and", "conditions": [VEGAN] * 40} for _ in range(3)]}
    assert MAX_CONDITIONS < 3 * 41 + 1
    assert refusal(wide) == [(("condition",),
                              f"a segment holds at most {MAX_CONDITIONS} conditions")]
    long_value = {**VEGAN, "value": "x" * 201}
    assert [loc for loc, _ in refusal(long_value)] == [("condition", "value")]


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
    | st.text(max_size=20) | st.sampled_from(["and", "or", "not", "profile", "trait",
                                              "behaviour", "rfm", "declared", "consent"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["type", "conditions", "condition", "field", "op", "value", "event",
                         "min", "max", "days", "measure", "kind", "facet", "purpose"]),
        inner, max_size=5),
    max_leaves=20)


@given(raw=_JSON)
def test_any_json_is_a_condition_or_a_precise_refusal(raw: Any) -> None:
    try:
        parse_condition(raw)
    except InvalidInput as exc:
        assert exc.errors and all(error.msg for error in exc.errors)


@given(raw=conditions())
def test_a_stored_condition_parses_back_to_itself(raw: dict[str, Any]) -> None:
    parsed = parse_condition(raw)
    assert parse_condition(parsed.model_dump(mode="json")) == parsed
