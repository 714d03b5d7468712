"""Publishing versions: numbering, idempotence, reading back; on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from prefero.errors import NotFound
from prefero.quizzes.definition import Option, Question, QuizDefinition
from prefero.quizzes.publish import (
    content_digest,
    get_version,
    list_quizzes,
    publish,
    publish_library,
    publish_version,
)
from prefero.runtime import Runtime


def _quiz(quiz_id: str = "colours", *, title: str = "Your colours") -> QuizDefinition:
    return QuizDefinition(id=quiz_id, kind="quiz", title=title, questions=[
        Question(id="colour", type="single", text="Which colour?", options=[
            Option(id="red", label="Red"), Option(id="blue", label="Blue")]),
    ])


def test_versions_count_up_and_identical_content_is_idempotent(runtime: Runtime) -> None:
    with runtime.session() as session:
        first = publish(session, _quiz())
        again, created = publish_version(session, _quiz())
        assert (first.version, again.version, created) == (1, 1, False)
        second = publish(session, _quiz(title="Colours, take two"))
        assert second.version == 2
        # Back to the first content: a new version (only the *latest* is compared).
        third = publish(session, _quiz())
        assert third.version == 3 and third.digest == first.digest
    with runtime.session() as session:
        assert [row.version for row in [get_version(session, "colours", v)[0]
                                        for v in (1, 2, 3)]] == [1, 2, 3]


def test_get_version_latest_specific_and_missing(runtime: Runtime) -> None:
    with runtime.session() as session:
        publish(session, _quiz())
        publish(session, _quiz(title="New title"))
    with runtime.session() as session:
        row, definition = get_version(session, "colours")
        assert (row.version, definition.title) == (2, "New title")
        row, definition = get_version(session, "colours", 1)
        assert (row.version, definition) == (1, _quiz())
        assert row.digest == content_digest(definition)
        with pytest.raises(NotFound, match="has no version 3 \\(the latest is 2\\)"):
            get_version(session, "colours", 3)
        with pytest.raises(NotFound, match="no quiz 'shapes'"):
            get_version(session, "shapes")
        with pytest.raises(NotFound, match="no quiz 'shapes'"):
            get_version(session, "shapes", 1)


def test_list_gives_the_latest_version_of_each(runtime: Runtime) -> None:
    with runtime.session() as session:
        assert list_quizzes(session) == []
        publish(session, _quiz("b-quiz"))
        publish(session, _quiz("a-quiz"))
        publish(session, _quiz("a-quiz", title="Second"))
    with runtime.session() as session:
        assert [(q.quiz_id, q.version, q.title) for q in list_quizzes(session)] == [
            ("a-quiz", 2, "Second"), ("b-quiz", 1, "Your colours")]


def test_the_library_publishes_once(runtime: Runtime) -> None:
    with runtime.session() as session:
        first = publish_library(session, schema=runtime.facet_schema)
    with runtime.session() as session:
        second = publish_library(session, schema=runtime.facet_schema)
        assert [(v.quiz_id, v.version) for v in second] == [
            (v.quiz_id, 1) for v in first]
        assert {v.kind for v in list_quizzes(session)} == {"quiz", "guided_selling"}
