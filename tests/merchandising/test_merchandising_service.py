"""The rules in the database: created, listed in the order conflicts are settled, updated,
deleted, each change bumping the revision; a wrong rule changes nothing. The engine applies a
change from its next request on and recompiles the rules over a new catalogue. Runs on
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from factories import activity, add_products, product
from prefero.catalog.revisions import current
from prefero.errors import InvalidInput, NotFound
from prefero.merchandising.schemas import Condition, RuleIn
from prefero.merchandising.service import (
    MERCHANDISING,
    add_rule,
    check_rule,
    delete_rule,
    get_rule,
    list_rules,
    update_rule,
)
from prefero.recommend.query import RecommendationQuery
from prefero.recommend.training import train
from prefero.runtime import Runtime


def boost(name: str = "Acme week", **fields: object) -> RuleIn:
    return RuleIn.model_validate({"name": name, "action": "boost",
                                  "condition": {"facet": "brand", "values": ["ACME"]},
                                  **fields})


def test_rules_are_stored_listed_updated_and_deleted(runtime: Runtime) -> None:
    schema = runtime.facet_schema
    with runtime.session(write=True) as session:
        first = add_rule(session, boost(), schema=schema)
        second = add_rule(session, RuleIn(
            name="  Cameras first ", action="pin", position=1, priority=5,
            condition=Condition(product_ids=["cam-1"]), placements=["home", "search"],
            starts_at=datetime(2026, 12, 1, tzinfo=UTC)), schema=schema)
        assert current(session, MERCHANDISING) == 2
    assert (first.condition.values, first.strength, first.position) == (["acme"], 1.0, None)
    assert (second.name, second.strength, second.placements) == ("Cameras first", None,
                                                                 ("home", "search"))
    assert second.starts_at == datetime(2026, 12, 1, tzinfo=UTC)
    with runtime.session() as session:
        assert [rule.id for rule in list_rules(session)] == [second.id, first.id]
        assert get_rule(session, first.id) == first
    with runtime.session(write=True) as session:
        changed = update_rule(session, first.id, boost("Acme month", action="bury",
                                                       strength=2.5, enabled=False),
                              schema=schema)
        assert (changed.name, changed.action, changed.strength, changed.enabled) == (
            "Acme month", "bury", 2.5, False)
        assert changed.created_at == first.created_at
        delete_rule(session, second.id)
        assert current(session, MERCHANDISING) == 4
    with runtime.session() as session:
        assert [rule.name for rule in list_rules(session)] == ["Acme month"]


def test_a_wrong_rule_names_its_fields_and_changes_nothing(runtime: Runtime) -> None:
    schema = runtime.facet_schema
    wrong = boost(condition={"facet": "flavour", "values": ["x"]}, position=3)
    assert [error.loc for error in check_rule(wrong, schema=schema)] == [
        ("condition", "facet"), ("position",)]
    with runtime.session(write=True) as session:
        with pytest.raises(InvalidInput) as refused:
            add_rule(session, wrong, schema=schema)
        assert [error.loc for error in refused.value.errors] == [("condition", "facet"),
                                                                 ("position",)]
        kept = add_rule(session, boost(), schema=schema)
    with runtime.session(write=True) as session:
        with pytest.raises(InvalidInput):
            update_rule(session, kept.id, wrong, schema=schema)
        with pytest.raises(NotFound):
            update_rule(session, kept.id + 1, boost(), schema=schema)
        with pytest.raises(NotFound):
            delete_rule(session, kept.id + 1)
    with runtime.session() as session:
        assert list_rules(session) == [kept]
        assert current(session, MERCHANDISING) == 1


def test_the_engine_applies_a_change_from_the_next_request_and_over_a_new_catalogue(
        runtime: Runtime) -> None:
    with runtime.session() as session:
        add_products(session, [product(p, category="Shop > Things") for p in ("a", "b", "c")])
        activity(session, {"b": 30, "a": 20, "c": 10})
    train(runtime)
    engine = runtime.recommender
    query = RecommendationQuery(n=3)

    def first() -> str:
        with runtime.session() as session:
            return engine.recommend(session, query).items[0].product_id

    assert first() == "b"
    with runtime.session(write=True) as session:
        pin = add_rule(session, RuleIn(name="c first", action="pin", position=1,
                                       condition=Condition(product_ids=["c", "d"])),
                       schema=runtime.facet_schema)
    assert first() == "c"
    # A new catalogue: the rules are compiled over it (the pin's second product arrives).
    with runtime.session() as session:
        add_products(session, [product("d", category="Shop > Things")])
    with runtime.session(write=True) as session:
        update_rule(session, pin.id, RuleIn(name="d first", action="pin", position=1,
                                            condition=Condition(product_ids=["d", "c"])),
                    schema=runtime.facet_schema)
    assert first() == "d"
    with runtime.session() as session:
        rules = engine.merchandising(session)
        assert rules.index is engine.snapshot(session)[0]
        assert [rule.name for rule in rules.source.rules] == ["d first"]
    with runtime.session(write=True) as session:
        delete_rule(session, pin.id)
    assert first() == "b"
