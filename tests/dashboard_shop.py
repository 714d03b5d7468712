"""Data for the dashboard's tests: quiz sessions that stop at known questions, so that a
funnel has a known answer, and a few example segments, so that their pages show some."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from prefero.config import Settings
from prefero.quizzes.models import QuizSession
from prefero.quizzes.publish import get_version
from prefero.segments.conditions import parse_condition
from prefero.segments.service import create_segment

__all__ = ["example_segments", "quiz_sessions"]


def quiz_sessions(session: Session, quiz_id: str, reached: Sequence[int]) -> None:
    """One anonymous session of the quiz's latest version per entry of ``reached``: it
    answered (skipped, rather) that many of the first questions, and completed the quiz when
    that is all of them."""
    stored, definition = get_version(session, quiz_id)
    ids = [question.id for question in definition.questions]
    at = datetime.now(UTC) - timedelta(days=3)
    for count in reached:
        answers: list[dict[str, Any]] = [
            {"question_id": qid, "answered_at": at.isoformat(), "option_ids": [],
             "value": None, "text": None} for qid in ids[:count]]
        done = count >= len(ids)
        session.add(QuizSession(
            id=str(uuid.uuid4()), quiz_id=quiz_id, version=stored.version, customer_id=None,
            answers=answers, started_at=at, updated_at=at,
            status="completed" if done else "active",
            completed_at=at + timedelta(minutes=2) if done else None))
    session.flush()


#: Segments a shop's staff would keep: rows, rows with a group, and one nested too deep for
#: the builder's rows (edited as JSON).
EXAMPLE_SEGMENTS: dict[str, tuple[str, dict[str, Any]]] = {
    "vegan-newsletter": ("Vegans on the newsletter", {"type": "and", "conditions": [
        {"type": "declared", "kind": "like", "facet": "diet", "value": "vegan"},
        {"type": "consent", "purpose": "marketing_email", "granted": True}]}),
    "lapsed-buyers": ("Lapsed buyers", {"type": "and", "conditions": [
        {"type": "behaviour", "event": "purchase", "min": 1, "days": 365},
        {"type": "not", "condition": {"type": "behaviour", "event": "purchase",
                                      "min": 1, "days": 30}}]}),
    "eco-or-organic": ("Eco or organic, opted in", {"type": "and", "conditions": [
        {"type": "or", "conditions": [
            {"type": "declared", "kind": "like", "facet": "eco", "value": "true"},
            {"type": "declared", "kind": "like", "facet": "organic", "value": "true"}]},
        {"type": "consent", "purpose": "personalization", "granted": True}]}),
    "careful-vegans": ("Careful vegans", {"type": "and", "conditions": [
        {"type": "declared", "kind": "like", "facet": "diet", "value": "vegan"},
        {"type": "or", "conditions": [
            {"type": "declared", "kind": "never", "facet": "allergens", "value": "gluten"},
            {"type": "and", "conditions": [
                {"type": "declared", "kind": "like", "facet": "organic", "value": "true"},
                {"type": "consent", "purpose": "personalization", "granted": True}]}]}]}),
}


def example_segments(session: Session, settings: Settings) -> None:
    """The ``EXAMPLE_SEGMENTS``, stored as the dashboard's staff would save them."""
    for key, (name, condition) in EXAMPLE_SEGMENTS.items():
        create_segment(session, key=key, name=name, condition=parse_condition(condition),
                       actor="test", settings=settings)
