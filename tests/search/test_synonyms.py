"""The shop's synonyms: rules checked as they are written (every wrong field named, nothing
stored), applied by search from the next request on (equivalents both ways, a one-way rule
only from its source, phrases, forms of a rule's words), never shown as a correction. Runs
on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from prefero.errors import FieldError, InvalidInput, NotFound
from prefero.runtime import Runtime
from prefero.search.suggest import suggest
from prefero.search.synonyms import (
    SynonymRuleIn,
    add_rule,
    delete_rule,
    list_rules,
    replace_rule,
    replace_rules,
)
from search_catalogue import hits, shop_of

PRODUCTS = [
    ("rye", "Rye Bread", "Groceries > Bakery", "Oskroba", ""),
    ("loaf", "Sourdough Loaf", "Groceries > Bakery", "Oskroba", ""),
    ("ipad", "Apple iPad Air", "Electronics > Computers", "Apple", ""),
    ("galaxy", "Galaxy Tab Tablet", "Electronics > Computers", "Samsung", ""),
    ("tee", "Cotton Tee", "Fashion > Tops", "Nordlys", ""),
    ("tshirt", "Graphic T Shirt", "Fashion > Tops", "Nordlys", ""),
]


def rules(runtime: Runtime, *written: SynonymRuleIn) -> None:
    with runtime.session(write=True) as session:
        replace_rules(session, list(written))


def test_rules_are_stored_as_search_compares_them(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        group = add_rule(session, SynonymRuleIn(terms=["Chleb", "bread!", "T-Shirt"]))
        one_way = add_rule(session, SynonymRuleIn(source=" Tablet ", terms=["iPad"]))
    with runtime.session() as session:
        stored = list_rules(session)
    assert [(r.id, r.source, r.terms) for r in stored] == [
        (group.id, None, ["chleb", "bread", "t shirt"]), (one_way.id, "tablet", ["ipad"])]


@pytest.mark.parametrize(("rule", "errors"), [
    (SynonymRuleIn(terms=["chleb"]), [
        FieldError(("terms",), "a group of equivalents needs at least two terms (or give a "
                               "source for a one-way rule)")]),
    (SynonymRuleIn(terms=["chleb", "Chleb!", "?!", "__"]), [
        FieldError(("terms", 1), "repeats terms[0] ('chleb')"),
        FieldError(("terms", 2), "has no word (punctuation alone is not searched)"),
        FieldError(("terms", 3), "has no word (punctuation alone is not searched)")]),
    (SynonymRuleIn(source="tablet", terms=["ipad", "Tablet"]), [
        FieldError(("terms", 1), "is the source itself")]),
    (SynonymRuleIn(source="...", terms=["a b c d e f g"]), [
        FieldError(("source",), "has no word; leave it out (null) for a group of "
                                "equivalents"),
        FieldError(("terms", 0), "has more than 6 words")]),
])
def test_a_wrong_rule_is_refused_with_each_field_named(runtime: Runtime, rule: SynonymRuleIn,
                                                       errors: list[FieldError]) -> None:
    with runtime.session(write=True) as session, pytest.raises(InvalidInput) as refused:
        add_rule(session, rule)
    assert list(refused.value.errors) == errors
    with runtime.session() as session:
        assert list_rules(session) == []


def test_a_whole_set_is_replaced_or_nothing_changes(runtime: Runtime) -> None:
    rules(runtime, SynonymRuleIn(terms=["chleb", "bread"]))
    with runtime.session(write=True) as session, pytest.raises(InvalidInput) as refused:
        replace_rules(session, [SynonymRuleIn(terms=["tee", "t shirt"]),
                                SynonymRuleIn(terms=["lonely"])])
    assert [e.loc for e in refused.value.errors] == [(1, "terms")]
    with runtime.session() as session:
        assert [r.terms for r in list_rules(session)] == [["chleb", "bread"]]
    rules(runtime, SynonymRuleIn(terms=["tee", "t shirt"]))
    with runtime.session() as session:
        assert [r.terms for r in list_rules(session)] == [["tee", "t shirt"]]


def test_an_unknown_rule_is_not_found(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        with pytest.raises(NotFound):
            replace_rule(session, 404, SynonymRuleIn(terms=["a", "b"]))
        with pytest.raises(NotFound):
            delete_rule(session, 404)


def test_equivalents_find_each_other_and_a_change_is_seen_at_once(runtime: Runtime) -> None:
    shop = shop_of(runtime, PRODUCTS)
    assert hits(shop, "chleb") == ([], None)
    rules(shop, SynonymRuleIn(terms=["chleb", "bread", "loaf"]))
    # The word's own products first (the word as typed in the title), the synonyms' next.
    assert hits(shop, "bread") == (["rye", "loaf"], None)
    assert hits(shop, "loaf") == (["loaf", "rye"], None)
    # A form of a rule's word meets the rule; nothing is said to be corrected.
    assert hits(shop, "chleba") == (["loaf", "rye"], None)
    with shop.session(write=True) as session:
        delete_rule(session, list_rules(session)[0].id)
    assert hits(shop, "chleba") == ([], None)


def test_a_one_way_rule_works_from_its_source_only(runtime: Runtime) -> None:
    shop = shop_of(runtime, PRODUCTS)
    rules(shop, SynonymRuleIn(source="tablet", terms=["ipad"]))
    assert hits(shop, "tablet") == (["galaxy", "ipad"], None)
    assert hits(shop, "tablets") == (["galaxy", "ipad"], None)
    assert hits(shop, "ipad") == (["ipad"], None)


def test_a_phrase_finds_what_its_equivalent_finds(runtime: Runtime) -> None:
    shop = shop_of(runtime, PRODUCTS)
    rules(shop, SynonymRuleIn(terms=["tee", "t shirt"]))
    assert hits(shop, "tee") == (["tee", "tshirt"], None)
    assert hits(shop, "t shirt") == (["tshirt", "tee"], None)
    # Another word of the query still has to match: the phrase is one clause of it.
    assert hits(shop, "cotton t shirt") == (["tee"], None)


def test_suggestions_use_the_synonyms_too(runtime: Runtime) -> None:
    shop = shop_of(runtime, PRODUCTS)
    rules(shop, SynonymRuleIn(terms=["chleb", "bread"]))
    with shop.session() as session:
        found = suggest(session, shop.recommender, query="chleb", customer_id=None)
    assert [item.product_id for item in found.products] == ["rye"]
    assert found.corrected_query is None
