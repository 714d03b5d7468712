"""Quiz results over a catalogue snapshot: narrowing counts, fill policy, reasons, trade-offs
and add-on services — with a known answer computed directly from the rows."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from prefero.catalog.facets import load_facet_schema
from prefero.quizzes.definition import QuizDefinition
from prefero.quizzes.engine import Answer
from prefero.quizzes.results import ReasonFacts, narrowing, quiz_results
from prefero.recommend.catalog_index import CatalogIndex, ProductRow, index_products
from prefero.recommend.profile import CustomerProfile

SCHEMA = load_facet_schema()
CONSENTS: Any = {"tracking": False, "personalization": True, "context": False,
                 "marketing_email": False, "marketing_push": False}
VISITOR = CustomerProfile(customer_id=None, level="balanced", consents=CONSENTS)


def _row(pid: str, category: str, price: float, *, brand: str | None = None,
         active: bool = True, availability: str = "in_stock", title: str | None = None,
         **facets: Any) -> ProductRow:
    if brand:
        facets["brand"] = brand.casefold()
    return ProductRow(pid, title or pid, Decimal(str(price)), None, active, availability,
                      category, brand, facets, None)


ROWS = [
    _row("cam-a", "Electronics > Cameras", 2000, brand="Canon", megapixels=24, weight_g=500,
         use=["travel"]),
    _row("cam-b", "Electronics > Cameras", 2400, brand="Nikon", megapixels=20, weight_g=700,
         use=["travel", "video"]),
    _row("cam-c", "Electronics > Cameras", 3800, brand="Sony", megapixels=33, weight_g=650,
         use=["studio"]),
    _row("cam-d", "Electronics > Cameras", 900, brand="Canon", megapixels=16, weight_g=400,
         use=["travel"], title="Waterproof compact"),
    _row("cam-e", "Electronics > Cameras", 5200, brand="Sony", megapixels=45, weight_g=900,
         use=["studio", "video"]),
    _row("cam-off", "Electronics > Cameras", 1000, brand="Canon", active=False, megapixels=30),
    _row("cam-oos", "Electronics > Cameras", 1100, brand="Canon", availability="out_of_stock"),
    _row("laptop", "Electronics > Laptops", 1500, brand="Lenovo"),
    _row("setup", "Electronics > Services", 99, title="Camera set-up"),
    _row("warranty", "Electronics > Extras", 199, title="Extended warranty", tags=["service"]),
]
INDEX = index_products(sorted(ROWS, key=lambda r: r.id), schema=SCHEMA)


def _finder(*, policy: str = "fill", n: int = 3) -> QuizDefinition:
    return QuizDefinition.model_validate({
        "id": "camera-finder", "kind": "guided_selling", "title": "Find your camera",
        "scope": {"facet": "category", "values": ["Electronics > Cameras"]},
        "results": {"n": n, "policy": policy},
        "questions": [
            {"id": "use", "type": "single", "text": "What will you shoot?", "options": [
                {"id": "travel", "label": "Travel", "effects": [
                    {"type": "include", "where": {"facet": "use", "values": ["travel"]}}]},
                {"id": "studio", "label": "Studio", "effects": [
                    {"type": "include", "where": {"facet": "use", "values": ["studio"]}}]}]},
            {"id": "budget", "type": "range", "text": "Your budget?",
             "range": {"min": 500, "max": 6000, "step": 100, "unit": "PLN",
                       "effects": [{"type": "budget", "from_answer": "max"}]}},
            {"id": "brand", "type": "multiple", "text": "Any brand you already use?",
             "required": False, "options": [
                 {"id": "canon", "label": "Canon", "effects": [
                     {"type": "set_weight", "facet": "brand", "value": "canon", "weight": 1}]},
                 {"id": "sony", "label": "Sony", "effects": [
                     {"type": "set_weight", "facet": "brand", "value": "sony", "weight": 1}]}]},
            {"id": "help", "type": "single", "text": "How confident are you with tech?",
             "options": [
                 {"id": "novice", "label": "I'd like help", "wants_assistance": True},
                 {"id": "expert", "label": "I know my way around"}]},
        ],
    })


def _direct_count(*, use: str | None = None, budget: float | None = None,
                  never_brand: str | None = None) -> int:
    """The same count straight from the rows, without any of the code under test."""
    count = 0
    for row in ROWS:
        if not row.category.startswith("Electronics > Cameras") or not row.active \
                or row.availability == "out_of_stock":
            continue
        if use is not None and use not in row.facets.get("use", []):
            continue
        if budget is not None and float(row.price) > budget:
            continue
        if never_brand is not None and row.facets.get("brand") == never_brand:
            continue
        count += 1
    return count


@pytest.mark.parametrize("use", ["travel", "studio"])
@pytest.mark.parametrize("budget", [800, 1000, 2000, 2400, 4000, 6000])
def test_n_left_equals_a_direct_count(use: str, budget: float) -> None:
    answers = [Answer("use", (use,)), Answer("budget", value=budget)]
    found = narrowing(INDEX, _finder(), answers, customer=VISITOR, schema=SCHEMA)
    assert (found.count, found.of) == (_direct_count(use=use, budget=budget), _direct_count())
    step_counts = [found.of - found.steps[0].removed,
                   found.of - found.steps[0].removed - found.steps[1].removed]
    assert step_counts == [_direct_count(use=use), found.count]


def test_counts_respect_the_customers_own_constraints() -> None:
    me = CustomerProfile(customer_id="c1", level="balanced", consents=CONSENTS,
                         never=(("brand", "canon"),))
    found = narrowing(INDEX, _finder(), [Answer("use", ("travel",))], customer=me)
    assert (found.count, found.of) == (_direct_count(use="travel", never_brand="canon"),
                                       _direct_count(never_brand="canon"))


def test_removed_most_names_the_answer() -> None:
    answers = [Answer("use", ("travel",)), Answer("budget", value=1000)]
    found = narrowing(INDEX, _finder(), answers, customer=VISITOR, schema=SCHEMA)
    # travel: 5 -> 3 (removed 2); budget 1000: 3 -> 1 (removed 2): the first of equals
    assert found.removed_most is not None
    assert (found.removed_most.question_id, found.removed_most.removed) == ("use", 2)
    found = narrowing(INDEX, _finder(), [answers[0], Answer("budget", value=500)],
                      customer=VISITOR, schema=SCHEMA)
    assert found.removed_most is not None and found.removed_most.question_id == "budget"
    assert found.removed_most.answer == "500 PLN"


def _answers(use: str = "travel", budget: float = 2500, brands: tuple[str, ...] = (),
             help: str = "expert") -> list[Answer]:
    return [Answer("use", (use,)), Answer("budget", value=budget), Answer("brand", brands),
            Answer("help", (help,))]


def test_exact_only_returns_only_full_matches() -> None:
    found = quiz_results(INDEX, _finder(policy="exact_only", n=3), _answers(budget=1000),
                         customer=VISITOR, schema=SCHEMA)
    assert [p.product_id for p in found.picks] == ["cam-d"]
    assert found.exact == 1
    assert found.picks[0].match == "exact"


def test_fill_completes_with_labelled_closest_matches() -> None:
    found = quiz_results(INDEX, _finder(policy="fill", n=3), _answers(budget=2500),
                         customer=VISITOR, schema=SCHEMA)
    # equal scores: the cheaper first
    assert [p.product_id for p in found.picks] == ["cam-d", "cam-a", "cam-b"]
    found = quiz_results(INDEX, _finder(policy="fill", n=4), _answers(budget=2500),
                         customer=VISITOR, schema=SCHEMA)
    assert [p.match for p in found.picks] == ["exact", "exact", "exact"]  # budget is hard
    found = quiz_results(INDEX, _finder(policy="fill", n=4), _answers(use="studio",
                                                                      budget=4000),
                         customer=VISITOR, schema=SCHEMA)
    assert found.picks[0].product_id == "cam-c"
    closest = [p for p in found.picks if p.match == "closest"]
    assert {p.product_id for p in closest} == {"cam-a", "cam-b", "cam-d"}
    for pick in closest:
        assert pick.reasons[0].code == "closest_match"
        assert pick.misses == ("Studio",)
        assert "misses: Studio" in pick.reasons[0].text


def test_results_never_break_hard_rules() -> None:
    me = CustomerProfile(customer_id="c1", level="balanced", consents=CONSENTS,
                         never=(("brand", "sony"),))
    found = quiz_results(INDEX, _finder(n=10), _answers(use="studio", budget=6000),
                         customer=me, schema=SCHEMA)
    ids = {p.product_id for p in found.picks}
    assert not ids & {"cam-c", "cam-e", "cam-off", "cam-oos", "laptop", "setup", "warranty"}
    assert ids == {"cam-a", "cam-b", "cam-d"}


def test_reasons_say_which_answers_a_pick_matches() -> None:
    found = quiz_results(INDEX, _finder(), _answers(brands=("canon",)), customer=VISITOR,
                         schema=SCHEMA)
    # both Canons (liked) before the Nikon, the cheaper first
    assert [p.product_id for p in found.picks] == ["cam-d", "cam-a", "cam-b"]
    top = found.picks[1]
    codes = {r.code for r in top.reasons}
    assert {"answer_like", "answer_include", "answer_budget"} <= codes
    assert any(r.text == "Matches your answer “Canon”: Canon" for r in top.reasons)
    assert any(r.text == "Within your budget (up to PLN\xa02,500.00)" for r in top.reasons)

    # Each reason also carries its evidence, typed: which answer, which value, which budget.
    facts = {r.code: r.params for r in top.reasons}
    assert facts["answer_like"] == ReasonFacts(question_id="brand", answer="Canon",
                                               facet="brand", value="canon",
                                               value_label="Canon")
    assert facts["answer_include"] == ReasonFacts(question_id="use", answer="Travel")
    assert facts["answer_budget"] == ReasonFacts(question_id="budget", budget_max=2500,
                                                 currency="PLN")


def test_a_closest_match_names_what_it_misses_in_its_evidence() -> None:
    found = quiz_results(INDEX, _finder(policy="fill", n=4), _answers(use="studio",
                                                                      budget=4000),
                         customer=VISITOR, schema=SCHEMA)
    closest = [p for p in found.picks if p.match == "closest"]
    assert closest and all(p.reasons[0].params.misses == ("Studio",) for p in closest)


def test_trade_offs_against_the_other_picks() -> None:
    found = quiz_results(INDEX, _finder(), _answers(budget=2500), customer=VISITOR,
                         schema=SCHEMA)
    by_id = {p.product_id: p for p in found.picks}
    texts = {t.text for t in by_id["cam-b"].trade_offs}
    assert "costs PLN\xa0400.00 more than cam-a" in texts
    assert "heavier than cam-a" in texts
    assert "fewer megapixels than cam-a" in texts
    cheap = {t.code for t in by_id["cam-d"].trade_offs}
    assert "costs_more" not in cheap and "worse_megapixels" in cheap
    assert all(t.against != "cam-d" for t in by_id["cam-d"].trade_offs)


def test_no_trade_offs_for_a_plain_quiz() -> None:
    quiz = _finder().model_copy(update={"kind": "quiz"})
    found = quiz_results(INDEX, quiz, _answers(), customer=VISITOR, schema=SCHEMA)
    assert all(p.trade_offs == () for p in found.picks)


def test_add_on_services_are_separate_labelled_and_only_on_request() -> None:
    plain = quiz_results(INDEX, _finder(), _answers(), customer=VISITOR, schema=SCHEMA)
    assert plain.add_on_services == ()
    helped = quiz_results(INDEX, _finder(n=10), _answers(help="novice", budget=6000),
                          customer=VISITOR, schema=SCHEMA)
    services = {s.product_id: s for s in helped.add_on_services}
    assert set(services) == {"setup", "warranty"}
    assert all(s.label == "add_on_service" and not s.preselected for s in services.values())
    assert all(s.reasons[0].code == "add_on_service" for s in services.values())
    assert not {p.product_id for p in helped.picks} & set(services)


def test_services_follow_the_customers_rules() -> None:
    me = CustomerProfile(customer_id="c1", level="balanced", consents=CONSENTS,
                         budget_max=150)
    helped = quiz_results(INDEX, _finder(), _answers(help="novice"), customer=me,
                          schema=SCHEMA)
    assert [s.product_id for s in helped.add_on_services] == ["setup"]


def _index(rows: list[ProductRow]) -> CatalogIndex:
    return index_products(sorted(rows, key=lambda r: r.id), schema=SCHEMA)


def test_keywords_and_votes_rank() -> None:
    quiz = QuizDefinition.model_validate({
        "id": "k", "kind": "quiz", "title": "K", "results": {"n": 2},
        "questions": [
            {"id": "words", "type": "text", "text": "Describe it", "text_facet_boost": 2},
            {"id": "mood", "type": "single", "text": "Mood?", "options": [
                {"id": "calm", "label": "Calm", "effects": [
                    {"type": "downvote", "where": {"facet": "color", "values": ["red"]},
                     "strength": 5}]},
                {"id": "any", "label": "Any"}]}]})
    index = _index([_row("a", "Fashion > Shirts", 10, color=["red"], title="Waterproof red"),
                    _row("b", "Fashion > Shirts", 20, title="Waterproof shell"),
                    _row("c", "Fashion > Shirts", 5, title="Cotton tee")])
    found = quiz_results(index, quiz, [Answer("words", text="waterproof"),
                                       Answer("mood", ("calm",))], customer=VISITOR)
    assert [p.product_id for p in found.picks] == ["b", "c"]
    assert any(r.code == "answer_keyword" for r in found.picks[0].reasons)


def test_a_quiz_of_traits_alone_claims_no_fit_with_its_picks() -> None:
    # Answers that only measure a trait say nothing about products: "fits all your answers"
    # would claim a match that was never tested.
    traits = QuizDefinition.model_validate({
        "id": "traits", "kind": "quiz", "title": "About you",
        "questions": [{"id": "q1", "type": "single", "text": "Outgoing?", "options": [
            {"id": "yes", "label": "Yes",
             "effects": [{"type": "trait", "trait": "extraversion", "points": 1}]},
            {"id": "no", "label": "No",
             "effects": [{"type": "trait", "trait": "extraversion", "points": -1}]}]}]})
    found = quiz_results(INDEX, traits, [Answer("q1", option_ids=("yes",))],
                         customer=VISITOR, schema=SCHEMA)
    assert found.picks
    codes = {r.code for pick in found.picks for r in pick.reasons}
    assert "answer_fit" not in codes and codes == {"editorial"}
