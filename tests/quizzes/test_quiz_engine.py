"""The pure quiz engine: branching, answer validation and every effect type."""

from __future__ import annotations

from typing import Any

import pytest

from prefero.catalog.facets import load_facet_schema
from prefero.errors import InvalidInput
from prefero.quizzes.definition import QuizDefinition
from prefero.quizzes.engine import (
    Answer,
    answer_label,
    next_question,
    outcome,
    progress,
    validate_answer,
)


def _quiz(questions: list[dict[str, Any]], kind: str = "quiz") -> QuizDefinition:
    return QuizDefinition.model_validate({"id": "t", "kind": kind, "title": "T",
                                          "questions": questions})


def _choice(qid: str, *options: str | dict[str, Any], type: str = "single",
            required: bool = True, show_if: dict[str, Any] | None = None) -> dict[str, Any]:
    opts = [o if isinstance(o, dict) else {"id": o, "label": o.title()} for o in options]
    question: dict[str, Any] = {"id": qid, "type": type, "text": f"{qid}?", "options": opts,
                                "required": required}
    if show_if is not None:
        question["show_if"] = show_if
    return question


BRANCHING = _quiz([
    _choice("use", "travel", "studio"),
    _choice("video", "yes", "no", show_if={"question": "use", "any_of": ["travel"]}),
    {"id": "budget", "type": "range", "text": "Budget?",
     "range": {"min": 0, "max": 5000, "step": 100}},
    _choice("pro", "yes", "no", show_if={"question": "budget", "min": 3000}),
    _choice("both", "yes", "no", show_if={"all": [
        {"question": "use", "any_of": ["travel"]}, {"question": "video", "any_of": ["yes"]}]}),
    {"id": "notes", "type": "text", "text": "Anything else?", "required": False},
])


def test_branching_skips_questions_whose_condition_is_false() -> None:
    assert next_question(BRANCHING, []).id == "use"  # type: ignore[union-attr]
    studio = [Answer("use", ("studio",))]
    assert next_question(BRANCHING, studio).id == "budget"  # type: ignore[union-attr]
    cheap = [*studio, Answer("budget", value=1000)]
    assert next_question(BRANCHING, cheap).id == "notes"  # type: ignore[union-attr]
    rich = [*studio, Answer("budget", value=3000)]
    assert next_question(BRANCHING, rich).id == "pro"  # type: ignore[union-attr]


def test_branching_with_all_conditions_and_the_end() -> None:
    travel = [Answer("use", ("travel",))]
    assert next_question(BRANCHING, travel).id == "video"  # type: ignore[union-attr]
    answers = [*travel, Answer("video", ("yes",)), Answer("budget", value=500)]
    assert next_question(BRANCHING, answers).id == "both"  # type: ignore[union-attr]
    no_video = [*travel, Answer("video", ("no",)), Answer("budget", value=500)]
    assert next_question(BRANCHING, no_video).id == "notes"  # type: ignore[union-attr]
    assert next_question(BRANCHING, [*no_video, Answer("notes")]) is None


def test_a_skipped_question_matches_no_condition() -> None:
    quiz = _quiz([_choice("a", "x", "y", required=False),
                  _choice("b", "x", "y", show_if={"question": "a", "any_of": ["x", "y"]}),
                  {"id": "c", "type": "text", "text": "C?"}])
    assert next_question(quiz, [Answer("a")]).id == "c"  # type: ignore[union-attr]


def test_progress_counts_only_questions_that_can_still_come() -> None:
    assert progress(BRANCHING, []) == {"answered": 0, "total": 6}
    studio = [Answer("use", ("studio",))]
    # "video" and "both" are decided (false); "pro" depends on the budget still to come
    assert progress(BRANCHING, studio) == {"answered": 1, "total": 4}
    cheap = [*studio, Answer("budget", value=1000)]
    assert progress(BRANCHING, cheap) == {"answered": 2, "total": 3}


# --------------------------------------------------------------------------- validation


def _errors(question: dict[str, Any], answer: Answer) -> list[tuple[tuple[Any, ...], str]]:
    quiz = _quiz([question])
    with pytest.raises(InvalidInput) as caught:
        validate_answer(quiz.questions[0], answer)
    return [(e.loc, e.msg) for e in caught.value.errors]


def test_unknown_option_points_at_its_index() -> None:
    found = _errors(_choice("q", "a", "b", type="multiple"), Answer("q", ("a", "zzz")))
    assert found == [(("option_ids", 1), "'q' has no option 'zzz'")]


def test_several_options_on_a_single_question() -> None:
    found = _errors(_choice("q", "a", "b"), Answer("q", ("a", "b")))
    assert [loc for loc, _ in found] == [("option_ids",)]
    assert "one option" in found[0][1]


def test_repeated_option_is_refused() -> None:
    found = _errors(_choice("q", "a", "b", type="multiple"), Answer("q", ("a", "a")))
    assert found == [(("option_ids", 1), "'a' is given twice")]


@pytest.mark.parametrize(("value", "message"), [
    (-100, "must lie between 0 and 5000"),
    (5100, "must lie between 0 and 5000"),
    (150, "must be 0 plus a multiple of 100"),
])
def test_range_value_outside_range_or_step(value: float, message: str) -> None:
    question = {"id": "q", "type": "range", "text": "Q?",
                "range": {"min": 0, "max": 5000, "step": 100}}
    assert _errors(question, Answer("q", value=value)) == [(("value",), message)]


def test_fractional_steps_tolerate_float_noise() -> None:
    quiz = _quiz([{"id": "q", "type": "range", "text": "Q?",
                   "range": {"min": 0, "max": 1, "step": 0.1}}])
    assert validate_answer(quiz.questions[0], Answer("q", value=0.1 * 3)).value == 0.1 * 3


@pytest.mark.parametrize(("question", "loc"), [
    (_choice("q", "a", "b"), ("option_ids",)),
    ({"id": "q", "type": "range", "text": "Q?", "range": {"min": 0, "max": 9}}, ("value",)),
    ({"id": "q", "type": "text", "text": "Q?"}, ("text",)),
])
def test_missing_required_answer(question: dict[str, Any], loc: tuple[str, ...]) -> None:
    assert _errors(question, Answer("q", text="  " if loc == ("text",) else None)) == [
        (loc, "this question needs an answer")]


def test_optional_question_may_be_skipped() -> None:
    quiz = _quiz([_choice("q", "a", "b", required=False)])
    assert validate_answer(quiz.questions[0], Answer("q")).skipped


def test_answer_of_the_wrong_shape() -> None:
    found = _errors(_choice("q", "a", "b"), Answer("q", ("a",), value=3, text="hi"))
    assert {loc for loc, _ in found} == {("value",), ("text",)}
    found = _errors({"id": "q", "type": "range", "text": "Q?", "range": {"min": 0, "max": 9}},
                    Answer("q", ("a",), value=3))
    assert found == [(("option_ids",), "a range question takes no options")]


# --------------------------------------------------------------------------- effects


def _with(effects: list[dict[str, Any]], **option: Any) -> dict[str, Any]:
    return {"id": "x", "label": "X", "effects": effects, **option}


def test_set_and_adjust_weights_clip_to_one() -> None:
    quiz = _quiz([
        _choice("a", _with([{"type": "set_weight", "facet": "style", "value": "classic",
                             "weight": 0.8}]), "no"),
        _choice("b", _with([{"type": "adjust_weight", "facet": "style", "value": "classic",
                             "delta": 0.5},
                            {"type": "adjust_weight", "facet": "color", "value": "red",
                             "delta": -1.5}]), "no"),
        _choice("c", _with([{"type": "set_weight", "facet": "style", "value": "boho",
                             "weight": -0.4}]), "no"),
    ])
    result = outcome(quiz, [Answer("a", ("x",)), Answer("b", ("x",)), Answer("c", ("x",))])
    assert result.likes == {("style", "classic"): 1.0, ("color", "red"): -1.0,
                            ("style", "boho"): -0.4}
    assert result.sources[("like", "style", "classic")] == "b"


def test_constraints_budget_sizes_and_traits() -> None:
    quiz = _quiz([
        _choice("allergy", _with([{"type": "constraint", "op": "never", "facet": "allergens",
                                   "values": ["Gluten", "nuts"]}], id="g"),
                _with([{"type": "constraint", "op": "must", "facet": "diet",
                        "values": ["vegan"]},
                       {"type": "trait", "trait": "openness", "points": 2}], id="v"),
                type="multiple"),
        _choice("fixed", _with([{"type": "budget", "max": 300},
                                {"type": "sizes", "category": "Fashion>Shoes",
                                 "values": ["42", "43"]},
                                {"type": "trait", "trait": "openness", "points": 1.5}]), "no"),
    ])
    schema = load_facet_schema()
    result = outcome(quiz, [Answer("allergy", ("g", "v")), Answer("fixed", ("x",))],
                     schema=schema)
    assert result.never == {("allergens", "gluten"), ("allergens", "nuts")}
    assert result.must == {"diet": ["vegan"]}
    assert (result.budget_min, result.budget_max) == (None, 300)
    assert result.sizes == {"Fashion > Shoes": {"42", "43"}}
    assert result.traits == {"openness": 3.5}


def test_budget_and_numeric_bound_from_a_range_answer() -> None:
    quiz = _quiz([{"id": "budget", "type": "range", "text": "Budget?",
                   "range": {"min": 0, "max": 9000, "step": 100, "effects": [
                       {"type": "budget", "from_answer": "max", "min": 100},
                       {"type": "numeric_bound", "facet": "megapixels", "bound": "min"}]}}])
    result = outcome(quiz, [Answer("budget", value=2500)])
    assert (result.budget_min, result.budget_max) == (100, 2500)
    assert [(b.facet, b.bound, b.value) for b in result.bounds] == [("megapixels", "min", 2500)]


def test_include_exclude_votes_keywords_and_assistance() -> None:
    quiz = _quiz([
        _choice("brand", _with([{"type": "include", "where": {"facet": "brand",
                                                               "values": ["Canon"]}},
                                {"type": "exclude", "where": {"facet": "condition",
                                                              "values": ["used"]}},
                                {"type": "upvote", "where": {"facet": "use",
                                                             "values": ["travel"]},
                                 "strength": 2},
                                {"type": "downvote", "where": {"facet": "use",
                                                               "values": ["studio"]}}],
                               wants_assistance=True), "no"),
        {"id": "words", "type": "text", "text": "Anything?", "text_facet_boost": 3},
    ])
    schema = load_facet_schema()
    result = outcome(quiz, [Answer("brand", ("x",)),
                            Answer("words", text="Waterproof and LIGHT, a waterproof")],
                     schema=schema)
    assert [t.where.values for t in result.include] == [["canon"]]
    assert [t.where.values for t in result.exclude] == [["used"]]
    assert [(v.where.values, v.weight) for v in result.votes] == [(["travel"], 2.0),
                                                                  (["studio"], -1.0)]
    assert [(k.word, k.boost) for k in result.keywords] == [("waterproof", 3.0), ("and", 3.0),
                                                            ("light", 3.0)]
    assert result.wants_assistance


def test_no_assistance_unless_an_answer_asks() -> None:
    quiz = _quiz([_choice("q", _with([], wants_assistance=True), "no")])
    assert not outcome(quiz, [Answer("q", ("no",))]).wants_assistance


def test_answer_labels() -> None:
    assert answer_label(BRANCHING.questions[0], Answer("use", ("travel",))) == "Travel"
    assert answer_label(BRANCHING.questions[5], Answer("notes")) == "skipped"
