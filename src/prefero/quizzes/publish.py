"""Publishing definitions as numbered, immutable versions, and reading them back.

A version is never changed: a running session keeps the version it started with, so
publishing new content always adds version n + 1. Publishing the same content as the latest
version again returns that version (an idempotent deploy step).
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from importlib.resources.abc import Traversable

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from prefero.catalog.facets import FacetSchema
from prefero.errors import Conflict, NotFound
from prefero.quizzes.configuration import ConfiguratorKeys
from prefero.quizzes.definition import QuizDefinition
from prefero.quizzes.loader import load_definition
from prefero.quizzes.models import QuizVersion

__all__ = [
    "content_digest",
    "get_version",
    "library_files",
    "list_quizzes",
    "publish",
    "publish_library",
    "publish_version",
]


def content_digest(definition: QuizDefinition) -> str:
    """sha256 of the canonical JSON of the validated definition, so that YAML and JSON (and
    key order, comments, spelled-out defaults) do not change it.

    >>> from prefero.quizzes.definition import Question
    >>> a = QuizDefinition(id="q", kind="quiz", title="T", questions=[
    ...     Question(id="x", type="text", text="Anything?")])
    >>> content_digest(a) == content_digest(a.model_copy(update={"description": ""}))
    True
    """
    canonical = json.dumps(definition.model_dump(mode="json"), sort_keys=True,
                           separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _latest(session: Session, quiz_id: str) -> QuizVersion | None:
    return session.scalars(
        select(QuizVersion).where(QuizVersion.quiz_id == quiz_id)
        .order_by(QuizVersion.version.desc()).limit(1)).first()


def publish_version(session: Session, definition: QuizDefinition) -> tuple[QuizVersion, bool]:
    """``publish``, also saying whether a new version was stored (the API answers 201 or 200).

    >>> row, created = publish_version(session, definition)  # doctest: +SKIP
    >>> (row.version, created)  # doctest: +SKIP
    (1, True)
    """
    digest = content_digest(definition)
    latest = _latest(session, definition.id)
    if latest is not None and latest.digest == digest:
        return latest, False
    row = QuizVersion(
        quiz_id=definition.id, version=(latest.version + 1) if latest else 1,
        kind=definition.kind, title=definition.title,
        definition=definition.model_dump(mode="json"), digest=digest)
    try:
        # A savepoint: two publishers racing for the same number must not poison the
        # caller's transaction; the loser gets a 409 and may simply retry.
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        raise Conflict(f"quiz {definition.id!r} version {row.version} was published at the "
                       "same time; publish again") from None
    return row, True


def publish(session: Session, definition: QuizDefinition) -> QuizVersion:
    """Store ``definition`` as the quiz's next version, or return the latest version when its
    content is the same.

    >>> v1 = publish(session, definition)  # doctest: +SKIP
    >>> publish(session, definition) is v1, v1.version  # doctest: +SKIP
    (True, 1)
    """
    return publish_version(session, definition)[0]


def get_version(session: Session, quiz_id: str, version: int | None = None
                ) -> tuple[QuizVersion, QuizDefinition]:
    """One stored version (``None``: the latest) and its definition; ``NotFound`` otherwise.

    >>> row, definition = get_version(session, "camera-finder", 1)  # doctest: +SKIP
    >>> definition.kind  # doctest: +SKIP
    'guided_selling'
    """
    if version is None:
        row = _latest(session, quiz_id)
        if row is None:
            raise NotFound(f"no quiz {quiz_id!r}")
    else:
        row = session.get(QuizVersion, (quiz_id, version))
        if row is None:
            latest = _latest(session, quiz_id)
            if latest is None:
                raise NotFound(f"no quiz {quiz_id!r}")
            raise NotFound(f"quiz {quiz_id!r} has no version {version} (the latest is "
                           f"{latest.version})")
    return row, QuizDefinition.model_validate(row.definition)


def list_quizzes(session: Session) -> list[QuizVersion]:
    """The latest version of every quiz, by id.

    >>> [(q.quiz_id, q.version) for q in list_quizzes(session)]  # doctest: +SKIP
    [('big-five', 1), ('camera-finder', 2)]
    """
    newest = (select(QuizVersion.quiz_id, func.max(QuizVersion.version).label("version"))
              .group_by(QuizVersion.quiz_id).subquery())
    return list(session.scalars(
        select(QuizVersion).join(newest, (QuizVersion.quiz_id == newest.c.quiz_id)
                                 & (QuizVersion.version == newest.c.version))
        .order_by(QuizVersion.quiz_id)))


def library_files() -> list[Traversable]:
    """The demo library's definitions (``prefero/quizzes/library/*.yaml``), by name.

    >>> "big-five.yaml" in [f.name for f in library_files()]
    True
    """
    folder = resources.files("prefero.quizzes").joinpath("library")
    return sorted((f for f in folder.iterdir() if f.name.endswith(".yaml")),
                  key=lambda f: f.name)


def publish_library(session: Session, *, schema: FacetSchema,
                    configurators: ConfiguratorKeys | None = None) -> list[QuizVersion]:
    """Validate every library definition, then publish them all (idempotent).
    ``configurators`` checks the pre-selections of a quiz that ends in a configuration
    against the shop's configurators (``load_definition``).

    >>> [v.quiz_id for v in publish_library(session, schema=schema)]  # doctest: +SKIP
    ['big-five', 'camera-finder', 'fashion-style', 'grocery-setup', 'laptop-finder']
    """
    # Validate all first: a broken file must not leave half a library published.
    definitions = [load_definition(f.read_bytes(), source=f.name, schema=schema,
                                   configurators=configurators)
                   for f in library_files()]
    return [publish(session, definition) for definition in definitions]
