"""Conditions in the staff's words, English and Polish: labels and names instead of stored
codes, the language's number and money formats, Polish plural forms, quiz texts from the
quiz's own definition; and for any condition tree, no raw code ("true", "marketing_email",
"add_to_cart") reaches the text."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from sqlalchemy.orm import Session

from prefero.catalog.facets import load_facet_schema
from prefero.quizzes.models import QuizVersion
from prefero.segments.conditions import parse_condition
from prefero.segments.describe import describe
from segment_population import conditions

SCHEMA = load_facet_schema()


def said(raw: dict[str, Any], language: str, session: Session | None = None) -> str:
    return describe(parse_condition(raw), language=language, schema=SCHEMA, currency="PLN",
                    session=session)


def test_a_tree_in_english_and_polish() -> None:
    tree = {"type": "and", "conditions": [
        {"type": "declared", "kind": "like", "facet": "diet", "value": "vegan"},
        {"type": "consent", "purpose": "marketing_email", "granted": True},
        {"type": "not", "condition": {"type": "behaviour", "event": "purchase", "min": 2,
                                      "days": 30}}]}
    assert said(tree, "en") == (
        "all of: likes Diet: vegan; consents to Marketing e-mails; not: Purchases: at least "
        "2 times in the last 30 days")
    assert said(tree, "pl") == (
        "wszystkie warunki: lubi: Dieta: wegańska; zgoda: E-maile marketingowe; nie: Zakupy: "
        "co najmniej 2 razy w ciągu ostatnich 30 dni")


@pytest.mark.parametrize(("raw", "english", "polish"), [
    ({"type": "behaviour", "event": "view", "min": 1, "days": 1},
     "Product views: at least 1 time in the last day",
     "Wyświetlenia produktów: co najmniej 1 raz w ciągu ostatniego dnia"),
    ({"type": "behaviour", "event": "view", "min": 0, "max": 5, "days": 7},
     "Product views: at most 5 times in the last 7 days",
     "Wyświetlenia produktów: najwyżej 5 razy w ciągu ostatnich 7 dni"),
    ({"type": "rfm", "measure": "monetary", "op": "gte", "value": 1000000, "days": 365},
     "spent ≥ PLN 1,000,000.00 in the last 365 days",
     "wydatki ≥ 1 000 000,00 zł w ciągu ostatnich 365 dni"),
    ({"type": "profile", "field": "exploration", "op": "eq", "value": False},
     "Something different = no", None),
    ({"type": "trait", "trait": "openness", "op": "gte", "value": 0.5},
     "Openness ≥ 0.5", "Otwartość na doświadczenia ≥ 0,5"),
])
def test_values_read_in_the_languages_formats(raw: dict[str, Any], english: str,
                                              polish: str | None) -> None:
    def plain(text: str) -> str:  # Babel's money and numbers keep their non-breaking spaces
        return text.replace("\xa0", " ").replace("\u202f", " ")

    assert plain(said(raw, "en")) == english
    if polish is not None:
        assert plain(said(raw, "pl")) == polish


def test_a_quiz_answer_reads_by_the_quizs_own_texts(database_url: str) -> None:
    from sqlalchemy import create_engine

    definition = {"id": "diet-quiz", "kind": "quiz", "title": "Your diet", "questions": [
        {"id": "diet", "type": "single", "text": "How do you eat?", "options": [
            {"id": "vegan", "label": "Plants only"}, {"id": "meat", "label": "Anything"}]}],
        "translations": {"pl": {"Your diet": "Twoja dieta", "How do you eat?": "Jak jesz?",
                                "Plants only": "Tylko rośliny", "Anything": "Wszystko"}}}
    engine = create_engine(database_url)
    with Session(engine) as session:
        session.add(QuizVersion(quiz_id="diet-quiz", version=1, kind="quiz",
                                title="Your diet", definition=definition, digest="x"))
        session.flush()
        answer = {"type": "quiz_answer", "quiz_id": "diet-quiz", "question": "diet",
                  "option": "vegan"}
        assert said(answer, "en", session) == (
            "answered “Plants only” to “How do you eat?” in Your diet")
        assert said(answer, "pl", session) == (
            "odpowiedź „Tylko rośliny” na pytanie „Jak jesz?” w quizie Twoja dieta")
        session.rollback()
    engine.dispose()


# Codes of the language that must never be shown as stored.
_CODES = re.compile(r"\b(?:true|false|None|marketing_email|marketing_push|add_to_cart|"
                    r"rec_click|recency_days|created_days_ago|budget_max|growth_mindset|"
                    r"lte|gte)\b")


@settings(max_examples=150, deadline=None)
@given(raw=conditions())
def test_no_code_reaches_the_text(raw: dict[str, Any]) -> None:
    for language in ("en", "pl"):
        text = said(raw, language)
        assert not _CODES.search(text), text
        assert "{" not in text, text
