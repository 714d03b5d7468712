"""quiz_follow_up: some hours after a finished quiz, its top results that are in stock and
pass the customer's rules; once per quiz session."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from trigger_shop import NOW, Recorder

from factories import add_products, customer, product
from prefero.messaging.triggers import quiz_follow_up
from prefero.quizzes.definition import QuizDefinition
from prefero.quizzes.engine import Answer
from prefero.quizzes.models import QuizSession, QuizVersion
from prefero.runtime import Runtime

HOURS = timedelta(hours=1)


def _definition() -> QuizDefinition:
    questions: list[dict[str, Any]] = [
        {"id": "diet", "type": "single", "text": "Your diet?", "options": [
            {"id": "vegan", "label": "Vegan", "effects": [
                {"type": "set_weight", "facet": "diet", "value": "vegan", "weight": 1}]},
            {"id": "any", "label": "Anything"}]}]
    return QuizDefinition.model_validate({
        "id": "grocery", "kind": "guided_selling", "title": "Groceries",
        "scope": {"facet": "category", "values": ["Groceries"]}, "questions": questions})


def _shop(runtime: Runtime) -> None:
    definition = _definition()
    with runtime.session() as session:
        add_products(session, [
            product("rice", category="Groceries > Pantry", price=8,
                    facets={"allergens": [], "diet": ["vegan"]}, brand="Oaty"),
            product("oats", category="Groceries > Pantry", price=9,
                    facets={"allergens": [], "diet": ["vegan"]}, brand="Oaty"),
            product("gone", category="Groceries > Pantry", price=7,
                    facets={"allergens": [], "diet": ["vegan"]},
                    availability="out_of_stock"),
            product("tee", category="Fashion > Shirts", price=60),
        ])
        session.add(QuizVersion(quiz_id="grocery", version=1, kind=definition.kind,
                                title=definition.title,
                                definition=definition.model_dump(mode="json"), digest="t"))
        customer(session, "c1")
        customer(session, "no-oaty", never=[("brand", "oaty")])
        customer(session, "late")
        for sid, cid, done in (("s1", "c1", NOW - 30 * HOURS),
                               ("s2", "no-oaty", NOW - 30 * HOURS),
                               ("s3", "late", NOW - 2 * HOURS)):
            session.add(QuizSession(
                id=sid, quiz_id="grocery", version=1, customer_id=cid, status="completed",
                answers=[Answer("diet", ("vegan",)).as_json()], stored=True,
                started_at=done - HOURS, updated_at=done, completed_at=done))
        session.add(QuizSession(id="s4", quiz_id="grocery", version=1, customer_id="c1",
                                status="active", answers=[], started_at=NOW - 30 * HOURS,
                                updated_at=NOW - 30 * HOURS))


def _scan(runtime: Runtime, at: datetime = NOW) -> int:
    with runtime.session() as session:
        return quiz_follow_up.scan(session, at, runtime.settings)


def test_finished_quizzes_are_followed_up_with_orderable_results(runtime: Runtime,
                                                                 offers: Recorder) -> None:
    _shop(runtime)
    assert _scan(runtime) == 1
    (only,) = offers.offers
    assert only.customer_id == "c1" and only.occasion == "s1"
    assert set(only.product_ids) == {"rice", "oats"}
    assert only.params["quiz_title"] == "Groceries"
    assert only.params["count"] == "2"
    offers.clear()
    assert _scan(runtime) == 0
    assert _scan(runtime, NOW + 24 * HOURS) == 1
    assert offers.who() == ["late"]


def test_a_full_batch_of_one_moment_does_not_stall_the_cursor(runtime: Runtime,
                                                              offers: Recorder) -> None:
    # Five quizzes finished at the very same moment, read two per scan: every scan moves
    # on, each session is followed up once, and the scanner then rests.
    _shop(runtime)
    done = NOW - 26 * HOURS
    with runtime.session() as session:
        for i in range(5):
            customer(session, f"q{i}")
            session.add(QuizSession(
                id=f"same-{i}", quiz_id="grocery", version=1, customer_id=f"q{i}",
                status="completed", answers=[Answer("diet", ("vegan",)).as_json()],
                stored=True, started_at=done - HOURS, updated_at=done, completed_at=done))
    made = []
    for _ in range(5):
        with runtime.session() as session:
            made.append(quiz_follow_up.scan(session, NOW, runtime.settings, batch=2))
    # s1 and s2 (30 hours ago) come first; s2's customer's rules leave nothing to list.
    assert made == [1, 2, 2, 1, 0]
    assert sorted(o.occasion for o in offers.offers) == [
        "s1", "same-0", "same-1", "same-2", "same-3", "same-4"]
