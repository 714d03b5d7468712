"""A quiz's texts per language: the definition as a shopper of each language reads it, the
loader's report of missing translations, and the demo library complete in Polish, addressing
the shopper without assuming gender and counting its questions right."""

from __future__ import annotations

import re
from typing import Any

import pytest

from prefero.catalog.facets import load_facet_schema
from prefero.quizzes.definition import QuizDefinition
from prefero.quizzes.engine import Answer, outcome, progress
from prefero.quizzes.loader import load_definition, translation_report
from prefero.quizzes.publish import library_files
from prefero.quizzes.texts import localized, missing_translations, shopper_texts

SCHEMA = load_facet_schema()


def _quiz(translations: dict[str, dict[str, str]]) -> QuizDefinition:
    return QuizDefinition.model_validate({
        "id": "sugar", "kind": "guided_selling", "title": "Sugar",
        "description": "Two questions.",
        "scope": {"facet": "category", "values": ["Groceries"], "noun": "groceries"},
        "questions": [
            {"id": "sugar", "type": "single", "text": "Sugar?", "help": "Be honest.",
             "options": [
                 {"id": "avoid", "label": "I avoid it", "effects": [
                     {"type": "constraint", "op": "must", "facet": "sugar_free",
                      "values": ["true"]}]},
                 {"id": "fine", "label": "Fine"}]},
            {"id": "budget", "type": "range", "text": "Budget?",
             "range": {"min": 0, "max": 100, "unit": "PLN",
                       "effects": [{"type": "budget", "from_answer": "max"}]}}],
        "translations": translations})


POLISH = {"Sugar": "Cukier", "Two questions.": "Dwa pytania.", "groceries": "produktów",
          "Sugar?": "Cukier?", "Be honest.": "Szczerze.", "I avoid it": "Unikam go",
          "Fine": "W porządku", "Budget?": "Budżet?", "PLN": "zł"}


def test_localized_translates_every_text_and_keeps_ids_and_effects() -> None:
    quiz = _quiz({"pl": POLISH})
    shown = localized(quiz, "pl")
    assert [text for _, text in shopper_texts(shown)] == [POLISH[t] for _, t in
                                                        shopper_texts(quiz)]
    assert [o.id for o in shown.questions[0].options] == ["avoid", "fine"]
    answers = [Answer("sugar", ("avoid",)), Answer("budget", value=40)]
    assert outcome(shown, answers).must == outcome(quiz, answers).must
    assert localized(quiz, "de") is quiz and localized(quiz, "en") is quiz


def test_a_text_without_translation_stays_english() -> None:
    partial = {k: v for k, v in POLISH.items() if k != "Fine"}
    shown = localized(_quiz({"pl": partial}), "pl")
    assert [o.label for o in shown.questions[0].options] == ["Unikam go", "Fine"]


def test_missing_and_stale_translations_are_reported() -> None:
    table = {k: v for k, v in POLISH.items() if k not in ("Fine", "PLN")}
    table["Sugar?!"] = "Cukier?!"  # the English changed since
    problems = missing_translations(_quiz({"pl": table}), languages=["en", "pl"])
    assert [(e.loc, e.msg) for e in problems] == [
        (("translations", "pl"), "no pl translation of 'Fine' (questions[0].options[1].label)"),
        (("translations", "pl"), "no pl translation of 'PLN' (questions[1].range.unit)"),
        (("translations", "pl", "Sugar?!"),
         "no text of the quiz reads like this any more: translate the current English instead"),
    ]
    # A language the definition does not have at all: every text, each once.
    untranslated = missing_translations(_quiz({}), languages=["pl"])
    assert len(untranslated) == len(list(shopper_texts(_quiz({}))))


def test_the_loader_reports_without_refusing() -> None:
    document = _quiz({"pl": {"Sugar": "Cukier"}}).model_dump_json()
    quiz = load_definition(document, source="sugar.json", schema=SCHEMA)
    report = translation_report(quiz, source="sugar.json", languages=["pl"])
    assert report and all(e.loc[:3] == ("sugar.json", "translations", "pl") for e in report)
    assert not translation_report(_quiz({"pl": POLISH}), source="s", languages=["pl"])


@pytest.mark.parametrize("bad", [{"PL": {"Sugar": "Cukier"}}, {"pl": {"Sugar": ""}}])
def test_a_malformed_translation_is_refused(bad: dict[str, Any]) -> None:
    document = {**_quiz({}).model_dump(mode="json"), "translations": bad}
    with pytest.raises(Exception, match="translations"):
        QuizDefinition.model_validate(document)


# --------------------------------------------------------------------------- the library


def _library() -> dict[str, QuizDefinition]:
    return {f.name: load_definition(f.read_bytes(), source=f.name, schema=SCHEMA)
            for f in library_files()}


@pytest.mark.parametrize("name", [f.name for f in library_files()])
def test_every_library_quiz_is_complete_in_polish(name: str) -> None:
    quiz = _library()[name]
    assert translation_report(quiz, source=name, languages=["en", "pl"]) == []


# Past-tense and adjective forms that assume the shopper's gender ("wybrałeś", "gotowa").
_GENDERED = re.compile(r"\b\w+ł[ae]ś\b|\b\w*byś\b|\b(sam|sama|gotowy|gotowa|pewny|pewna)\b",
                       re.IGNORECASE)


@pytest.mark.parametrize("name", [f.name for f in library_files()])
def test_polish_addresses_the_shopper_without_assuming_gender(name: str) -> None:
    polish = _library()[name].translations["pl"].values()
    assert [text for text in polish if _GENDERED.search(text)] == []


_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
            "eight": 8, "nine": 9, "ten": 10, "jedno": 1, "dwa": 2, "trzy": 3, "cztery": 4,
            "pięć": 5, "sześć": 6, "siedem": 7, "osiem": 8, "dziewięć": 9, "dziesięć": 10}
_COUNTED = re.compile(r"\b(\d+|" + "|".join(_NUMBERS) + r")\s+(?:\w+\s+)?"
                      r"(questions?|statements?|pyta\w*|stwierdze\w*)", re.IGNORECASE)


@pytest.mark.parametrize("name", [f.name for f in library_files()])
def test_a_description_counts_the_questions_a_shopper_meets(name: str) -> None:
    quiz = _library()[name]
    most = progress(quiz, [])["total"]  # what "Question 1 of N" starts from
    fewest = sum(1 for q in quiz.questions if q.show_if is None)
    descriptions = [quiz.description, *(localized(quiz, lang).description
                                        for lang in quiz.translations)]
    for text in descriptions:
        for number, _ in _COUNTED.findall(text):
            count = int(number) if number.isdigit() else _NUMBERS[number.casefold()]
            assert fewest == count == most, (name, text, fewest, most)
