"""Quizzes stay in scope (issue 11): results, fill items and add-on services come only from the
quiz's scope; when the rules and answers leave nothing, the narrowing names what emptied the
set and the results are the closest matches, each labelled with what it misses. Known answers
are computed from the rows; the property checks scope and non-emptiness on raw values."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prefero.catalog.facets import load_facet_schema
from prefero.i18n.catalogues import translations
from prefero.quizzes.definition import QuizDefinition
from prefero.quizzes.engine import Answer
from prefero.quizzes.results import narrowing, outside_scope, quiz_results, scope_mask
from prefero.quizzes.texts import localized
from prefero.recommend.catalog_index import CatalogIndex, ProductRow, index_products
from prefero.recommend.constraints import ConstraintLeak
from prefero.recommend.profile import CustomerProfile

SCHEMA = load_facet_schema()
CONSENTS: Any = {"tracking": False, "personalization": True, "context": False,
                 "marketing_email": False, "marketing_push": False}
VISITOR = CustomerProfile(customer_id=None, level="balanced", consents=CONSENTS)


def _pl(template: str, **params: object) -> str:
    """The Polish message as the catalogue words it (the wording may change, the message
    may not fall back to English)."""
    text = translations("pl").gettext(template)
    assert text != template
    return text.format(**params)


def _row(pid: str, category: str, price: float, *, title: str | None = None,
         **facets: Any) -> ProductRow:
    return ProductRow(pid, title or pid, Decimal(str(price)), None, True, "in_stock", category,
                      None, facets, None)


ROWS = [
    _row("cam-a", "Electronics > Cameras > Compact", 900, brand="canon", use=["photo"],
         weight_g=300),
    _row("cam-b", "Electronics > Cameras > Mirrorless", 2400, brand="sony", use=["photo"],
         weight_g=600),
    _row("cam-c", "Electronics > Cameras > Mirrorless", 4100, brand="canon",
         use=["photo", "video"], weight_g=700),
    # Pushed by every answer below, and never in a camera quiz's results.
    _row("laptop", "Electronics > Computers > Laptops", 50, brand="canon", use=["photo"]),
    _row("tee", "Fashion > Tops", 30, brand="canon", use=["photo"]),
    _row("cam-setup", "Electronics > Services > Add-ons", 149, tags=["service"], use=["photo"],
         title="Camera set-up"),
    _row("laptop-setup", "Electronics > Services > Add-ons", 199, tags=["service"],
         use=["work"], title="Laptop set-up"),
    _row("smart-home", "Electronics > Services > Add-ons", 249, tags=["service"],
         use=["smart home"], title="Smart-home visit"),
    _row("bread", "Groceries > Bread", 6, allergens=["gluten"], diet=["vegan"]),
    _row("granola", "Groceries > Cereals", 15, allergens=["nuts"], diet=["vegetarian"],
         organic=False),
    _row("oats", "Groceries > Cereals", 9, allergens=[], diet=["vegan"], organic=False),
]
INDEX = index_products(sorted(ROWS, key=lambda r: r.id), schema=SCHEMA)


def _cameras(*, add_ons: bool = True, policy: str = "fill") -> QuizDefinition:
    scope: dict[str, Any] = {"facet": "category", "values": ["Electronics > Cameras"],
                             "noun": "cameras"}
    if add_ons:
        scope["add_ons"] = {"facet": "use", "values": ["photo"]}
    return QuizDefinition.model_validate({
        "id": "camera-finder", "kind": "guided_selling", "title": "Find your camera",
        "scope": scope, "results": {"n": 3, "policy": policy},
        "questions": [
            {"id": "brand", "type": "single", "text": "Which brand?", "options": [
                {"id": "canon", "label": "Canon", "effects": [
                    {"type": "set_weight", "facet": "brand", "value": "canon", "weight": 1},
                    {"type": "upvote", "where": {"facet": "use", "values": ["photo"]},
                     "strength": 10}]},
                {"id": "studio", "label": "Studio", "effects": [
                    {"type": "include", "where": {"facet": "use", "values": ["studio"]}}]}]},
            {"id": "budget", "type": "range", "text": "Your budget?",
             "range": {"min": 100, "max": 6000, "step": 100, "unit": "PLN",
                       "effects": [{"type": "budget", "from_answer": "max"}]}},
            {"id": "help", "type": "single", "text": "Help?", "options": [
                {"id": "yes", "label": "Yes please", "wants_assistance": True},
                {"id": "no", "label": "No"}]},
        ],
        "translations": {"pl": {"Find your camera": "Znajdź swój aparat", "cameras": "aparatów",
                                "Which brand?": "Jaka marka?", "Canon": "Canon",
                                "Studio": "Studio", "Your budget?": "Twój budżet?",
                                "PLN": "zł", "Help?": "Pomoc?", "Yes please": "Tak",
                                "No": "Nie"}},
    })


def _groceries() -> QuizDefinition:
    return QuizDefinition.model_validate({
        "id": "grocery", "kind": "quiz", "title": "Groceries",
        "scope": {"facet": "category", "values": ["Groceries"], "noun": "groceries"},
        "results": {"n": 5},
        "questions": [
            {"id": "diet", "type": "single", "text": "Diet?", "options": [
                {"id": "vegan", "label": "Vegan", "effects": [
                    {"type": "constraint", "op": "must", "facet": "diet",
                     "values": ["vegan"]}]},
                {"id": "any", "label": "Anything"}]},
            {"id": "organic", "type": "single", "text": "Organic?", "options": [
                {"id": "only", "label": "Organic only", "effects": [
                    {"type": "constraint", "op": "must", "facet": "organic",
                     "values": ["true"]}]},
                {"id": "any", "label": "Any"}]},
            {"id": "allergy", "type": "single", "text": "Allergy?", "options": [
                {"id": "gluten", "label": "Gluten", "effects": [
                    {"type": "constraint", "op": "never", "facet": "allergens",
                     "values": ["gluten"]}]},
                {"id": "none", "label": "None"}]},
        ],
    })


def _ids(found: Any) -> list[str]:
    return [p.product_id for p in found.picks]


CANON = [Answer("brand", ("canon",)), Answer("budget", value=6000), Answer("help", ("yes",))]


def test_results_and_fill_stay_in_scope_however_hard_the_answers_pull() -> None:
    found = quiz_results(INDEX, _cameras(), CANON, customer=VISITOR, schema=SCHEMA)
    assert set(_ids(found)) == {"cam-a", "cam-b", "cam-c"}  # not the cheaper laptop or tee
    studio = quiz_results(INDEX, _cameras(), [Answer("brand", ("studio",)), *CANON[1:]],
                          customer=VISITOR, schema=SCHEMA)
    assert set(_ids(studio)) == {"cam-a", "cam-b", "cam-c"}  # fill: closest cameras only
    assert all(p.match == "closest" and p.misses == ("Studio",) for p in studio.picks)


def test_a_grocery_quiz_recommends_groceries_only() -> None:
    found = quiz_results(INDEX, _groceries(), [Answer("diet", ("any",)),
                                               Answer("organic", ("any",)),
                                               Answer("allergy", ("none",))],
                         customer=VISITOR, schema=SCHEMA)
    assert set(_ids(found)) == {"bread", "granola", "oats"}


def test_add_ons_come_only_from_the_scope() -> None:
    found = quiz_results(INDEX, _cameras(), CANON, customer=VISITOR, schema=SCHEMA)
    assert [s.product_id for s in found.add_on_services] == ["cam-setup"]
    # Without add_ons, the services of the scope's department (all Electronics here).
    department = quiz_results(INDEX, _cameras(add_ons=False), CANON, customer=VISITOR,
                              schema=SCHEMA)
    assert {s.product_id for s in department.add_on_services} == {
        "cam-setup", "laptop-setup", "smart-home"}
    # A grocery quiz is in another department: no electronics service is offered.
    grocery = QuizDefinition.model_validate({
        **_groceries().model_dump(), "questions": [
            {"id": "help", "type": "single", "text": "Help?", "options": [
                {"id": "yes", "label": "Yes", "wants_assistance": True},
                {"id": "no", "label": "No"}]}]})
    assert quiz_results(INDEX, grocery, [Answer("help", ("yes",))], customer=VISITOR,
                        schema=SCHEMA).add_on_services == ()


def test_a_budget_below_every_camera_falls_back_to_the_closest_labelled() -> None:
    answers = [Answer("brand", ("canon",)), Answer("budget", value=100), Answer("help", ("no",))]
    found = quiz_results(INDEX, _cameras(), answers, customer=VISITOR, schema=SCHEMA)
    assert found.exact == 0 and found.closest_matches
    # The least over budget first; never the in-budget laptop or T-shirt.
    assert _ids(found) == ["cam-a", "cam-b", "cam-c"]
    for pick in found.picks:
        assert pick.match == "closest"
        assert pick.misses[0] == "your budget (up to PLN\xa0100.00)"
        assert pick.reasons[0].code == "closest_match"
        assert all(r.code != "answer_budget" for r in pick.reasons)  # it is not within


def test_exact_only_still_never_ends_empty() -> None:
    answers = [Answer("brand", ("canon",)), Answer("budget", value=100), Answer("help", ("no",))]
    found = quiz_results(INDEX, _cameras(policy="exact_only"), answers, customer=VISITOR,
                         schema=SCHEMA)
    assert found.closest_matches and len(found.picks) == 3


def test_the_fallback_never_gives_up_never_rules_or_binding_musts() -> None:
    me = CustomerProfile(customer_id="c1", level="balanced", consents=CONSENTS,
                         never=(("brand", "canon"),), budget_max=50)
    found = quiz_results(INDEX, _cameras(), CANON, customer=me, schema=SCHEMA)
    assert _ids(found) == ["cam-b"]  # over their budget, labelled; never a Canon
    assert found.picks[0].misses == ("your budget (up to PLN\xa050.00)",)
    # Groceries: vegan (diet binds to groceries) and no gluten stay; organic may be missed.
    answers = [Answer("diet", ("vegan",)), Answer("organic", ("only",)),
               Answer("allergy", ("gluten",))]
    groceries = quiz_results(INDEX, _groceries(), answers, customer=VISITOR, schema=SCHEMA)
    assert _ids(groceries) == ["oats"]
    assert groceries.picks[0].misses == ("Organic",)


def test_nothing_left_even_for_the_fallback_is_an_honest_empty_list() -> None:
    me = CustomerProfile(customer_id="c1", level="balanced", consents=CONSENTS,
                         never=(("category", "Electronics > Cameras"),))
    found = quiz_results(INDEX, _cameras(), CANON, customer=me, schema=SCHEMA)
    assert found.picks == () and not found.closest_matches


def test_the_customers_budget_empties_the_set_before_any_answer() -> None:
    poor = replace(VISITOR, budget_max=50.0)
    found = narrowing(INDEX, _cameras(), [], customer=poor, schema=SCHEMA, currency="PLN")
    assert (found.count, found.of) == (0, 0)
    assert found.emptied is not None and found.emptied.by == "rules"
    assert found.emptied.message == ("Your budget of PLN\xa050.00 leaves no cameras: raise it or "
                                     "go on.")
    polish = narrowing(INDEX, localized(_cameras(), "pl"), [], customer=poor, schema=SCHEMA,
                       language="pl", currency="PLN")
    assert polish.emptied is not None
    assert polish.emptied.message == _pl(
        "Your budget of {budget} leaves no {things}: raise it or go on.",
        budget="50,00\xa0zł", things="aparatów")


def test_the_answer_that_emptied_the_set_is_named() -> None:
    found = narrowing(INDEX, _cameras(), [Answer("brand", ("canon",)),
                                          Answer("budget", value=500)],
                      customer=VISITOR, schema=SCHEMA, currency="PLN")
    assert found.count == 0 and found.emptied is not None
    assert (found.emptied.by, found.emptied.question_id) == ("answer", "budget")
    assert found.emptied.message.startswith("Your budget of PLN\xa0500.00 leaves no cameras")
    studio = narrowing(INDEX, _cameras(), [Answer("brand", ("studio",))], customer=VISITOR,
                       schema=SCHEMA)
    assert studio.emptied is not None and studio.emptied.question_id == "brand"
    assert studio.emptied.message == ("Your answer “Studio” leaves no cameras: change it or "
                                      "go on.")
    # Something left: nothing to say.
    assert narrowing(INDEX, _cameras(), CANON[:2], customer=VISITOR,
                     schema=SCHEMA).emptied is None


def test_a_single_rule_of_the_customers_is_named() -> None:
    me = CustomerProfile(customer_id="c1", level="balanced", consents=CONSENTS,
                         must={"brand": ("nikon",)})
    found = narrowing(INDEX, _cameras(), [], customer=me, schema=SCHEMA)
    assert found.emptied is not None
    assert found.emptied.message == ("Your rule “Brand: only nikon” leaves no cameras: change "
                                     "it in your preferences or go on.")


def test_a_safety_rule_that_hides_unlabelled_products_is_named_as_written() -> None:
    unlabelled = index_products([_row("loaf", "Groceries > Bread", 5),
                                 _row("rolls", "Groceries > Bread", 4)], schema=SCHEMA)
    me = CustomerProfile(customer_id="c1", level="balanced", consents=CONSENTS,
                         never=(("allergens", "gluten"),))
    found = narrowing(unlabelled, _groceries(), [], customer=me, schema=SCHEMA)
    assert found.emptied is not None and found.emptied.by == "rules"
    assert found.emptied.message == ("Your rule “Allergens: never gluten” leaves no "
                                     "groceries: change it in your preferences or go on.")


def test_reasons_and_misses_in_polish() -> None:
    shown = localized(_cameras(), "pl")
    found = quiz_results(INDEX, shown, CANON, customer=VISITOR, schema=SCHEMA, language="pl")
    texts = {r.text for p in found.picks for r in p.reasons}
    assert _pl("Matches your answer “{answer}”: {value}", answer="Canon", value="canon") in texts
    assert _pl("Within your budget ({budget})",
               budget=_pl("up to {amount}", amount="6\xa0000")) in texts
    assert found.add_on_services[0].reasons[0].text == _pl(
        "Optional add-on, because you asked for help or peace of mind; not added to your "
        "basket")
    low = quiz_results(INDEX, shown, [Answer("brand", ("studio",)), Answer("budget", value=100),
                                      Answer("help", ("no",))],
                       customer=VISITOR, schema=SCHEMA, language="pl")
    budget = _pl("your budget ({budget})", budget=_pl("up to {amount}", amount="100"))
    assert low.picks[0].misses == (budget, "Studio")
    assert low.picks[0].reasons[0].text == _pl("Closest match — misses: {what}",
                                               what=f"{budget}; Studio")


def test_the_independent_scope_check_reads_raw_values() -> None:
    quiz = _cameras()
    inside = scope_mask(INDEX, quiz, SCHEMA)
    assert {INDEX.ids[p] for p in range(INDEX.size) if inside[p]} == {"cam-a", "cam-b", "cam-c"}
    assert set(outside_scope(INDEX, range(INDEX.size), quiz.scope, SCHEMA)) == {
        "laptop", "tee", "cam-setup", "laptop-setup", "smart-home", "bread", "granola", "oats"}


def test_a_leak_out_of_scope_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    import prefero.quizzes.results as results

    def everything(index: CatalogIndex, definition: QuizDefinition,
                   schema: Any = None) -> Any:
        return scope_mask(index, definition.model_copy(update={"scope": None}), schema)

    monkeypatch.setattr(results, "scope_mask", everything)
    with pytest.raises(ConstraintLeak, match="outside the quiz's scope"):
        quiz_results(INDEX, _groceries(), [Answer("diet", ("any",)), Answer("organic", ("any",)),
                                           Answer("allergy", ("none",))],
                     customer=VISITOR, schema=SCHEMA)


# --------------------------------------------------------------------------- property

CATEGORIES = ["Electronics > Cameras > Compact", "Electronics > Laptops", "Fashion > Tops",
              "Groceries > Bread", "Electronics > Services"]


@st.composite
def catalogues(draw: st.DrawFn) -> list[ProductRow]:
    rows = []
    for i in range(draw(st.integers(min_value=1, max_value=20))):
        facets: dict[str, Any] = {"use": draw(st.lists(st.sampled_from(["photo", "work"]),
                                                       unique=True))}
        if draw(st.booleans()):
            facets["brand"] = draw(st.sampled_from(["canon", "sony"]))
        if draw(st.integers(0, 4)) == 0:
            facets["tags"] = ["service"]
        rows.append(ProductRow(f"p{i:02d}", f"Item {i}", Decimal(draw(st.integers(1, 6000))),
                               None, True, draw(st.sampled_from(["in_stock", "out_of_stock"])),
                               draw(st.sampled_from(CATEGORIES)), None, facets, None))
    return rows


def _cameras_in_stock(rows: list[ProductRow], never_brand: str | None) -> int:
    return sum(1 for r in rows if r.category.startswith("Electronics > Cameras")
               and r.availability == "in_stock" and "service" not in r.facets.get("tags", [])
               and (never_brand is None or r.facets.get("brand") != never_brand))


@settings(max_examples=80, deadline=None)
@given(rows=catalogues(), brand=st.sampled_from(["canon", "studio"]),
       budget=st.integers(1, 60).map(lambda k: k * 100), help_=st.booleans(),
       own_budget=st.none() | st.integers(1, 6000),
       never_brand=st.none() | st.sampled_from(["canon", "sony"]))
def test_every_ending_is_in_scope_and_empty_only_when_the_rules_leave_nothing(
        rows: list[ProductRow], brand: str, budget: int, help_: bool, own_budget: int | None,
        never_brand: str | None) -> None:
    index: CatalogIndex = index_products(rows, schema=SCHEMA)
    me = CustomerProfile(customer_id="c1", level="balanced", consents=CONSENTS,
                         never=(("brand", never_brand),) if never_brand else (),
                         budget_max=float(own_budget) if own_budget is not None else None)
    answers = [Answer("brand", (brand,)), Answer("budget", value=budget),
               Answer("help", ("yes" if help_ else "no",))]
    found = quiz_results(index, _cameras(), answers, customer=me, schema=SCHEMA)
    by_id = {r.id: r for r in rows}
    for pick in found.picks:  # checked on the raw rows
        row = by_id[pick.product_id]
        assert row.category.startswith("Electronics > Cameras"), row
        assert "service" not in row.facets.get("tags", [])
        assert row.facets.get("brand") != never_brand or never_brand is None
    for service in found.add_on_services:
        row = by_id[service.product_id]
        assert "photo" in row.facets["use"] and ("service" in row.facets.get("tags", [])
                                                 or "Services" in row.category)
    # Empty only when no in-stock camera passes the rules that are never given up.
    assert bool(found.picks) == (_cameras_in_stock(rows, never_brand) > 0)
