"""The demo library: every file loads with the default facet schema and says what it should."""

from __future__ import annotations

from collections import Counter

import pytest

from prefero.catalog.facets import load_facet_schema
from prefero.quizzes.definition import AddConstraint, QuizDefinition, SetBudget, TraitPoints
from prefero.quizzes.loader import load_definition
from prefero.quizzes.publish import library_files

SCHEMA = load_facet_schema()
DIMENSIONS = {"openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism"}


def _library() -> dict[str, QuizDefinition]:
    return {f.name: load_definition(f.read_bytes(), source=f.name, schema=SCHEMA)
            for f in library_files()}


@pytest.mark.parametrize("name", [f.name for f in library_files()])
def test_every_library_file_loads(name: str) -> None:
    definition = _library()[name]
    assert f"{definition.id}.yaml" == name


def test_the_library_has_what_the_demo_promises() -> None:
    kinds = {d.id: d.kind for d in _library().values()}
    assert {"fashion-style", "camera-finder", "grocery-setup", "big-five"} <= set(kinds)
    assert kinds["camera-finder"] == "guided_selling" and kinds["big-five"] == "quiz"


def test_big_five_has_ten_items_two_per_dimension_one_reversed() -> None:
    quiz = _library()["big-five.yaml"]
    assert len(quiz.questions) == 10
    per_dimension: Counter[str] = Counter()
    reversed_items: Counter[str] = Counter()
    for question in quiz.questions:
        effects = [e for option in question.options for e in option.effects]
        # Trait points and nothing else.
        assert effects and all(isinstance(e, TraitPoints) for e in effects)
        traits = {e.trait for e in effects if isinstance(e, TraitPoints)}
        assert len(traits) == 1
        trait = traits.pop()
        per_dimension[trait] += 1
        agree_most = question.options[-1].effects[0]
        assert isinstance(agree_most, TraitPoints)
        if agree_most.points < 0:
            reversed_items[trait] += 1
    assert per_dimension == dict.fromkeys(DIMENSIONS, 2)
    assert reversed_items == dict.fromkeys(DIMENSIONS, 1)


def test_grocery_allergens_become_never_constraints() -> None:
    quiz = _library()["grocery-setup.yaml"]
    question = next(q for q in quiz.questions if q.id == "allergens")
    assert question.type == "multiple"
    named = {}
    for option in question.options:
        for effect in option.effects:
            assert isinstance(effect, AddConstraint)
            assert (effect.op, effect.facet) == ("never", "allergens")
            named[option.id] = effect.values
    assert named == {a: [a] for a in ("gluten", "nuts", "lactose", "soy", "eggs")}


def test_camera_finder_narrows_cameras_with_a_budget_and_offers_help() -> None:
    quiz = _library()["camera-finder.yaml"]
    assert quiz.scope is not None and quiz.scope.values == ["Electronics > Cameras"]
    budget = next(q for q in quiz.questions if q.id == "budget")
    assert budget.range is not None
    assert any(isinstance(e, SetBudget) and e.from_answer == "max" for e in budget.range.effects)
    assert any(option.wants_assistance for q in quiz.questions for option in q.options)
