"""The session service on a real database: versions, resume, back, consent gating, retake
semantics and "declared beats quiz"."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from factories import add_products, consent, customer, product
from prefero.customers.models import Customer, Preference
from prefero.errors import Conflict, InvalidInput, NotFound
from prefero.quizzes import sessions
from prefero.quizzes.definition import QuizDefinition
from prefero.quizzes.engine import Answer
from prefero.quizzes.models import CustomerTrait, QuizSession, QuizVersion
from prefero.runtime import Runtime


def _definition(quiz_id: str = "grocery", *, extra_question: bool = False) -> QuizDefinition:
    questions: list[dict[str, Any]] = [
        {"id": "allergies", "type": "multiple", "text": "Anything you must avoid?",
         "required": False, "options": [
             {"id": "gluten", "label": "Gluten", "effects": [
                 {"type": "constraint", "op": "never", "facet": "allergens",
                  "values": ["gluten"]}]},
             {"id": "nuts", "label": "Nuts", "effects": [
                 {"type": "constraint", "op": "never", "facet": "allergens",
                  "values": ["nuts"]}]}]},
        {"id": "diet", "type": "single", "text": "Your diet?", "options": [
            {"id": "vegan", "label": "Vegan", "effects": [
                {"type": "set_weight", "facet": "diet", "value": "vegan", "weight": 1},
                {"type": "trait", "trait": "openness", "points": 2}]},
            {"id": "any", "label": "Anything", "effects": [
                {"type": "set_weight", "facet": "organic", "value": "true", "weight": 0.5}]}]},
        {"id": "budget", "type": "range", "text": "Weekly budget?",
         "range": {"min": 0, "max": 1000, "step": 10,
                   "effects": [{"type": "budget", "from_answer": "max"}]}},
    ]
    if extra_question:
        questions.insert(1, {"id": "organic", "type": "single", "text": "Organic?",
                             "options": [{"id": "yes", "label": "Yes"},
                                         {"id": "no", "label": "No"}]})
    return QuizDefinition.model_validate({
        "id": quiz_id, "kind": "guided_selling", "title": "Groceries",
        "scope": {"facet": "category", "values": ["Groceries"]},
        "questions": questions})


def _publish(session: Session, definition: QuizDefinition, version: int = 1) -> None:
    session.add(QuizVersion(quiz_id=definition.id, version=version, kind=definition.kind,
                            title=definition.title,
                            definition=definition.model_dump(mode="json"),
                            digest=f"test-{version}"))
    session.flush()


@pytest.fixture
def shop(runtime: Runtime) -> Runtime:
    with runtime.session() as s:
        add_products(s, [
            product("bread", category="Groceries > Bread", price=6,
                    facets={"allergens": ["gluten"]}),
            product("gf-bread", category="Groceries > Bread", price=12,
                    facets={"allergens": [], "diet": ["vegan"]}),
            product("granola", category="Groceries > Cereals", price=15,
                    facets={"allergens": ["nuts", "gluten"], "diet": ["vegan"]}),
            # labelled "no allergens": an unlabelled grocery is hidden by any allergen rule
            product("rice", category="Groceries > Pantry", price=8,
                    facets={"allergens": [], "diet": ["vegan"]}),
            product("tee", category="Fashion > Shirts", price=60),
        ])
        _publish(s, _definition())
        _publish(s, _definition("other"))
    return runtime


ALL = [Answer("allergies", ("gluten",)), Answer("diet", ("vegan",)), Answer("budget", value=100)]


def _take(runtime: Runtime, customer_id: str | None, answers: list[Answer] = ALL,
          quiz_id: str = "grocery") -> sessions.QuizSessionOut:
    with runtime.session() as s:
        out = sessions.start(s, quiz_id=quiz_id, customer_id=customer_id, runtime=runtime)
    for given in answers:
        with runtime.session() as s:
            out = sessions.answer(s, session_id=out.session_id, given=given, runtime=runtime)
    return out


def _rows(runtime: Runtime, cid: str) -> set[tuple[str, str, str, str]]:
    with runtime.session() as s:
        return {(r.kind, r.facet, r.value, r.source) for r in s.scalars(
            select(Preference).where(Preference.customer_id == cid))}


def test_start_answer_complete_and_store(shop: Runtime) -> None:
    with shop.session() as s:
        started = sessions.start(s, quiz_id="grocery", customer_id="c1", runtime=shop)
    assert started.question is not None and started.question.id == "allergies"
    assert started.remaining is not None
    assert (started.remaining.count, started.remaining.of) == (4, 4)
    with shop.session() as s:
        after = sessions.answer(s, session_id=started.session_id, given=ALL[0], runtime=shop)
    assert after.remaining is not None and after.remaining.count == 2
    assert after.removed_most is not None and after.removed_most.question_id == "allergies"
    done = _take(shop, "c1")
    assert done.completed and done.stored
    assert done.results is not None
    assert {r.product_id for r in done.results} == {"gf-bread", "rice"}
    assert _rows(shop, "c1") == {("never", "allergens", "gluten", "quiz:grocery@1"),
                                 ("like", "diet", "vegan", "quiz:grocery@1")}
    with shop.session() as s:
        me = s.get(Customer, "c1")
        assert me is not None and float(me.budget_max or 0) == 100
        assert me.budget_source == "quiz:grocery@1"
        trait = s.get(CustomerTrait, ("c1", "openness"))
        assert trait is not None and (trait.value, trait.source) == (2.0, "quiz:grocery@1")


def test_a_session_keeps_its_version(shop: Runtime) -> None:
    with shop.session() as s:
        started = sessions.start(s, quiz_id="grocery", customer_id=None, runtime=shop)
        sessions.answer(s, session_id=started.session_id, given=ALL[0], runtime=shop)
        _publish(s, _definition(extra_question=True), version=2)
    with shop.session() as s:
        resumed = sessions.get(s, session_id=started.session_id, runtime=shop)
        assert resumed.version == 1
        assert resumed.question is not None and resumed.question.id == "diet"
        fresh = sessions.start(s, quiz_id="grocery", customer_id=None, runtime=shop)
        assert fresh.version == 2
        fresh = sessions.answer(s, session_id=fresh.session_id, given=ALL[0], runtime=shop)
        assert fresh.question is not None and fresh.question.id == "organic"


def test_resume_and_back(shop: Runtime) -> None:
    with shop.session() as s:
        started = sessions.start(s, quiz_id="grocery", customer_id="c1", runtime=shop)
        sid = started.session_id
        sessions.answer(s, session_id=sid, given=ALL[0], runtime=shop)
        sessions.answer(s, session_id=sid, given=ALL[1], runtime=shop)
    with shop.session() as s:
        resumed = sessions.get(s, session_id=sid, runtime=shop)
    assert resumed.question is not None and resumed.question.id == "budget"
    assert resumed.progress.answered == 2
    assert [a.question_id for a in resumed.answers] == ["allergies", "diet"]
    with shop.session() as s:
        back = sessions.back(s, session_id=sid, runtime=shop)
    assert back.question is not None and back.question.id == "diet"
    assert back.progress.answered == 1
    with shop.session() as s:
        changed = sessions.answer(s, session_id=sid, given=Answer("diet", ("any",)),
                                  runtime=shop)
    assert changed.answers[-1].option_ids == ["any"]


def test_conflicts_and_invalid_answers(shop: Runtime) -> None:
    with shop.session() as s:
        sid = sessions.start(s, quiz_id="grocery", customer_id=None, runtime=shop).session_id
    with shop.session() as s, pytest.raises(Conflict):
        sessions.answer(s, session_id=sid, given=ALL[1], runtime=shop)  # not the current one
    with shop.session() as s, pytest.raises(InvalidInput) as caught:
        sessions.answer(s, session_id=sid, given=Answer("allergies", ("soy",)), runtime=shop)
    assert caught.value.errors[0].loc == ("option_ids", 0)
    with shop.session() as s, pytest.raises(InvalidInput) as caught:
        sessions.answer(s, session_id=sid, given=Answer("nope", ("soy",)), runtime=shop)
    assert caught.value.errors[0].loc == ("question_id",)
    done = _take(shop, None)
    with shop.session() as s, pytest.raises(Conflict):
        sessions.answer(s, session_id=done.session_id, given=ALL[0], runtime=shop)
    with shop.session() as s, pytest.raises(Conflict):
        sessions.back(s, session_id=done.session_id, runtime=shop)
    with shop.session() as s, pytest.raises(NotFound):
        sessions.get(s, session_id="missing", runtime=shop)
    with shop.session() as s, pytest.raises(NotFound):
        sessions.start(s, quiz_id="missing", customer_id=None, runtime=shop)


def test_without_consent_nothing_is_stored(shop: Runtime) -> None:
    with shop.session() as s:
        customer(s, "c-no")
        consent(s, "c-no", "personalization", False)
    done = _take(shop, "c-no")
    assert done.completed and done.stored is False
    assert done.results  # the result is still shown
    assert _rows(shop, "c-no") == set()
    with shop.session() as s:
        me = s.get(Customer, "c-no")
        assert me is not None and me.budget_max is None
        assert s.scalars(select(CustomerTrait)).all() == []
        # shown once: the session no longer points at the person...
        row = s.get(QuizSession, done.session_id)
        assert row is not None and row.customer_id is None and row.status == "discarded"
        assert s.scalars(select(QuizSession).where(QuizSession.customer_id == "c-no")).all() \
            == []
    # ...and asking again gives no result (it could not honour the customer's own rules)
    with shop.session() as s:
        again = sessions.get(s, session_id=done.session_id, runtime=shop)
    assert again.completed and again.stored is False and again.results == []


def test_a_visitor_gets_results_and_nothing_is_stored(shop: Runtime) -> None:
    done = _take(shop, None)
    assert done.completed and done.stored is False and done.results
    with shop.session() as s:
        assert s.scalars(select(Preference)).all() == []
        row = s.get(QuizSession, done.session_id)
        assert row is not None and row.status == "completed" and not row.stored


def test_retake_replaces_only_that_quizs_rows(shop: Runtime) -> None:
    with shop.session() as s:
        customer(s, "c1", likes=[("brand", "acme", 0.7)])
    _take(shop, "c1", [Answer("allergies", ("nuts",)), Answer("diet", ("any",)),
                       Answer("budget", value=50)], quiz_id="other")
    _take(shop, "c1")
    first = _rows(shop, "c1")
    assert ("never", "allergens", "gluten", "quiz:grocery@1") in first
    # A retake (of a newer version) replaces the earlier take's rows, every version's.
    with shop.session() as s:
        _publish(s, _definition(extra_question=True), version=2)
    _take(shop, "c1", [Answer("allergies", ("nuts",)), Answer("organic", ("yes",)),
                       Answer("diet", ("any",)), Answer("budget", value=200)])
    assert _rows(shop, "c1") == {
        ("like", "brand", "acme", "declared"),
        ("never", "allergens", "nuts", "quiz:other@1"),
        ("like", "organic", "true", "quiz:other@1"),
        # the same value from this quiz is kept by the other quiz's row (unique key)
    }
    with shop.session() as s:
        me = s.get(Customer, "c1")
        assert me is not None and me.budget_source == "quiz:grocery@2"
        assert float(me.budget_max or 0) == 200
        # the vegan answer is gone, and so is the trait it gave
        assert s.get(CustomerTrait, ("c1", "openness")) is None


def test_declared_beats_quiz(shop: Runtime) -> None:
    with shop.session() as s:
        customer(s, "c1", never=[("allergens", "gluten")], likes=[("diet", "vegan", 0.3)],
                 budget_max=40)
        s.get(Customer, "c1").budget_source = "declared"  # type: ignore[union-attr]
    done = _take(shop, "c1")
    assert done.stored
    kept = {(k.kind, k.facet, k.value, k.source) for k in done.kept}
    assert kept == {("never", "allergens", "gluten", "declared"),
                    ("like", "diet", "vegan", "declared"),
                    ("budget", "price", "-40.00", "declared")}
    with shop.session() as s:
        vegan = s.scalars(select(Preference).where(Preference.kind == "like")).one()
        assert (vegan.weight, vegan.source) == (0.3, "declared")
        me = s.get(Customer, "c1")
        assert me is not None and float(me.budget_max or 0) == 40


def test_quiz_preferences_grouped_and_removed(shop: Runtime) -> None:
    with shop.session() as s:
        customer(s, "c1", likes=[("brand", "acme", 0.7)])
    _take(shop, "c1")
    _take(shop, "c1", [Answer("allergies", ("nuts",)), Answer("diet", ("any",)),
                       Answer("budget", value=50)], quiz_id="other")
    with shop.session() as s:
        grouped = sessions.quiz_preferences(s, customer_id="c1")
    by_source = {g.source: g for g in grouped.quizzes}
    assert set(by_source) == {"quiz:grocery@1", "quiz:other@1"}
    grocery = by_source["quiz:grocery@1"]
    assert (grocery.quiz_id, grocery.version) == ("grocery", 1)
    assert [(c.op, c.values) for c in grocery.constraints] == [("never", ["gluten"])]
    assert [t.trait for t in grocery.traits] == ["openness"]
    assert by_source["quiz:other@1"].budget is not None  # the later quiz set the budget
    with shop.session() as s:
        removed = sessions.remove_quiz_preferences(s, customer_id="c1", quiz_id="grocery")
    assert (removed.preferences, removed.traits, removed.budget) == (2, 1, False)
    assert _rows(shop, "c1") == {("like", "brand", "acme", "declared"),
                                 ("never", "allergens", "nuts", "quiz:other@1"),
                                 ("like", "organic", "true", "quiz:other@1")}
    with shop.session() as s, pytest.raises(NotFound):
        sessions.quiz_preferences(s, customer_id="nobody")
