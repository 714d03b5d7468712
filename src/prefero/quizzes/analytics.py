"""Quiz analytics for the shop: funnel, answers, time to complete and conversion.

Reads the stored rows directly (``QuizVersion``, ``QuizSession``, purchase ``Event``s), so it
works on whatever the session service wrote, on SQLite and PostgreSQL alike. Counting that
SQL does portably (the session filter, the purchase look-up) happens in the database; what
needs the JSON ``answers`` or percentiles happens in one streamed pass in Python, because
JSON functions differ between the two databases.
"""

from __future__ import annotations

import math
import re
import statistics
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, cast

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from prefero.db.base import utcnow
from prefero.errors import FieldError, InvalidInput, NotFound
from prefero.events.models import Event
from prefero.quizzes.analytics_schemas import (
    Conversion,
    Durations,
    HistogramBin,
    OptionCount,
    Proportion,
    QuestionAnalytics,
    QuizAnalytics,
    RangeSummary,
    VersionAnalytics,
    WordCount,
)
from prefero.quizzes.models import QuizSession, QuizVersion

__all__ = [
    "HISTOGRAM_BINS",
    "MAX_CONVERSION_DAYS",
    "TOP_WORDS",
    "percentile",
    "quiz_analytics",
    "wilson_interval",
]

HISTOGRAM_BINS = 5
TOP_WORDS = 10
# A year is already longer than any sensible attribution window; the cap also keeps
# ``anchor + window`` far from datetime's range.
MAX_CONVERSION_DAYS = 365
# Two-sided 95%: the 0.975 quantile of the standard normal distribution.
_Z95 = 1.959963984540054
# Streaming keeps memory flat for quizzes with many sessions.
_BATCH = 1000
# Words that say nothing about what the shopper wants, in the shop's two demo languages.
_STOPWORDS = frozenset({
    "and", "are", "but", "for", "from", "has", "have", "its", "not", "that", "the", "this",
    "too", "very", "was", "with", "you", "your",
    "ale", "dla", "jak", "jest", "lub", "oraz", "się", "tak", "też", "nie",
})
_WORD = re.compile(r"[^\W\d_]+")

QuestionType = Literal["single", "multiple", "range", "image", "text"]
_CHOICE = ("single", "multiple", "image")


def wilson_interval(count: int, total: int, *, z: float = _Z95) -> tuple[float, float] | None:
    """The Wilson score interval for ``count`` successes in ``total`` trials (95% by default).

    Unlike the normal approximation it stays within [0, 1] and behaves at 0 and ``total``,
    which matters for the small samples a new quiz has.

    >>> [round(x, 4) for x in wilson_interval(3, 6)]
    [0.1876, 0.8124]
    >>> wilson_interval(0, 0) is None
    True
    """
    if total <= 0:
        return None
    p = count / total
    z2 = z * z
    denominator = 1 + z2 / total
    centre = (p + z2 / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-quantile (0 ≤ q ≤ 1) of ``values`` by linear interpolation between the
    closest ranks (NumPy's default; ``statistics.quantiles(method="inclusive")``).

    >>> percentile([60, 120, 180, 240, 300, 600], 0.9)
    450.0
    >>> percentile([], 0.5) is None
    True
    """
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    fraction = position - lower
    return float(ordered[lower] + (ordered[upper] - ordered[lower]) * fraction)


def _proportion(count: int, total: int) -> Proportion:
    interval = wilson_interval(count, total)
    return Proportion(count=count, total=total, rate=count / total if total else None,
                      ci_low=interval[0] if interval else None,
                      ci_high=interval[1] if interval else None)


def _share(count: int, total: int) -> float | None:
    return count / total if total else None


# ---------------------------------------------------------------------------- definition


@dataclass(frozen=True)
class _Question:
    id: str
    position: int
    type: QuestionType
    text: str
    options: tuple[tuple[str, str], ...]  # (id, label), in the definition's order
    bounds: tuple[float, float] | None  # a range question's declared min and max


def _questions(definition: Mapping[str, Any]) -> list[_Question]:
    # Read leniently rather than through QuizDefinition: a stored version is immutable and
    # must stay readable here even after the definition format gains stricter rules.
    found: list[_Question] = []
    for position, raw in enumerate(definition.get("questions") or []):
        if not isinstance(raw, Mapping) or not isinstance(raw.get("id"), str):
            continue
        kind = raw.get("type")
        if kind not in ("single", "multiple", "range", "image", "text"):
            continue
        options = tuple((str(o["id"]), str(o.get("label", o["id"])))
                        for o in raw.get("options") or []
                        if isinstance(o, Mapping) and "id" in o)
        spec = raw.get("range")
        bounds = None
        if isinstance(spec, Mapping) and _number(spec.get("min")) is not None \
                and _number(spec.get("max")) is not None:
            bounds = (float(spec["min"]), float(spec["max"]))
        found.append(_Question(id=raw["id"], position=position,
                               type=cast(QuestionType, kind), text=str(raw.get("text", "")),
                               options=options, bounds=bounds))
    return found


def _number(value: Any) -> float | None:
    # bool is an int to Python, but a True is not an answer on a slider.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


# ---------------------------------------------------------------------------- accumulation


@dataclass
class _Tally:
    """Everything one version's sessions contribute, gathered in one pass."""

    starts: int = 0
    completions: int = 0
    dropped_before_first_answer: int = 0
    reached: Counter[str] = field(default_factory=Counter)
    answered: Counter[str] = field(default_factory=Counter)
    dropped: Counter[str] = field(default_factory=Counter)
    options: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    values: defaultdict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    words: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    durations: list[float] = field(default_factory=list)
    # customer -> first completion / first start; a customer with any completion in the
    # period is a completer, whatever their other sessions did.
    completed_at: dict[str, datetime | None] = field(default_factory=dict)
    started_at: dict[str, datetime] = field(default_factory=dict)
    anonymous: int = 0

    def add(self, *, status: str, customer_id: str | None, started_at: datetime,
            completed_at: datetime | None, answers: Any) -> None:
        self.starts += 1
        # "discarded" sessions were completed without consent to keep them: still completions
        completed = status in ("completed", "discarded")
        answer_list = [a for a in answers or [] if isinstance(a, Mapping)
                       and isinstance(a.get("question_id"), str)]
        seen: set[str] = set()
        for answer in answer_list:
            qid = answer["question_id"]
            if qid in seen:  # going back pops answers, so a repeat would be a writer's bug
                continue
            seen.add(qid)
            self.reached[qid] += 1
            options = {str(o) for o in answer.get("option_ids") or []}
            value = _number(answer.get("value"))
            text = answer.get("text")
            text = text if isinstance(text, str) and text.strip() else None
            # The session service writes a skipped optional question as an empty answer.
            if not options and value is None and text is None:
                continue
            self.answered[qid] += 1
            self.options[qid].update(options)
            if value is not None:
                self.values[qid].append(value)
            if text is not None:
                self.words[qid].update(_words(text))
        if completed:
            self.completions += 1
            if completed_at is not None:
                self.durations.append((completed_at - started_at).total_seconds())
        elif answer_list:
            self.dropped[answer_list[-1]["question_id"]] += 1
        else:
            self.dropped_before_first_answer += 1
        if customer_id is None:
            self.anonymous += 1
        elif completed:
            earlier = self.completed_at.get(customer_id)
            if completed_at is not None and (earlier is None or completed_at < earlier):
                self.completed_at[customer_id] = completed_at
            else:
                self.completed_at.setdefault(customer_id, completed_at)
        else:
            earlier_start = self.started_at.get(customer_id)
            if earlier_start is None or started_at < earlier_start:
                self.started_at[customer_id] = started_at

    def anchors(self) -> tuple[dict[str, datetime], dict[str, datetime]]:
        """(completer -> first completion, non-completer -> first start)."""
        completers = {c: at for c, at in self.completed_at.items() if at is not None}
        starters = {c: at for c, at in self.started_at.items() if c not in self.completed_at}
        return completers, starters


def _words(text: str) -> set[str]:
    # A set: a word counts once per answer, so one shopper repeating it cannot top the list.
    return {w for w in _WORD.findall(text.casefold()) if len(w) >= 3 and w not in _STOPWORDS}


# ---------------------------------------------------------------------------- summaries


def _range_summary(values: list[float], bounds: tuple[float, float] | None) -> RangeSummary:
    low, high = bounds if bounds else (min(values, default=0.0), max(values, default=0.0))
    bins = HISTOGRAM_BINS if high > low else 1
    width = (high - low) / bins if high > low else 1.0
    counts = [0] * bins
    for value in values:
        counts[min(bins - 1, max(0, math.floor((value - low) / width)))] += 1
    edges = [low + i * width for i in range(bins)] + [high]
    return RangeSummary(
        count=len(values), min=min(values, default=None),
        median=float(statistics.median(values)) if values else None,
        max=max(values, default=None),
        histogram=[HistogramBin(low=edges[i], high=edges[i + 1], count=counts[i])
                   for i in range(bins)],
    )


def _question_analytics(question: _Question, tally: _Tally) -> QuestionAnalytics:
    reached = tally.reached[question.id]
    answered = tally.answered[question.id]
    dropped = tally.dropped[question.id]
    options = None
    if question.type in _CHOICE:
        chosen = tally.options[question.id]
        options = [OptionCount(option_id=oid, label=label, count=chosen[oid],
                               share=_share(chosen[oid], answered))
                   for oid, label in question.options]
    top_words = None
    if question.type == "text":
        ranked = sorted(tally.words[question.id].items(), key=lambda item: (-item[1], item[0]))
        top_words = [WordCount(word=w, count=n) for w, n in ranked[:TOP_WORDS]]
    return QuestionAnalytics(
        question_id=question.id, position=question.position, type=question.type,
        text=question.text, reached=reached, reached_share=_share(reached, tally.starts),
        answered=answered, skipped=reached - answered, dropped=dropped,
        dropped_share=_share(dropped, tally.starts), options=options,
        range=(_range_summary(tally.values[question.id], question.bounds)
               if question.type == "range" else None),
        top_words=top_words,
    )


def _converted(anchors: Mapping[str, datetime], purchases: Mapping[str, list[datetime]],
               window: timedelta, now: datetime) -> tuple[int, int, int]:
    """(converted, measured, pending) over customers whose window [anchor, anchor + window)
    has ended by ``now``; the others are pending, since they may still buy."""
    converted = measured = pending = 0
    for customer_id, anchor in anchors.items():
        if anchor + window > now:
            pending += 1
            continue
        measured += 1
        times = purchases.get(customer_id, [])
        i = bisect_left(times, anchor)
        if i < len(times) and times[i] < anchor + window:
            converted += 1
    return converted, measured, pending


def _purchases(session: Session, customers: Any, anchors: Iterable[datetime],
               window: timedelta) -> dict[str, list[datetime]]:
    """Purchase times per customer, sorted, for the customers the ``customers`` subquery
    selects, limited to the span any of their windows can cover."""
    spans = list(anchors)
    if not spans:
        return {}
    found: defaultdict[str, list[datetime]] = defaultdict(list)
    rows = session.execute(
        select(Event.customer_id, Event.occurred_at)
        .where(Event.type == "purchase", Event.customer_id.in_(customers),
               Event.occurred_at >= min(spans), Event.occurred_at < max(spans) + window)
        .order_by(Event.customer_id, Event.occurred_at)
        .execution_options(yield_per=_BATCH))
    for customer_id, occurred_at in rows:
        found[customer_id].append(occurred_at)
    return found


# ---------------------------------------------------------------------------- entry point


def _check(since: datetime | None, until: datetime | None, conversion_days: int) -> None:
    errors: list[FieldError] = []
    for name, value in (("since", since), ("until", until)):
        if value is None:
            continue
        if value.tzinfo is None:
            errors.append(FieldError((name,), "give a time zone (ISO-8601 with Z or an offset)"))
            continue
        try:
            # The columns store UTC; 0001-01-01T00:00+01:00 has no UTC equivalent.
            value.astimezone(UTC)
        except OverflowError:
            errors.append(FieldError((name,), "out of range once converted to UTC"))
    if not errors and since is not None and until is not None and since >= until:
        errors.append(FieldError(("until",), "must be later than since"))
    if not 1 <= conversion_days <= MAX_CONVERSION_DAYS:
        errors.append(FieldError(("conversion_days",),
                                 f"must be between 1 and {MAX_CONVERSION_DAYS}"))
    if errors:
        raise InvalidInput("; ".join(f"{e.loc[0]}: {e.msg}" for e in errors), errors)


def quiz_analytics(
    session: Session, *, quiz_id: str, version: int | None = None,
    since: datetime | None = None, until: datetime | None = None, conversion_days: int = 14,
    now: datetime | None = None,
) -> QuizAnalytics:
    """Analytics for ``quiz_id``, one entry per stored version (or only ``version``).

    The sessions counted are those of the quiz (and version) *started* in
    [``since``, ``until``) — a cohort by start, so a session started in the period and
    completed after it still counts as a completion. Per version:

    * ``starts``: sessions; ``completions``: those with status ``completed``;
      ``completion``: completions of starts, with a 95% Wilson interval.
    * per question (definition order): ``reached`` — sessions holding an entry for it,
      answered or skipped (the observable "reached": a question shown but never passed
      leaves no trace, and one hidden by branching is never reached), ``reached_share`` =
      reached / starts, ``answered`` — entries with options, a value or text, ``skipped``
      — the rest; ``dropped`` — sessions not completed whose last entry is for it,
      ``dropped_share`` = dropped / starts. Sessions not completed with no entry are
      ``dropped_before_first_answer``. Sessions still active count as dropped: an
      abandoned session cannot be told from one in progress.
    * answer distributions over every session's non-empty answers, completed or not: for
      choice questions the sessions picking each option (share = of ``answered``); for range
      questions count, min, median, max and a histogram of ``HISTOGRAM_BINS`` equal bins over
      the declared range; for text questions the ``TOP_WORDS`` words used by most answers
      (casefolded letters only, three letters or more, stop words dropped; ties
      alphabetical).
    * ``time_to_complete``: median and 90th percentile (linear interpolation) of
      ``completed_at - started_at`` in seconds over completed sessions.
    * ``conversion``: the share of *completers* — customers with a completed session — who
      have a ``purchase`` event in [first completion, first completion + ``conversion_days``
      days), against *non-completers* — customers who started the same quiz version in the
      period but completed none — measured the same way from their first start. That is the
      comparison group because they showed the same intent (they opened the quiz) yet did
      not get its result; it is only roughly comparable: people who finish a quiz are
      self-selected (more motivated, often closer to buying), and a start comes earlier in
      the visit than a completion, so the difference is an association, not the quiz's
      effect. Customers whose window has not ended by ``now`` are left out (and counted as
      pending); anonymous sessions cannot be followed and are left out; purchases exist
      only for customers who consented to tracking, so those who did not count as not
      converting.

    Example::

        report = quiz_analytics(session, quiz_id="style", version=1, conversion_days=14)
        report.versions[0].completion.rate   # e.g. 0.6
        report.versions[0].conversion.completers.ci_low

    Raises ``NotFound`` when the quiz (or the asked version) has no stored version and
    ``InvalidInput`` for a naive datetime, an empty period or a window out of range.
    """
    _check(since, until, conversion_days)
    now = now or utcnow()
    window = timedelta(days=conversion_days)

    version_query = select(QuizVersion).where(QuizVersion.quiz_id == quiz_id)
    if version is not None:
        version_query = version_query.where(QuizVersion.version == version)
    stored = list(session.scalars(version_query.order_by(QuizVersion.version)))
    if not stored:
        which = f"version {version}" if version is not None else "stored version"
        raise NotFound(f"quiz {quiz_id!r} has no {which}")

    conditions: list[ColumnElement[bool]] = [QuizSession.quiz_id == quiz_id]
    if version is not None:
        conditions.append(QuizSession.version == version)
    if since is not None:
        conditions.append(QuizSession.started_at >= since)
    if until is not None:
        conditions.append(QuizSession.started_at < until)

    tallies = {stored_version.version: _Tally() for stored_version in stored}
    rows = session.execute(
        select(QuizSession.version, QuizSession.status, QuizSession.customer_id,
               QuizSession.started_at, QuizSession.completed_at, QuizSession.answers)
        .where(*conditions).execution_options(yield_per=_BATCH))
    # Starts and completions are counted in this same pass rather than by a separate COUNT,
    # so that every share's numerator and denominator come from one read of the table.
    for row in rows:
        tally = tallies.get(row.version)
        if tally is not None:  # a session of a version that was never stored: nothing to show
            tally.add(status=row.status, customer_id=row.customer_id,
                      started_at=row.started_at, completed_at=row.completed_at,
                      answers=row.answers)

    anchors = {v: t.anchors() for v, t in tallies.items()}
    customers = select(QuizSession.customer_id).where(
        *conditions, QuizSession.customer_id.is_not(None)).distinct()
    purchases = _purchases(
        session, customers,
        (at for completers, starters in anchors.values()
         for at in (*completers.values(), *starters.values()) if at + window <= now),
        window)

    versions = []
    for quiz_version in stored:
        tally = tallies[quiz_version.version]
        completers, starters = anchors[quiz_version.version]
        done, measured, pending = _converted(completers, purchases, window, now)
        other_done, other_measured, other_pending = _converted(starters, purchases, window,
                                                               now)
        completer_rate = _proportion(done, measured)
        other_rate = _proportion(other_done, other_measured)
        difference = (completer_rate.rate - other_rate.rate
                      if completer_rate.rate is not None and other_rate.rate is not None
                      else None)
        versions.append(VersionAnalytics(
            version=quiz_version.version, kind=quiz_version.kind, title=quiz_version.title,
            starts=tally.starts, completions=tally.completions,
            completion=_proportion(tally.completions, tally.starts),
            dropped_before_first_answer=tally.dropped_before_first_answer,
            questions=[_question_analytics(q, tally) for q in _questions(quiz_version.definition)],
            time_to_complete=Durations(
                count=len(tally.durations),
                median_seconds=(float(statistics.median(tally.durations))
                                if tally.durations else None),
                p90_seconds=percentile(tally.durations, 0.9)),
            conversion=Conversion(
                window_days=conversion_days, completers=completer_rate,
                non_completers=other_rate, difference=difference,
                pending_completers=pending, pending_non_completers=other_pending,
                anonymous_sessions=tally.anonymous),
        ))
    return QuizAnalytics(quiz_id=quiz_id, since=since, until=until, as_of=now,
                         conversion_days=conversion_days, versions=versions)
