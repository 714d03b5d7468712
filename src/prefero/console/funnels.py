"""Quiz funnels: per quiz, how many sessions started, reached each question and completed.
The counting is ``prefero.quizzes.analytics``'s; this module picks the funnel out of it for
the latest version of each quiz, with the question texts in the asked language."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from prefero.quizzes.analytics import quiz_analytics
from prefero.quizzes.definition import QuizDefinition
from prefero.quizzes.publish import list_quizzes
from prefero.quizzes.texts import localized

__all__ = ["Funnel", "FunnelStep", "quiz_funnels"]


@dataclass(frozen=True)
class FunnelStep:
    """A question and the sessions that reached it (answered or skipped)."""

    question_id: str
    text: str
    reached: int


@dataclass(frozen=True)
class Funnel:
    """Started, then each question in the definition's order, then completed."""

    quiz_id: str
    version: int
    title: str
    started: int
    steps: list[FunnelStep]
    completed: int


def quiz_funnels(session: Session, *, language: str) -> list[Funnel]:
    """The funnel of the latest version of every quiz, by quiz id; titles and questions in
    ``language`` where the quiz has them.

    >>> [(f.quiz_id, f.started, f.completed) for f in quiz_funnels(session, language="en")]
    ... # doctest: +SKIP
    [('grocery-setup', 40, 31)]
    """
    funnels = []
    for stored in list_quizzes(session):
        report = quiz_analytics(session, quiz_id=stored.quiz_id, version=stored.version)
        numbers = report.versions[0]
        words = localized(QuizDefinition.model_validate(stored.definition), language)
        texts = {question.id: question.text for question in words.questions}
        funnels.append(Funnel(
            quiz_id=stored.quiz_id, version=stored.version, title=words.title,
            started=numbers.starts,
            steps=[FunnelStep(question_id=q.question_id, text=texts.get(q.question_id, q.text),
                              reached=q.reached) for q in numbers.questions],
            completed=numbers.completions))
    return funnels
