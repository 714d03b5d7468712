"""Guided selling that ends in a configuration: the definition's ``configuration`` block,
the loader's exact error paths, and the answers turned into pre-selected options."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from prefero.catalog.facets import load_facet_schema
from prefero.configurators.loader import load_configurators_file
from prefero.errors import InvalidInput
from prefero.quizzes.configuration import (
    configurator_keys,
    ending_link,
    ending_picks,
    parse_picks,
    preselections,
)
from prefero.quizzes.definition import QuizDefinition
from prefero.quizzes.engine import Answer
from prefero.quizzes.loader import load_definition
from prefero.quizzes.publish import content_digest, library_files
from prefero.quizzes.texts import localized

SCHEMA = load_facet_schema()
KEYS = {"lap-1": {"graphics": {"integrated", "rtx"}, "psu": {"550w", "750w"},
                  "memory": {"16gb", "32gb"}}}


def _valid() -> dict[str, Any]:
    return copy.deepcopy({
        "id": "build",
        "kind": "guided_selling",
        "title": "Build your laptop",
        "questions": [
            {"id": "use", "type": "multiple", "text": "What for?", "options": [
                {"id": "work", "label": "Work"}, {"id": "gaming", "label": "Gaming"},
                {"id": "video", "label": "Video editing"}]},
            {"id": "budget", "type": "range", "text": "Budget?",
             "range": {"min": 1000, "max": 9000}},
        ],
        "configuration": {"product_id": "lap-1", "preselect": [
            {"question": "use", "option": "gaming", "choose": {"graphics": "rtx",
                                                              "psu": "750w"}},
            {"question": "use", "option": "video", "choose": {"memory": "32gb",
                                                             "graphics": "integrated"}},
            {"question": "use", "option": "work", "choose": {"graphics": "integrated"}},
        ]},
        "translations": {"pl": {"Build your laptop": "Zbuduj laptop", "What for?": "Do czego?",
                                "Work": "Praca", "Gaming": "Gry",
                                "Video editing": "Montaż wideo", "Budget?": "Budżet?"}},
    })


def _load(document: dict[str, Any], **kwargs: Any) -> QuizDefinition:
    return load_definition(yaml.safe_dump(document, allow_unicode=True), source="build.yaml",
                           schema=SCHEMA, **kwargs)


def _problems(document: dict[str, Any], **kwargs: Any) -> list[tuple[tuple[Any, ...], str]]:
    with pytest.raises(InvalidInput) as caught:
        _load(document, **kwargs)
    return [(e.loc, e.msg) for e in caught.value.errors]


def test_a_valid_ending_loads_with_and_without_the_configurators() -> None:
    for keys in (None, KEYS):
        quiz = _load(_valid(), configurators=keys)
        assert quiz.configuration is not None
        assert quiz.configuration.product_id == "lap-1"
        assert [p.option for p in quiz.configuration.preselect] == ["gaming", "video", "work"]


def test_references_into_the_quiz_are_reported_at_their_paths() -> None:
    document = _valid()
    entries = document["configuration"]["preselect"]
    entries[0]["question"] = "usage"
    entries[1]["option"] = "streaming"
    entries.append({"question": "budget", "option": "low", "choose": {"memory": "16gb"}})
    assert _problems(document) == [
        (("build.yaml", "configuration", "preselect", 0, "question"),
         "'usage' is not a question of this quiz"),
        (("build.yaml", "configuration", "preselect", 1, "option"),
         "question 'use' has no option 'streaming'"),
        (("build.yaml", "configuration", "preselect", 3, "question"),
         "'budget' is a range question: only an answer picked from options can pre-select"),
    ]


def test_groups_and_options_are_checked_against_the_configurator() -> None:
    document = _valid()
    entries = document["configuration"]["preselect"]
    entries[0]["choose"] = {"gpu": "rtx", "psu": "1000w"}
    problems = _problems(document, configurators=KEYS)
    assert [loc for loc, _ in problems] == [
        ("build.yaml", "configuration", "preselect", 0, "choose", "gpu"),
        ("build.yaml", "configuration", "preselect", 0, "choose", "psu"),
    ]
    assert "has no group 'gpu'; groups: graphics, memory, psu" in problems[0][1]
    assert "group 'psu' has no option '1000w'; options: 550w, 750w" in problems[1][1]
    # Without the shop's configurators only the quiz's own references can be checked.
    assert _load(document).configuration is not None


def test_a_product_that_cannot_be_configured_is_refused() -> None:
    document = _valid()
    document["configuration"]["product_id"] = "toaster"
    assert _problems(document, configurators=KEYS) == [
        (("build.yaml", "configuration", "product_id"),
         "'toaster' is not a configurable product; configurable: lap-1")]


def test_shape_errors_come_with_the_other_problems() -> None:
    document = _valid()
    document["configuration"]["preselect"][0]["choose"] = {}
    document["configuration"]["preselect"][1]["colour"] = "red"
    document["configuration"]["preselect"][2]["question"] = "nope"
    locs = [loc for loc, _ in _problems(document)]
    assert locs == [
        ("build.yaml", "configuration", "preselect", 0, "choose"),
        ("build.yaml", "configuration", "preselect", 1, "colour"),
        ("build.yaml", "configuration", "preselect", 2, "question"),
    ]


def test_a_quiz_without_an_ending_keeps_its_stored_form_and_digest() -> None:
    document = _valid()
    del document["configuration"]
    quiz = _load(document)
    assert "configuration" not in quiz.model_dump(mode="json")
    with_ending = _load(_valid())
    dumped = with_ending.model_dump(mode="json")
    assert dumped["configuration"]["product_id"] == "lap-1"
    # Stored and read back, the ending survives; the digest tells the two apart.
    assert QuizDefinition.model_validate(dumped) == with_ending
    assert content_digest(quiz) != content_digest(with_ending)


def test_answers_become_preselections_explained_by_the_answer() -> None:
    quiz = _load(_valid())
    answers = [Answer("use", option_ids=("work", "gaming")), Answer("budget", value=4000)]
    picks = ending_picks(quiz, answers)
    assert picks == [("use", "work"), ("use", "gaming")]
    chosen = {p.group: (p.option, p.answer_label) for p in preselections(quiz, picks)}
    # The first entry that chooses a group wins: gaming is listed before work.
    assert chosen == {"graphics": ("rtx", "Gaming"), "psu": ("750w", "Gaming")}
    polish = {p.group: p.answer_label for p in preselections(localized(quiz, "pl"), picks)}
    assert polish == {"graphics": "Gry", "psu": "Gry"}


def test_the_link_carries_only_the_answers_that_preselect() -> None:
    quiz = _load(_valid())
    link = ending_link(quiz, [Answer("use", option_ids=("video",)),
                              Answer("budget", value=2000)], version=3)
    assert link == "/configure/lap-1?from_quiz=build&quiz_version=3&pick=use%3Avideo"
    document = _valid()
    del document["configuration"]
    assert ending_link(_load(document), [], version=1) is None


def test_typed_picks_choose_only_what_the_definition_maps() -> None:
    quiz = _load(_valid())
    picks = parse_picks(["use:gaming", "use:flying", "budget:4000", "::", "use"])
    assert picks == [("use", "gaming"), ("use", "flying"), ("budget", "4000")]
    assert {(p.group, p.option) for p in preselections(quiz, picks)} == {
        ("graphics", "rtx"), ("psu", "750w")}


@given(st.lists(st.sampled_from(["work", "gaming", "video"]), unique=True))
def test_each_group_is_chosen_once_by_the_first_entry_that_was_answered(
        answered: list[str]) -> None:
    quiz = _load(_valid())
    assert quiz.configuration is not None
    chosen = preselections(quiz, ending_picks(quiz, [Answer("use",
                                                            option_ids=tuple(answered))]))
    groups = [p.group for p in chosen]
    assert len(groups) == len(set(groups))
    for pick in chosen:
        first = next(entry for entry in quiz.configuration.preselect
                     if entry.option in answered and pick.group in entry.choose)
        assert (pick.answer_id, pick.option) == (first.option, first.choose[pick.group])


def test_the_laptop_finder_ends_in_the_demo_shops_configurable_laptop() -> None:
    keys = configurator_keys(load_configurators_file())
    library = {f.name: load_definition(f.read_bytes(), source=f.name, schema=SCHEMA,
                                       configurators=keys) for f in library_files()}
    finder = library["laptop-finder.yaml"]
    assert finder.configuration is not None
    assert finder.configuration.product_id == "cfg-laptop-14"
    chosen = {(p.group, p.option) for p in preselections(finder, [("use", "gaming")])}
    assert {("graphics", "rtx-4060"), ("power", "w180")} <= chosen
    # The other quizzes do not end in a configuration.
    assert [name for name, quiz in library.items() if quiz.configuration is not None] == [
        "laptop-finder.yaml"]
