"""A definition's shopper-facing texts in each language: which texts there are, which have no
translation, and the definition as a shopper of one language reads it.

A definition keeps its translations in its own file, keyed by the English text as gettext
keys a message by its msgid::

    translations:
      pl:
        Find your camera: Znajdź swój aparat
        I'm new to this: Dopiero zaczynam

so a text used twice (a Likert scale's "Agree") is translated once, and an English edit shows
up as a missing translation instead of silently keeping a stale one. Ids, facet values and
effects are never translated: only what a shopper reads.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from prefero.errors import FieldError
from prefero.quizzes.definition import Question, QuizDefinition

__all__ = ["Loc", "localized", "missing_translations", "shopper_texts"]

Loc = tuple[str | int, ...]


def shopper_texts(definition: QuizDefinition) -> Iterator[tuple[Loc, str]]:
    """Every text a shopper may read, with where it is in the document.

    >>> from prefero.quizzes.definition import Option
    >>> quiz = QuizDefinition(id="q", kind="quiz", title="Sugar", questions=[Question(
    ...     id="s", type="single", text="Sugar?", options=[
    ...         Option(id="y", label="Yes"), Option(id="n", label="No")])])
    >>> [text for _, text in shopper_texts(quiz)]
    ['Sugar', 'Sugar?', 'Yes', 'No']
    """
    yield ("title",), definition.title
    if definition.description:
        yield ("description",), definition.description
    if definition.scope is not None and definition.scope.noun:
        yield ("scope", "noun"), definition.scope.noun
    for i, question in enumerate(definition.questions):
        yield ("questions", i, "text"), question.text
        if question.help:
            yield ("questions", i, "help"), question.help
        for k, option in enumerate(question.options):
            yield ("questions", i, "options", k, "label"), option.label
        if question.range is not None and question.range.unit:
            yield ("questions", i, "range", "unit"), question.range.unit


def missing_translations(definition: QuizDefinition, *, languages: Sequence[str]
                         ) -> list[FieldError]:
    """What a shopper of each of ``languages`` would read untranslated (English), and
    translations no text uses any more (the English changed): one ``FieldError`` each, its
    ``loc`` pointing at the translation (``("translations", "pl")``), its message naming the
    text and where it is used.

    >>> from prefero.quizzes.definition import Option
    >>> quiz = QuizDefinition(id="q", kind="quiz", title="Sugar", questions=[Question(
    ...     id="s", type="text", text="Sugar?")], translations={"pl": {"Sugar": "Cukier"}})
    >>> [e.msg for e in missing_translations(quiz, languages=["pl"])]
    ["no pl translation of 'Sugar?' (questions[0].text)"]
    """
    problems: list[FieldError] = []
    texts = list(shopper_texts(definition))
    used = {text for _, text in texts}
    for language in languages:
        if language == "en":
            continue  # the definition's own language
        table = definition.translations.get(language, {})
        reported: set[str] = set()
        for loc, text in texts:
            if text not in table and text not in reported:
                reported.add(text)
                problems.append(FieldError(("translations", language),
                                           f"no {language} translation of {text!r} "
                                           f"({_path(loc)})"))
    for language, table in sorted(definition.translations.items()):
        for text in table:
            if text not in used:
                problems.append(FieldError(("translations", language, text),
                                           "no text of the quiz reads like this any more: "
                                           "translate the current English instead"))
    return problems


def _path(loc: Loc) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int) and parts:
            parts[-1] += f"[{part}]"
        else:
            parts.append(str(part))
    return ".".join(parts)


def localized(definition: QuizDefinition, language: str) -> QuizDefinition:
    """The definition as a shopper of ``language`` reads it: each text translated where the
    definition translates it, in English otherwise. Ids and effects are unchanged, so answers
    given in one language hold in another.

    >>> from prefero.quizzes.definition import Option
    >>> quiz = QuizDefinition(id="q", kind="quiz", title="Sugar", questions=[Question(
    ...     id="s", type="text", text="Sugar?")], translations={"pl": {"Sugar": "Cukier"}})
    >>> shown = localized(quiz, "pl")
    >>> shown.title, shown.questions[0].text
    ('Cukier', 'Sugar?')
    """
    table = definition.translations.get(language)
    if not table:
        return definition

    def say(text: str) -> str:
        return table.get(text, text)

    def question(q: Question) -> Question:
        update: dict[str, object] = {"text": say(q.text)}
        if q.help:
            update["help"] = say(q.help)
        if q.options:
            update["options"] = [o.model_copy(update={"label": say(o.label)})
                                 for o in q.options]
        if q.range is not None and q.range.unit:
            update["range"] = q.range.model_copy(update={"unit": say(q.range.unit)})
        return q.model_copy(update=update)

    update: dict[str, object] = {
        "title": say(definition.title), "description": say(definition.description),
        "questions": [question(q) for q in definition.questions]}
    if definition.scope is not None and definition.scope.noun:
        update["scope"] = definition.scope.model_copy(
            update={"noun": say(definition.scope.noun)})
    return definition.model_copy(update=update)
