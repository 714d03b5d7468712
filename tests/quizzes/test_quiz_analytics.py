"""Quiz analytics on synthetic sessions with a known answer, on SQLite and PostgreSQL.

The main scenario (version 1 of quiz "style"): 10 customers start, 6 complete. Of the 4 who
do not, one gave no answer, one stopped after q1 and two after q2. Completions take 60, 120,
180, 240, 300 and 600 seconds. Completers c1-c3 buy within 14 days of completing (c4 buys
too late, c5 only before completing); of the non-completers only c8 buys in time.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from factories import NOW, customer
from prefero.customers.models import Customer
from prefero.errors import InvalidInput, NotFound
from prefero.events.models import Event
from prefero.quizzes.analytics import percentile, quiz_analytics, wilson_interval
from prefero.quizzes.analytics_schemas import QuizAnalytics, VersionAnalytics
from prefero.quizzes.models import QuizSession, QuizVersion
from prefero.runtime import Runtime

START = NOW - timedelta(days=60)  # every conversion window has ended by NOW

DEFINITION: dict[str, Any] = {
    "id": "style", "kind": "quiz", "title": "Your style",
    "questions": [
        {"id": "q1", "type": "single", "text": "Your style?", "options": [
            {"id": "classic", "label": "Classic"}, {"id": "sporty", "label": "Sporty"},
            {"id": "boho", "label": "Boho"}]},
        {"id": "q2", "type": "multiple", "text": "Colours?", "options": [
            {"id": "red", "label": "Red"}, {"id": "blue", "label": "Blue"},
            {"id": "green", "label": "Green"}]},
        {"id": "q3", "type": "range", "text": "Budget?",
         "range": {"min": 0, "max": 500, "step": 10}},
        {"id": "q4", "type": "text", "text": "Anything else?", "required": False},
    ],
}


def answer(qid: str, at: datetime, **fields: Any) -> dict[str, Any]:
    return {"question_id": qid, "answered_at": at.isoformat().replace("+00:00", "Z"),
            **fields}


def store_version(session: Session, version: int = 1, *, quiz_id: str = "style",
                  definition: dict[str, Any] | None = None) -> None:
    session.add(QuizVersion(quiz_id=quiz_id, version=version, kind="quiz",
                            title=f"Your style v{version}", definition=definition or DEFINITION,
                            digest="0" * 64, created_at=START - timedelta(days=1)))
    session.flush()


def start(session: Session, cid: str | None, *, at: datetime,
          answers: Sequence[dict[str, Any]] = (), done_after: float | None = None,
          version: int = 1, quiz_id: str = "style") -> None:
    """A session started at ``at``; completed ``done_after`` seconds later when given."""
    if cid is not None and session.get(Customer, cid) is None:
        customer(session, cid)
    session.add(QuizSession(
        id=str(uuid.uuid4()), quiz_id=quiz_id, version=version, customer_id=cid,
        answers=list(answers), started_at=at, updated_at=at,
        status="active" if done_after is None else "completed",
        completed_at=None if done_after is None else at + timedelta(seconds=done_after)))
    session.flush()


def buy(session: Session, cid: str, at: datetime, kind: str = "purchase") -> None:
    session.add(Event(customer_id=cid, type=kind, product_id="sku-1", occurred_at=at))
    session.flush()


# (q1 option, q2 options, q3 value, q4 text or None, seconds to complete)
COMPLETERS: list[tuple[str, list[str], int, str | None, int]] = [
    ("classic", ["red", "blue"], 50, "Light running shoes", 60),
    ("classic", ["red"], 100, "Running jacket", 120),
    ("sporty", ["blue"], 150, "the shoes for running", 180),
    ("sporty", ["red", "blue"], 200, "waterproof JACKET!", 240),
    ("boho", ["red"], 250, None, 300),
    ("classic", ["blue", "red"], 480, None, 600),
]


def main_scenario(session: Session) -> None:
    store_version(session)
    for i, (style, colours, budget, text, seconds) in enumerate(COMPLETERS, start=1):
        at = START + timedelta(hours=i)
        answers = [answer("q1", at, option_ids=[style]), answer("q2", at, option_ids=colours),
                   answer("q3", at, value=budget)]
        # The session service writes a skipped optional question as an empty answer.
        answers.append(answer("q4", at, option_ids=[], value=None, text=text))
        start(session, f"c{i}", at=at, answers=answers, done_after=seconds)
    at = START + timedelta(hours=10)
    start(session, "c7", at=at)  # no answer at all
    start(session, "c8", at=at, answers=[answer("q1", at, option_ids=["classic"])])
    start(session, "c9", at=at, answers=[answer("q1", at, option_ids=["sporty"]),
                                         answer("q2", at, option_ids=["red"])])
    start(session, "c10", at=at, answers=[answer("q1", at, option_ids=["boho"]),
                                          answer("q2", at, option_ids=["blue"])])

    def done(i: int) -> datetime:
        return START + timedelta(hours=i, seconds=COMPLETERS[i - 1][4])

    buy(session, "c1", done(1) + timedelta(days=1))
    buy(session, "c1", done(1) + timedelta(days=2))  # a second purchase counts once
    buy(session, "c2", done(2) + timedelta(days=13, hours=23))
    buy(session, "c3", done(3))  # at the moment of completion: inside [anchor, anchor + 14d)
    buy(session, "c4", done(4) + timedelta(days=14))  # the window is half-open: too late
    buy(session, "c5", done(5) - timedelta(minutes=1))  # before completing
    buy(session, "c6", done(6) + timedelta(days=1), kind="view")  # not a purchase
    buy(session, "c8", at + timedelta(days=3))
    buy(session, "c9", at + timedelta(days=15))


def analytics(runtime: Runtime, **kwargs: Any) -> QuizAnalytics:
    with runtime.session() as session:
        return quiz_analytics(session, quiz_id=kwargs.pop("quiz_id", "style"),
                              now=kwargs.pop("now", NOW), **kwargs)


def only(report: QuizAnalytics) -> VersionAnalytics:
    assert len(report.versions) == 1
    return report.versions[0]


def wilson(count: int, total: int) -> tuple[float, float]:
    """The textbook formula, written out independently of the module under test."""
    z = 1.959963984540054
    p = count / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z / (1 + z * z / total) * math.sqrt(p * (1 - p) / total + z * z / (4 * total ** 2))
    return centre - half, centre + half


@pytest.fixture
def scenario(runtime: Runtime) -> Runtime:
    with runtime.session() as session:
        main_scenario(session)
    return runtime


def test_funnel_counts_and_completion_rate(scenario: Runtime) -> None:
    v1 = only(analytics(scenario, version=1))
    assert (v1.version, v1.starts, v1.completions) == (1, 10, 6)
    assert (v1.completion.count, v1.completion.total, v1.completion.rate) == (6, 10, 0.6)
    # Published values for 6/10 (Wilson, 95%): 0.3127 to 0.8318.
    interval = (v1.completion.ci_low, v1.completion.ci_high)
    assert interval == pytest.approx(wilson(6, 10), abs=1e-12)
    assert interval == pytest.approx((0.3127, 0.8318), abs=1e-4)
    assert v1.dropped_before_first_answer == 1


def test_drop_off_and_reach_per_question(scenario: Runtime) -> None:
    questions = only(analytics(scenario)).questions
    assert [(q.question_id, q.position, q.type) for q in questions] == [
        ("q1", 0, "single"), ("q2", 1, "multiple"), ("q3", 2, "range"), ("q4", 3, "text")]
    assert [q.reached for q in questions] == [9, 8, 6, 6]
    assert [q.reached_share for q in questions] == [0.9, 0.8, 0.6, 0.6]
    assert [q.answered for q in questions] == [9, 8, 6, 4]
    assert [q.skipped for q in questions] == [0, 0, 0, 2]
    assert [q.dropped for q in questions] == [1, 2, 0, 0]
    assert [q.dropped_share for q in questions] == [0.1, 0.2, 0.0, 0.0]


def test_answer_distributions(scenario: Runtime) -> None:
    q1, q2, q3, q4 = only(analytics(scenario)).questions
    assert q1.options is not None and q2.options is not None
    assert [(o.option_id, o.label, o.count, o.share) for o in q1.options] == [
        ("classic", "Classic", 4, 4 / 9), ("sporty", "Sporty", 3, 3 / 9),
        ("boho", "Boho", 2, 2 / 9)]
    # Multiple choice: shares of the 8 who answered, adding up to more than 1.
    assert [(o.option_id, o.count, o.share) for o in q2.options] == [
        ("red", 6, 6 / 8), ("blue", 5, 5 / 8), ("green", 0, 0.0)]
    assert q1.range is None and q1.top_words is None

    assert q3.options is None and q3.top_words is None and q3.range is not None
    assert (q3.range.count, q3.range.min, q3.range.median, q3.range.max) == (6, 50, 175, 480)
    assert [(b.low, b.high, b.count) for b in q3.range.histogram] == [
        (0, 100, 1), (100, 200, 2), (200, 300, 2), (300, 400, 0), (400, 500, 1)]

    assert q4.options is None and q4.range is None and q4.top_words is not None
    assert [(w.word, w.count) for w in q4.top_words] == [
        ("running", 3), ("jacket", 2), ("shoes", 2), ("light", 1), ("waterproof", 1)]


def test_time_to_complete(scenario: Runtime) -> None:
    durations = only(analytics(scenario)).time_to_complete
    assert durations.count == 6
    assert durations.median_seconds == 210  # (180 + 240) / 2
    assert durations.p90_seconds == 450  # rank 4.5 of 0..5: 300 + 0.5 * (600 - 300)


def test_conversion_of_completers_versus_non_completers(scenario: Runtime) -> None:
    conversion = only(analytics(scenario)).conversion
    assert conversion.window_days == 14
    completers, others = conversion.completers, conversion.non_completers
    assert (completers.count, completers.total, completers.rate) == (3, 6, 0.5)
    assert (others.count, others.total, others.rate) == (1, 4, 0.25)
    assert conversion.difference == 0.25
    # Published values: 3/6 -> 0.1876 to 0.8124; 1/4 -> 0.0456 to 0.6994.
    assert (completers.ci_low, completers.ci_high) == pytest.approx(wilson(3, 6), abs=1e-12)
    assert (completers.ci_low, completers.ci_high) == pytest.approx((0.1876, 0.8124), abs=1e-4)
    assert (others.ci_low, others.ci_high) == pytest.approx((0.0456, 0.6994), abs=1e-4)
    assert (conversion.pending_completers, conversion.pending_non_completers) == (0, 0)
    assert conversion.anonymous_sessions == 0


def test_a_longer_window_catches_the_late_purchases(scenario: Runtime) -> None:
    conversion = only(analytics(scenario, conversion_days=16)).conversion
    assert (conversion.completers.count, conversion.non_completers.count) == (4, 2)


def test_open_windows_are_pending_not_counted(scenario: Runtime) -> None:
    # Ten days after the completions, nobody's 14-day window has ended yet.
    soon = START + timedelta(days=10)
    conversion = only(analytics(scenario, now=soon)).conversion
    assert (conversion.completers.total, conversion.non_completers.total) == (0, 0)
    assert conversion.completers.rate is None and conversion.completers.ci_low is None
    assert conversion.difference is None
    assert (conversion.pending_completers, conversion.pending_non_completers) == (6, 4)


def test_since_and_until_select_sessions_by_start(scenario: Runtime) -> None:
    # Completers started at START + 1h..6h, the others at START + 10h.
    early = only(analytics(scenario, until=START + timedelta(hours=3, minutes=30)))
    assert (early.starts, early.completions) == (3, 3)
    assert early.questions[0].options is not None
    assert [o.count for o in early.questions[0].options] == [2, 1, 0]
    late = only(analytics(scenario, since=START + timedelta(hours=4)))
    assert (late.starts, late.completions, late.dropped_before_first_answer) == (7, 3, 1)
    assert late.conversion.completers.count == 0  # c4-c6 did not convert
    assert late.conversion.non_completers.count == 1
    empty = only(analytics(scenario, since=NOW, until=NOW + timedelta(days=1)))
    assert (empty.starts, empty.completion.rate, empty.time_to_complete.median_seconds) \
        == (0, None, None)
    assert [q.reached_share for q in empty.questions] == [None] * 4
    assert empty.questions[2].range is not None
    assert empty.questions[2].range.median is None
    assert [b.count for b in empty.questions[2].range.histogram] == [0] * 5


def test_every_version_gets_an_entry(runtime: Runtime) -> None:
    with runtime.session() as session:
        main_scenario(session)
        store_version(session, 2)
        store_version(session, 3)
        at = START + timedelta(days=1)
        start(session, "c1", at=at, version=2, done_after=30,
              answers=[answer("q1", at, option_ids=["boho"])])
        start(session, None, at=at, version=2)  # a visitor without an id
        start(session, "c2", at=at, version=99)  # a version never stored is not reported
        start(session, "c1", at=at, quiz_id="other")  # another quiz
    report = analytics(runtime)
    assert [v.version for v in report.versions] == [1, 2, 3]
    v1, v2, v3 = report.versions
    assert (v1.starts, v1.completions) == (10, 6)
    assert (v2.starts, v2.completions, v2.dropped_before_first_answer) == (2, 1, 1)
    assert v2.conversion.anonymous_sessions == 1
    # c1's purchases (a day and two after completing v1) also fall within 14 days of
    # completing v2 — each version is judged on its own.
    assert (v2.conversion.completers.count, v2.conversion.completers.total) == (1, 1)
    assert v2.conversion.non_completers.total == 0
    assert (v3.starts, v3.completion.rate, v3.time_to_complete.count) == (0, None, 0)
    assert only(analytics(runtime, version=2)).version == 2


def test_a_customer_counts_once_and_a_completion_wins(runtime: Runtime) -> None:
    with runtime.session() as session:
        store_version(session)
        at = START
        # c1 abandons, then completes twice: one completer, anchored at the first completion.
        start(session, "c1", at=at)
        start(session, "c1", at=at + timedelta(days=1), done_after=60)
        start(session, "c1", at=at + timedelta(days=5), done_after=60)
        # c2 abandons twice: one non-completer, anchored at the first start.
        start(session, "c2", at=at)
        start(session, "c2", at=at + timedelta(days=20))
        buy(session, "c1", at + timedelta(days=16))  # 15 days after the first completion
        buy(session, "c2", at + timedelta(days=21))  # 21 days after the first start
    v1 = only(analytics(runtime))
    assert (v1.starts, v1.completions, v1.dropped_before_first_answer) == (5, 2, 3)
    conversion = v1.conversion
    assert (conversion.completers.count, conversion.completers.total) == (0, 1)
    assert (conversion.non_completers.count, conversion.non_completers.total) == (0, 1)


def test_unknown_quiz_or_version_is_not_found(scenario: Runtime) -> None:
    with pytest.raises(NotFound, match="'nope' has no stored version"):
        analytics(scenario, quiz_id="nope")
    with pytest.raises(NotFound, match="'style' has no version 7"):
        analytics(scenario, version=7)


@pytest.mark.parametrize(("kwargs", "loc"), [
    ({"since": datetime(2026, 1, 1)}, ("since",)),
    ({"since": NOW, "until": NOW}, ("until",)),
    ({"conversion_days": 0}, ("conversion_days",)),
    ({"conversion_days": 366}, ("conversion_days",)),
])
def test_bad_arguments_are_refused(scenario: Runtime, kwargs: dict[str, Any],
                                   loc: tuple[str, ...]) -> None:
    with pytest.raises(InvalidInput) as caught:
        analytics(scenario, **kwargs)
    assert [e.loc for e in caught.value.errors] == [loc]


def test_helpers() -> None:
    assert percentile([5.0], 0.9) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert wilson_interval(0, 5) == pytest.approx((0.0, wilson(0, 5)[1]))
    assert wilson_interval(5, 5) == pytest.approx((wilson(5, 5)[0], 1.0))
    assert wilson_interval(3, 0) is None
