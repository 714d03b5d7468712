"""The declared profile: replace semantics, normalization, contradictions, timestamps."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from factories import consent
from prefero.catalog.facets import Facet, FacetSchema
from prefero.customers.models import Customer, Preference
from prefero.customers.preferences import (
    Held,
    PreferenceConflict,
    add_constraint,
    add_dismissal,
    add_like,
    get_preferences,
    normalize_preference_value,
    put_preferences,
    remove_constraint,
    remove_dismissal,
    remove_like,
    remove_sizes,
    set_budget,
    set_level,
    set_sizes,
)
from prefero.customers.schemas import (
    Budget,
    Constraint,
    Like,
    PreferencesIn,
    PreferencesOut,
    SizeSet,
)
from prefero.errors import InvalidInput, NotFound
from prefero.runtime import Runtime


def put(runtime: Runtime, customer_id: str, prefs: PreferencesIn) -> PreferencesOut:
    with runtime.session() as session:
        return put_preferences(session, customer_id=customer_id, prefs=prefs,
                               schema=runtime.facet_schema, settings=runtime.settings)


def get(runtime: Runtime, customer_id: str) -> PreferencesOut:
    with runtime.session() as session:
        return get_preferences(session, customer_id=customer_id, settings=runtime.settings)


def like(facet: str, value: str, weight: float, source: str | None = None) -> Like:
    return Like(facet=facet, value=value, weight=weight, source=source)


def rule(facet: str, op: str, *values: str, source: str | None = None) -> Constraint:
    return Constraint.model_validate({"facet": facet, "op": op, "values": list(values),
                                      "source": source})


FULL = PreferencesIn(
    likes=[like("brand", "  ACME ", 0.8), like("diet", "Vegan", 1.0, "quiz:food-1"),
           like("category", "Fashion>Shoes", -0.5)],
    constraints=[rule("allergens", "never", "Peanuts", "Gluten"),
                 rule("color", "must", "Navy Blue")],
    budget=Budget(min=Decimal("10"), max=Decimal("120.50")),
    sizes=[SizeSet(category="Fashion / Shoes", values=["EU 42", "eu 43"])],
    level="declared",
    exploration=False,
    dismissed=["p-1", "P-2"],
)


def test_put_stores_the_normalized_profile_and_get_answers_it(runtime: Runtime) -> None:
    answered = put(runtime, "c1", FULL)
    stored = get(runtime, "c1")
    assert answered == stored
    assert [(x.facet, x.value, x.weight, x.source) for x in stored.likes] == [
        ("brand", "acme", 0.8, "declared"),
        ("diet", "vegan", 1.0, "quiz:food-1"),
        ("category", "Fashion > Shoes", -0.5, "declared"),
    ]
    assert [(c.facet, c.op, c.values) for c in stored.constraints] == [
        ("allergens", "never", ["peanuts", "gluten"]),
        ("color", "must", ["navy blue"]),
    ]
    assert stored.budget is not None
    assert (stored.budget.min, stored.budget.max, stored.budget.source) == (
        Decimal("10"), Decimal("120.50"), "declared")
    assert [(s.category, s.values) for s in stored.sizes] == [
        ("Fashion > Shoes", ["eu 42", "eu 43"])]
    assert (stored.level, stored.effective_level, stored.exploration) == (
        "declared", "declared", False)
    # Product ids are identifiers, not facet values: kept exactly as sent.
    assert stored.dismissed == ["p-1", "P-2"]
    assert all(x.updated_at is not None for x in stored.likes)


def test_put_creates_the_customer_and_get_of_unknown_is_not_found(runtime: Runtime) -> None:
    with pytest.raises(NotFound):
        get(runtime, "nobody")
    put(runtime, "new-one", PreferencesIn())
    with runtime.session() as session:
        customer = session.get(Customer, "new-one")
        assert customer is not None
        assert customer.anonymous is False


def test_effective_level_falls_back_to_the_shop_default(runtime: Runtime) -> None:
    put(runtime, "c1", PreferencesIn(level=None))
    with runtime.session() as s:
        consent(s, "c1", "tracking", True)  # balanced uses behaviour: only with tracking
    out = get(runtime, "c1")
    assert out.level is None
    assert out.effective_level == runtime.settings.default_level == "balanced"


def test_effective_level_is_the_level_the_consents_allow(runtime: Runtime) -> None:
    # Issue 11, finding 8: it read "balanced" after personalization consent was withdrawn.
    put(runtime, "c1", PreferencesIn(level="full"))
    with runtime.session() as s:
        consent(s, "c1", "tracking", True)
    assert get(runtime, "c1").effective_level == "full"
    with runtime.session() as s:
        consent(s, "c1", "tracking", False)
    assert (get(runtime, "c1").level, get(runtime, "c1").effective_level) == (
        "full", "declared")
    with runtime.session() as s:
        consent(s, "c1", "personalization", False)
    assert (get(runtime, "c1").level, get(runtime, "c1").effective_level) == ("full", "off")
    with runtime.session() as s:
        consent(s, "c1", "personalization", True)
        consent(s, "c1", "tracking", True)
    assert get(runtime, "c1").effective_level == "full"


def test_put_replaces_the_whole_profile(runtime: Runtime) -> None:
    put(runtime, "c1", FULL)
    out = put(runtime, "c1", PreferencesIn(likes=[like("brand", "Zeta", 0.3)]))
    assert [(x.facet, x.value) for x in out.likes] == [("brand", "zeta")]
    assert (out.constraints, out.sizes, out.dismissed, out.budget, out.level) == (
        [], [], [], None, None)
    assert out.exploration is True
    with runtime.session() as session:
        assert session.scalar(select(func.count()).select_from(Preference)) == 1


def test_unchanged_rows_keep_their_updated_at(runtime: Runtime) -> None:
    first = put(runtime, "c1", FULL)
    changed = FULL.model_copy(update={
        "likes": [like("brand", "acme", 0.8), like("diet", "vegan", 0.2, "quiz:food-1"),
                  like("category", "Fashion > Shoes", -0.5)],
    })
    second = put(runtime, "c1", changed)
    before = {x.value: x.updated_at for x in first.likes}
    after = {x.value: x.updated_at for x in second.likes}
    assert after["acme"] == before["acme"]
    assert after["Fashion > Shoes"] == before["Fashion > Shoes"]
    assert after["vegan"] is not None and before["vegan"] is not None
    assert after["vegan"] > before["vegan"]
    assert [c.updated_at for c in second.constraints] == [c.updated_at for c in first.constraints]
    assert second.budget is not None and first.budget is not None
    assert second.budget.updated_at == first.budget.updated_at


def test_a_row_sent_without_source_keeps_its_source_until_edited(runtime: Runtime) -> None:
    put(runtime, "c1", PreferencesIn(likes=[like("diet", "vegan", 1.0, "quiz:q7")],
                                     constraints=[rule("allergens", "never", "nuts",
                                                       source="suggestion")]))
    kept = put(runtime, "c1", PreferencesIn(likes=[like("diet", "vegan", 1.0)],
                                            constraints=[rule("allergens", "never", "nuts")]))
    assert kept.likes[0].source == "quiz:q7"
    assert kept.constraints[0].source == "suggestion"
    edited = put(runtime, "c1", PreferencesIn(likes=[like("diet", "vegan", 0.5)]))
    assert edited.likes[0].source == "declared"


def test_clearing_the_budget_is_a_dated_declaration(runtime: Runtime) -> None:
    put(runtime, "c1", PreferencesIn(budget=Budget(max=Decimal(50))))
    out = put(runtime, "c1", PreferencesIn(budget=Budget()))
    assert out.budget is None
    with runtime.session() as session:
        customer = session.get(Customer, "c1")
        assert customer is not None and customer.budget_updated_at is not None


def test_a_disliked_value_may_also_be_excluded(runtime: Runtime) -> None:
    out = put(runtime, "c1", PreferencesIn(likes=[like("brand", "acme", -1.0)],
                                           constraints=[rule("brand", "never", "ACME")]))
    assert out.constraints[0].values == ["acme"]


def test_repeated_constraint_values_are_stored_once(runtime: Runtime) -> None:
    out = put(runtime, "c1", PreferencesIn(constraints=[
        rule("diet", "never", "Gluten", "gluten"), rule("diet", "never", " GLUTEN ")]))
    assert [c.values for c in out.constraints] == [["gluten"]]


@pytest.mark.parametrize(("body", "loc"), [
    ({"likes": [{"facet": "flavour", "value": "x", "weight": 1}]}, ("likes", 0, "facet")),
    ({"likes": [{"facet": "custom_label_0", "value": "x", "weight": 1}]},
     ("likes", 0, "facet")),
    ({"likes": [{"facet": "size", "value": "42", "weight": 1}]}, ("likes", 0, "facet")),
    ({"likes": [{"facet": "vegan", "value": "maybe", "weight": 1}]}, ("likes", 0, "value")),
    ({"likes": [{"facet": "color", "value": "red/blue", "weight": 1}]}, ("likes", 0, "value")),
    ({"likes": [{"facet": "brand", "value": "a\x00b", "weight": 1}]}, ("likes", 0, "value")),
    ({"likes": [{"facet": "brand", "value": "   ", "weight": 1}]}, ("likes", 0, "value")),
    ({"likes": [{"facet": "brand", "value": "x", "weight": 1, "source": "Not A Source"}]},
     ("likes", 0, "source")),
    ({"likes": [{"facet": "brand", "value": "Acme", "weight": 1},
                {"facet": "brand", "value": "acme", "weight": 0.5}]}, ("likes", 1, "value")),
    ({"constraints": [{"facet": "diet", "op": "never", "values": ["vegan"]},
                      {"facet": "diet", "op": "must", "values": ["Vegan"]}]},
     ("constraints", 1, "values", 0)),
    ({"likes": [{"facet": "brand", "value": "acme", "weight": 0.4}],
      "constraints": [{"facet": "diet", "op": "must", "values": ["vegan"]},
                      {"facet": "brand", "op": "never", "values": ["zeta", "Acme"]}]},
     ("constraints", 1, "values", 1)),
    ({"sizes": [{"category": " > > ", "values": ["42"]}]}, ("sizes", 0, "category")),
    ({"sizes": [{"category": "Shoes", "values": ["42|43"]}]}, ("sizes", 0, "values", 0)),
    ({"likes": [{"facet": "category", "value": ">".join(["abcdefghi"] * 20), "weight": 1}]},
     ("likes", 0, "value")),
])
def test_bad_input_names_the_field(runtime: Runtime, body: dict[str, object],
                                   loc: tuple[str | int, ...]) -> None:
    with pytest.raises(InvalidInput) as raised:
        put(runtime, "c1", PreferencesIn.model_validate(body))
    assert [e.loc for e in raised.value.errors] == [loc]


def test_every_problem_is_reported_at_once(runtime: Runtime) -> None:
    body = PreferencesIn.model_validate({
        "likes": [{"facet": "nope", "value": "x", "weight": 1},
                  {"facet": "eco", "value": "perhaps", "weight": 1}],
        "constraints": [{"facet": "diet", "op": "must", "values": ["keto"]},
                        {"facet": "diet", "op": "never", "values": ["paleo", "KETO"]}],
    })
    with pytest.raises(InvalidInput) as raised:
        put(runtime, "c1", body)
    assert [e.loc for e in raised.value.errors] == [
        ("likes", 0, "facet"), ("likes", 1, "value"), ("constraints", 1, "values", 1)]
    assert "constraints[0].values[0]" in raised.value.errors[2].msg


def test_rejected_input_changes_nothing(runtime: Runtime) -> None:
    before = put(runtime, "c1", FULL)
    bad = FULL.model_copy(update={"constraints": [rule("brand", "never", "acme")],
                                  "level": "off"})
    with pytest.raises(InvalidInput):
        put(runtime, "c1", bad)
    assert get(runtime, "c1") == before
    with pytest.raises(InvalidInput):
        put(runtime, "fresh", bad)
    with pytest.raises(NotFound):
        get(runtime, "fresh")


def test_values_normalize_like_the_catalog_does() -> None:
    schema = FacetSchema(facets=(
        Facet(name="category", type="category_path", label="Category", preferable=True),
        Facet(name="megapixels", type="numeric", label="MP", preferable=True),
        Facet(name="eco", type="boolean", label="Eco", preferable=True),
    ))
    assert normalize_preference_value(schema, "megapixels", "24,0") == "24.0"
    assert normalize_preference_value(schema, "megapixels", "12.5") == "12.5"
    assert normalize_preference_value(schema, "eco", "No") == "false"
    assert normalize_preference_value(schema, "category", " a/ b ") == "a > b"
    for bad in ("lots", "nan", "inf"):
        with pytest.raises(ValueError):
            normalize_preference_value(schema, "megapixels", bad)


def test_add_like_keeps_the_rest_and_refuses_an_excluded_value(runtime: Runtime) -> None:
    put(runtime, "c1", PreferencesIn(constraints=[rule("brand", "never", "zeta")],
                                     dismissed=["p1"]))
    with runtime.session() as session:
        stored = add_like(session, customer_id="c1", like=like("diet", " Vegan", 1, "quiz:q"),
                          schema=runtime.facet_schema)
    assert (stored.value, stored.source) == ("vegan", "quiz:q")
    with runtime.session() as session, pytest.raises(PreferenceConflict) as conflict:
        add_like(session, customer_id="c1", like=like("brand", "Zeta", 0.5),
                 schema=runtime.facet_schema)
    assert [e.loc for e in conflict.value.errors] == [("value",)]
    assert conflict.value.held == (Held("never", "brand", "zeta"),)
    with runtime.session() as session, pytest.raises(InvalidInput) as raised:
        add_like(session, customer_id="c1", like=like("nope", "x", 0.5),
                 schema=runtime.facet_schema)
    assert [e.loc for e in raised.value.errors] == [("facet",)]
    out = get(runtime, "c1")
    assert [x.value for x in out.likes] == ["vegan"]
    assert out.dismissed == ["p1"]
    assert out.constraints[0].values == ["zeta"]


def test_add_like_again_with_the_same_content_is_a_no_op(runtime: Runtime) -> None:
    with runtime.session() as session:
        first = add_like(session, customer_id="c1", like=like("brand", "acme", 0.5),
                         schema=runtime.facet_schema)
    with runtime.session() as session:
        again = add_like(session, customer_id="c1", like=like("brand", "ACME", 0.5),
                         schema=runtime.facet_schema)
    assert again.updated_at == first.updated_at


def test_add_constraint_checks_against_the_stored_profile(runtime: Runtime) -> None:
    put(runtime, "c1", PreferencesIn(likes=[like("brand", "acme", 0.9)],
                                     constraints=[rule("diet", "must", "vegan")]))
    with runtime.session() as session:
        values = add_constraint(session, customer_id="c1", schema=runtime.facet_schema,
                                constraint=rule("allergens", "never", "Peanuts", "peanuts"))
    assert values == ["peanuts"]
    with runtime.session() as session, pytest.raises(PreferenceConflict) as conflict:
        add_constraint(session, customer_id="c1", schema=runtime.facet_schema,
                       constraint=rule("brand", "never", "zeta", "Acme"))
    assert [e.loc for e in conflict.value.errors] == [("values", 1)]
    assert conflict.value.held == (Held("like", "brand", "acme"),)
    with runtime.session() as session, pytest.raises(PreferenceConflict) as conflict:
        add_constraint(session, customer_id="c1", schema=runtime.facet_schema,
                       constraint=rule("diet", "never", "VEGAN"))
    assert [e.loc for e in conflict.value.errors] == [("values", 0)]
    assert conflict.value.held == (Held("must", "diet", "vegan"),)
    assert {(c.facet, c.op, tuple(c.values)) for c in get(runtime, "c1").constraints} == {
        ("diet", "must", ("vegan",)), ("allergens", "never", ("peanuts",))}


def test_dismissals_can_be_added_and_undone(runtime: Runtime) -> None:
    with runtime.session() as session:
        assert add_dismissal(session, customer_id="c1", product_id="p1") is True
    with runtime.session() as session:
        assert add_dismissal(session, customer_id="c1", product_id="p1") is False
        assert add_dismissal(session, customer_id="c1", product_id="p2",
                             source="rec_dismiss") is True
    assert get(runtime, "c1").dismissed == ["p1", "p2"]
    with runtime.session() as session:
        assert remove_dismissal(session, customer_id="c1", product_id="p1") is True
        assert remove_dismissal(session, customer_id="c1", product_id="p1") is False
    assert get(runtime, "c1").dismissed == ["p2"]
    # A dismissal added by an event keeps its source through a PUT that repeats it.
    put(runtime, "c1", PreferencesIn(dismissed=["p2", "p3"]))
    with runtime.session() as session:
        sources = {value: source for value, source in session.execute(
            select(Preference.value, Preference.source).where(Preference.kind == "dismiss"))}
    assert sources == {"p2": "rec_dismiss", "p3": "declared"}


def profile(runtime: Runtime, customer_id: str) -> tuple[set[tuple[str, str, float]],
                                                        set[tuple[str, str, str]]]:
    out = get(runtime, customer_id)
    return ({(x.facet, x.value, x.weight) for x in out.likes},
            {(c.op, c.facet, v) for c in out.constraints for v in c.values})


def test_a_conflict_changes_nothing_and_replace_switches_in_one_step(runtime: Runtime) -> None:
    put(runtime, "c1", PreferencesIn(likes=[like("brand", "apple", 1.0)],
                                     constraints=[rule("diet", "must", "vegan")]))
    before = profile(runtime, "c1")
    with runtime.session() as session, pytest.raises(PreferenceConflict):
        add_constraint(session, customer_id="c1", schema=runtime.facet_schema,
                       constraint=rule("brand", "never", "Apple"))
    assert profile(runtime, "c1") == before

    with runtime.session() as session:
        stored = add_constraint(session, customer_id="c1", schema=runtime.facet_schema,
                                constraint=rule("brand", "never", "Apple"), replace=True)
    assert stored == ["apple"]
    assert profile(runtime, "c1") == (set(), {("must", "diet", "vegan"),
                                              ("never", "brand", "apple")})

    # And back: liking it again swaps the rule for the like.
    with runtime.session() as session:
        add_like(session, customer_id="c1", like=like("brand", "APPLE", 0.5),
                 schema=runtime.facet_schema, replace=True)
    assert profile(runtime, "c1") == ({("brand", "apple", 0.5)},
                                      {("must", "diet", "vegan")})

    # "never" over "must" switches the op.
    with runtime.session() as session:
        add_constraint(session, customer_id="c1", schema=runtime.facet_schema,
                       constraint=rule("diet", "never", "vegan"), replace=True)
    assert profile(runtime, "c1")[1] == {("never", "diet", "vegan")}


def test_a_dislike_never_conflicts_with_never(runtime: Runtime) -> None:
    put(runtime, "c1", PreferencesIn(likes=[like("brand", "zeta", -1.0)]))
    with runtime.session() as session:
        add_constraint(session, customer_id="c1", schema=runtime.facet_schema,
                       constraint=rule("brand", "never", "zeta"))
    assert profile(runtime, "c1") == ({("brand", "zeta", -1.0)}, {("never", "brand", "zeta")})


def test_removing_one_like_or_rule_value_keeps_the_rest(runtime: Runtime) -> None:
    put(runtime, "c1", PreferencesIn(
        likes=[like("brand", "acme", 0.8), like("diet", "vegan", 1.0, "quiz:food")],
        constraints=[rule("allergens", "never", "peanuts", "gluten")],
        budget=Budget(max=Decimal("50")), dismissed=["p1"]))
    with runtime.session() as session:
        assert remove_like(session, customer_id="c1", facet="brand", value="acme") is True
        assert remove_like(session, customer_id="c1", facet="brand", value="acme") is False
        assert remove_constraint(session, customer_id="c1", op="never", facet="allergens",
                                 value="gluten") is True
        assert remove_constraint(session, customer_id="c1", op="must", facet="allergens",
                                 value="peanuts") is False
        assert remove_constraint(session, customer_id="c1", op="like", facet="diet",
                                 value="vegan") is False  # only rules
    out = get(runtime, "c1")
    assert [(x.facet, x.value, x.source) for x in out.likes] == [("diet", "vegan", "quiz:food")]
    assert [(c.op, c.values) for c in out.constraints] == [("never", ["peanuts"])]
    assert out.budget is not None and out.budget.max == Decimal("50")
    assert out.dismissed == ["p1"]


# --------------------------------------------------------------------------- one part at a time


def _rows(runtime: Runtime, customer_id: str) -> list[tuple[str, str, str, str]]:
    """Every stored row with its source and time, to see that the rest stays as it was."""
    with runtime.session() as session:
        return sorted((r.kind, r.facet, r.value, f"{r.source}@{r.updated_at}") for r in
                      session.scalars(select(Preference).where(
                          Preference.customer_id == customer_id)))


def test_set_budget_changes_the_budget_only_and_clears_it_with_none(runtime: Runtime) -> None:
    put(runtime, "c1", PreferencesIn(likes=[like("diet", "vegan", 1.0, "quiz:food@1")],
                                     budget=Budget(max=Decimal("50"), source="quiz:food@1"),
                                     level="full"))
    rows = _rows(runtime, "c1")
    with runtime.session() as session:
        stored = set_budget(session, customer_id="c1", settings=runtime.settings,
                            budget=Budget(min=Decimal("10"), max=Decimal("99.90")))
    assert stored is not None
    assert (stored.min, stored.max, stored.source, stored.currency) == (
        Decimal("10"), Decimal("99.90"), "declared", runtime.settings.shop_currency)
    out = get(runtime, "c1")
    assert out.budget is not None and out.budget.source == "declared"
    assert (out.budget.min, out.budget.max) == (Decimal("10"), Decimal("99.90"))
    assert _rows(runtime, "c1") == rows and out.level == "full"

    with runtime.session() as session:
        assert set_budget(session, customer_id="c1", settings=runtime.settings,
                          budget=None) is None
    with runtime.session() as session:
        customer = session.get(Customer, "c1")
        assert customer is not None
        # Cleared, and the clearing is dated: a merge must not bring an older budget back.
        assert (customer.budget_min, customer.budget_max, customer.budget_source) == (
            None, None, None)
        assert customer.budget_updated_at is not None
    assert _rows(runtime, "c1") == rows


def test_set_budget_again_with_the_same_range_changes_no_time(runtime: Runtime) -> None:
    budget = Budget(max=Decimal("120"))
    with runtime.session() as session:
        set_budget(session, customer_id="c1", settings=runtime.settings, budget=budget)
    first = get(runtime, "c1").budget
    with runtime.session() as session:
        set_budget(session, customer_id="c1", settings=runtime.settings,
                   budget=Budget(max=Decimal("120.00")))
    again = get(runtime, "c1").budget
    assert first is not None and again is not None
    assert again.updated_at == first.updated_at


def test_set_budget_refuses_another_currency_and_a_bad_source(runtime: Runtime) -> None:
    other = "EUR" if runtime.settings.shop_currency != "EUR" else "USD"
    with runtime.session() as session, pytest.raises(InvalidInput) as raised:
        set_budget(session, customer_id="c1", settings=runtime.settings,
                   budget=Budget(max=Decimal("10"), currency=other, source="Not A Source"))
    assert {e.loc for e in raised.value.errors} == {("currency",), ("source",)}
    with runtime.session() as session:
        assert session.get(Customer, "c1") is None  # refused before anything was written


def test_set_sizes_replaces_one_category_and_keeps_the_others(runtime: Runtime) -> None:
    put(runtime, "c1", PreferencesIn(
        likes=[like("brand", "acme", 0.5)],
        sizes=[SizeSet(category="Fashion > Shoes", values=["42", "43"]),
               SizeSet(category="Fashion > Tops", values=["M"], source="quiz:style@1")]))
    with runtime.session() as session:
        stored = set_sizes(session, customer_id="c1", schema=runtime.facet_schema,
                           sizes=SizeSet(category="Fashion/Shoes", values=["43", "EU 44",
                                                                           "eu 44"]))
    assert (stored.category, stored.values, stored.source) == (
        "Fashion > Shoes", ["43", "eu 44"], "declared")
    out = get(runtime, "c1")
    assert sorted((s.category, v, s.source) for s in out.sizes for v in s.values) == [
        ("Fashion > Shoes", "43", "declared"), ("Fashion > Shoes", "eu 44", "declared"),
        ("Fashion > Tops", "m", "quiz:style@1")]
    assert [(x.facet, x.value) for x in out.likes] == [("brand", "acme")]


def test_set_sizes_keeps_the_time_of_a_size_already_held(runtime: Runtime) -> None:
    with runtime.session() as session:
        set_sizes(session, customer_id="c1", schema=runtime.facet_schema,
                  sizes=SizeSet(category="Fashion > Shoes", values=["42"]))
    before = {row[2]: row[3] for row in _rows(runtime, "c1")}
    with runtime.session() as session:
        set_sizes(session, customer_id="c1", schema=runtime.facet_schema,
                  sizes=SizeSet(category="Fashion > Shoes", values=["42", "43"]))
    after = {row[2]: row[3] for row in _rows(runtime, "c1")}
    assert after["42"] == before["42"] and set(after) == {"42", "43"}


def test_set_sizes_refuses_unusable_input_and_writes_nothing(runtime: Runtime) -> None:
    with runtime.session() as session, pytest.raises(InvalidInput) as raised:
        set_sizes(session, customer_id="c1", schema=runtime.facet_schema,
                  sizes=SizeSet(category=" > ", values=["42", "4\u200b3"]))
    assert [e.loc for e in raised.value.errors] == [("category",)]
    with runtime.session() as session, pytest.raises(InvalidInput) as raised:
        set_sizes(session, customer_id="c1", schema=runtime.facet_schema,
                  sizes=SizeSet(category="Fashion > Shoes", values=["42", "4\u200b3"]))
    assert [e.loc for e in raised.value.errors] == [("values", 1)]
    with runtime.session() as session:
        assert session.get(Customer, "c1") is None


def test_remove_sizes_forgets_one_category(runtime: Runtime) -> None:
    put(runtime, "c1", PreferencesIn(sizes=[
        SizeSet(category="Fashion > Shoes", values=["42", "43"]),
        SizeSet(category="Fashion > Tops", values=["M"])]))
    with runtime.session() as session:
        assert remove_sizes(session, customer_id="c1", category="Fashion > Shoes") is True
        assert remove_sizes(session, customer_id="c1", category="Fashion > Shoes") is False
        assert remove_sizes(session, customer_id="nobody", category="Fashion > Tops") is False
    assert [(s.category, s.values) for s in get(runtime, "c1").sizes] == [
        ("Fashion > Tops", ["m"])]


def test_set_level_changes_the_level_and_the_slot_only(runtime: Runtime) -> None:
    put(runtime, "c1", PreferencesIn(likes=[like("brand", "acme", 0.5)],
                                     budget=Budget(max=Decimal("50"))))
    rows = _rows(runtime, "c1")
    with runtime.session() as session:
        assert set_level(session, customer_id="c1", level="declared", exploration=False)
    with runtime.session() as session:
        assert not set_level(session, customer_id="c1", level="declared", exploration=False)
        level_time = session.get(Customer, "c1").level_updated_at  # type: ignore[union-attr]
    with runtime.session() as session:
        # The slot alone: the level keeps its time.
        assert set_level(session, customer_id="c1", level="declared", exploration=True)
        assert session.get(Customer, "c1").level_updated_at == level_time  # type: ignore[union-attr]
    out = get(runtime, "c1")
    assert (out.level, out.exploration) == ("declared", True)
    assert out.budget is not None and out.budget.max == Decimal("50")
    assert _rows(runtime, "c1") == rows
    with runtime.session() as session:
        set_level(session, customer_id="c1", level=None, exploration=True)
    assert get(runtime, "c1").level is None
    with runtime.session() as session, pytest.raises(InvalidInput):
        set_level(session, customer_id="c1", level="max", exploration=True)  # type: ignore[arg-type]
