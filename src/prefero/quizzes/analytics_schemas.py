"""The shape of quiz analytics, as the API sends it to the marketer dashboard.

Field names are stable and every number is a JSON number (rates are fractions in [0, 1],
durations are seconds); a value that cannot be computed (a rate over nobody, the median of
no completions) is ``null`` rather than 0, so that a chart can tell "none" from "zero".
How each number is defined is documented on ``prefero.quizzes.analytics.quiz_analytics``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Conversion",
    "Durations",
    "HistogramBin",
    "OptionCount",
    "Proportion",
    "QuestionAnalytics",
    "QuizAnalytics",
    "RangeSummary",
    "VersionAnalytics",
    "WordCount",
]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class Proportion(_Out):
    """``count`` of ``total`` with its 95% Wilson score interval.

    Example: ``Proportion(count=6, total=10, rate=0.6, ci_low=0.3127, ci_high=0.8318)``.
    """

    count: int = Field(ge=0, description="How many had the property (e.g. completed).")
    total: int = Field(ge=0, description="Out of how many.")
    rate: float | None = Field(description="count / total; null when total is 0.")
    ci_low: float | None = Field(description="Lower end of the 95% Wilson score interval.")
    ci_high: float | None = Field(description="Upper end of the 95% Wilson score interval.")


class OptionCount(_Out):
    option_id: str
    label: str
    count: int = Field(ge=0, description="Sessions whose answer picked this option.")
    share: float | None = Field(
        description="count / the question's `answered` (a multiple-choice question's shares "
                    "can add up to more than 1); null when nobody answered.")


class HistogramBin(_Out):
    low: float = Field(description="Inclusive lower edge.")
    high: float = Field(description="Upper edge: exclusive, except for the last bin.")
    count: int = Field(ge=0)


class RangeSummary(_Out):
    count: int = Field(ge=0, description="Numeric answers given.")
    min: float | None
    median: float | None
    max: float | None
    histogram: list[HistogramBin] = Field(
        description="Equal-width bins over the question's declared range (values outside it "
                    "fall into the end bins).")


class WordCount(_Out):
    word: str
    count: int = Field(ge=1, description="Answers that use the word (once per answer).")


class QuestionAnalytics(_Out):
    question_id: str
    position: int = Field(ge=0, description="Index of the question in the definition.")
    type: Literal["single", "multiple", "range", "image", "text"]
    text: str
    reached: int = Field(
        ge=0, description="Sessions that passed this question: answered it or skipped it "
                          "(an optional question).")
    reached_share: float | None = Field(description="reached / starts.")
    answered: int = Field(ge=0, description="Sessions that gave a non-empty answer.")
    skipped: int = Field(ge=0, description="reached - answered.")
    dropped: int = Field(
        ge=0, description="Sessions not completed whose last answer (or skip) is to this "
                          "question.")
    dropped_share: float | None = Field(description="dropped / starts.")
    options: list[OptionCount] | None = Field(
        description="Choice questions (single, multiple, image): one entry per option, in "
                    "the definition's order, zero counts included; null otherwise.")
    range: RangeSummary | None = Field(description="Range questions; null otherwise.")
    top_words: list[WordCount] | None = Field(
        description="Text questions: the most used words; null otherwise.")


class Durations(_Out):
    count: int = Field(ge=0, description="Completed sessions measured.")
    median_seconds: float | None
    p90_seconds: float | None


class Conversion(_Out):
    window_days: int = Field(ge=1)
    completers: Proportion = Field(
        description="Customers who completed the quiz and bought within the window after "
                    "their first completion.")
    non_completers: Proportion = Field(
        description="Customers who started but never completed it and bought within the "
                    "window after their first start.")
    difference: float | None = Field(
        description="completers.rate - non_completers.rate; null when either is null.")
    pending_completers: int = Field(
        ge=0, description="Completers left out because their window has not ended yet.")
    pending_non_completers: int = Field(
        ge=0, description="Non-completers left out because their window has not ended yet.")
    anonymous_sessions: int = Field(
        ge=0, description="Sessions without a customer id, which cannot be followed to a "
                          "purchase and are left out.")


class VersionAnalytics(_Out):
    version: int
    kind: str
    title: str
    starts: int = Field(ge=0)
    completions: int = Field(ge=0)
    completion: Proportion = Field(description="completions of starts.")
    dropped_before_first_answer: int = Field(
        ge=0, description="Sessions not completed that hold no answer (nor skip) at all.")
    questions: list[QuestionAnalytics]
    time_to_complete: Durations
    conversion: Conversion


class QuizAnalytics(_Out):
    """Analytics for one quiz: one ``versions`` entry per stored version (or the one asked)."""

    quiz_id: str
    since: datetime | None = Field(description="Sessions started at or after this time.")
    until: datetime | None = Field(description="Sessions started before this time.")
    as_of: datetime = Field(description="The time conversion windows were judged against.")
    conversion_days: int = Field(ge=1)
    versions: list[VersionAnalytics]
