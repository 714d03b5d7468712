"""Quizzes and privacy: the export shows traits and quiz sessions; erasure leaves no trace of
a completed quiz (session, answers, preferences, traits, budget)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, or_, select

from factories import add_products, product
from prefero.customers.models import Customer, Preference
from prefero.quizzes.definition import QuizDefinition
from prefero.quizzes.models import CustomerTrait, QuizSession, QuizVersion
from prefero.runtime import Runtime

QUIZ = QuizDefinition.model_validate({
    "id": "snacks", "kind": "quiz", "title": "Snacks",
    "questions": [
        {"id": "avoid", "type": "single", "text": "Avoid?", "options": [
            {"id": "nuts", "label": "Nuts", "effects": [
                {"type": "constraint", "op": "never", "facet": "allergens",
                 "values": ["nuts"]},
                {"type": "trait", "trait": "conscientiousness", "points": 3}]},
            {"id": "none", "label": "Nothing"}]},
        {"id": "budget", "type": "range", "text": "Budget?",
         "range": {"min": 0, "max": 100, "effects": [{"type": "budget", "from_answer": "max"}]}},
        {"id": "words", "type": "text", "text": "Favourite flavour?"},
    ]})


def _complete(client: TestClient, runtime: Runtime, customer_id: str) -> str:
    with runtime.session() as s:
        add_products(s, [product("bar", category="Groceries > Snacks", price=5,
                                 facets={"allergens": []})])
        s.add(QuizVersion(quiz_id=QUIZ.id, version=1, kind=QUIZ.kind, title=QUIZ.title,
                          definition=QUIZ.model_dump(mode="json"), digest="d"))
    sid: str = client.post(f"/v1/quizzes/{QUIZ.id}/sessions",
                           json={"customer_id": customer_id}).json()["session_id"]
    for answer in ({"question_id": "avoid", "option_ids": ["nuts"]},
                   {"question_id": "budget", "value": 20},
                   {"question_id": "words", "text": "salted caramel"}):
        response = client.post(f"/v1/quiz-sessions/{sid}/answers", json=answer)
        assert response.status_code == 200, response.text
    assert response.json()["stored"] is True
    return sid


def test_export_shows_traits_and_quiz_sessions(client: TestClient, runtime: Runtime) -> None:
    sid = _complete(client, runtime, "c1")
    data = client.get("/v1/customers/c1/data").json()
    assert [(t["trait"], t["value"], t["source"]) for t in data["traits"]] == [
        ("conscientiousness", 3.0, "quiz:snacks@1")]
    [record] = data["quiz_sessions"]
    assert (record["session_id"], record["quiz_id"], record["version"], record["status"],
            record["stored"]) == (sid, "snacks", 1, "completed", True)
    assert [a["question_id"] for a in record["answers"]] == ["avoid", "budget", "words"]
    assert record["answers"][2]["text"] == "salted caramel"


def test_a_completed_quiz_leaves_no_trace_after_erasure(client: TestClient,
                                                        runtime: Runtime) -> None:
    sid = _complete(client, runtime, "c1")
    assert client.delete("/v1/customers/c1").status_code == 200
    with runtime.session() as s:
        assert s.get(QuizSession, sid) is None
        for model in (QuizSession, CustomerTrait, Preference):
            count = s.scalar(select(func.count()).select_from(model)
                             .where(model.customer_id == "c1"))
            assert count == 0, model
        assert s.get(Customer, "c1") is None
        # and nothing anywhere still carries the free text the customer typed
        leftovers = s.scalar(select(func.count()).select_from(QuizSession).where(or_(
            QuizSession.customer_id.is_(None), QuizSession.id == sid)))
        assert leftovers == 0
    assert client.get(f"/v1/quiz-sessions/{sid}").status_code == 404
    assert client.get("/v1/customers/c1/quiz-preferences").status_code == 404
