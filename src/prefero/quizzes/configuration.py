"""Guided selling that ends in a configuration: a quiz may declare that its result is a
configuration of a configurable product, its answers mapped to pre-selected options::

    configuration:
      product_id: lap-build-15
      preselect:
        - {question: use, option: gaming, choose: {graphics: rtx-4060, psu: 750w}}
        - {question: use, option: travel, choose: {graphics: integrated}}

Entries are read in order and the first one to choose a group wins, so an author lists the
answer that matters most first. Nothing here is stored: the answers that pre-select options
travel in the "Configure yours" link (``ending_link``) and are turned back into choices,
each explained by its answer, by ``preselections``. The cross-references (the questions and
options exist in the quiz; the groups and options exist in the product's configurator) are
checked by ``check_configuration`` on the raw document, with exact paths, for the quiz
loader.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from pydantic import BaseModel, ConfigDict, Field

from prefero.configurators.definition import ConfiguratorSet

__all__ = [
    "ConfigurationEnding",
    "ConfiguratorKeys",
    "Preselect",
    "Preselected",
    "check_configuration",
    "configurator_keys",
    "ending_link",
    "ending_picks",
    "parse_picks",
    "preselections",
]

Ident = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$", max_length=100)]
# A configurator's group and option keys, as its definition spells them.
Key = Annotated[str, Field(min_length=1, max_length=100)]
#: What the loader checks pre-selections against: product id -> group key -> option keys.
ConfiguratorKeys = Mapping[str, Mapping[str, Collection[str]]]
Loc = tuple[str | int, ...]
Add = Callable[[Loc, str], None]

# The link carries at most this many answers (a quiz has at most 100 questions).
MAX_PICKS = 100


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Preselect(_Strict):
    """When the answer to ``question`` picked ``option``, choose ``choose`` (configurator
    group key -> option key)."""

    question: Ident
    option: Ident
    choose: dict[Key, Key] = Field(min_length=1, max_length=50)


class ConfigurationEnding(_Strict):
    """The quiz's result is a configuration of ``product_id`` (a configurable product)."""

    product_id: str = Field(min_length=1, max_length=200)
    preselect: list[Preselect] = Field(default_factory=list, max_length=200)


@dataclass(frozen=True)
class Preselected:
    """One option chosen by a quiz answer, and the answer (its label in the definition's
    language, as the shopper read it)."""

    group: str
    option: str
    question_id: str
    answer_id: str
    answer_label: str


def _labels(definition: Any) -> dict[tuple[str, str], str]:
    return {(question.id, option.id): option.label for question in definition.questions
            for option in question.options}


def ending_picks(definition: Any, answers: Iterable[Any]) -> list[tuple[str, str]]:
    """The (question, option) answers that pre-select something, in answer order.

    ``definition`` is a ``QuizDefinition``, ``answers`` the session's answers (anything with
    ``question_id`` and ``option_ids``).

    >>> from prefero.quizzes.definition import QuizDefinition
    >>> from prefero.quizzes.engine import Answer
    >>> quiz = QuizDefinition.model_validate({
    ...     "id": "q", "kind": "guided_selling", "title": "Build", "questions": [
    ...         {"id": "use", "type": "multiple", "text": "For?", "options": [
    ...             {"id": "work", "label": "Work"}, {"id": "gaming", "label": "Gaming"}]}],
    ...     "configuration": {"product_id": "lap", "preselect": [
    ...         {"question": "use", "option": "gaming", "choose": {"graphics": "rtx"}}]}})
    >>> ending_picks(quiz, [Answer("use", option_ids=("work", "gaming"))])
    [('use', 'gaming')]
    """
    ending: ConfigurationEnding | None = definition.configuration
    if ending is None:
        return []
    wanted = {(entry.question, entry.option) for entry in ending.preselect}
    picks: list[tuple[str, str]] = []
    for answer in answers:
        for option_id in answer.option_ids:
            pair = (answer.question_id, option_id)
            if pair in wanted and pair not in picks:
                picks.append(pair)
    return picks


def ending_link(definition: Any, answers: Iterable[Any], *, version: int) -> str | None:
    """The "Configure yours" address: the configurator page with the answers that
    pre-select options; None when the quiz does not end in a configuration.

    >>> from prefero.quizzes.definition import QuizDefinition
    >>> from prefero.quizzes.engine import Answer
    >>> quiz = QuizDefinition.model_validate({
    ...     "id": "q", "kind": "guided_selling", "title": "Build", "questions": [
    ...         {"id": "use", "type": "single", "text": "For?", "options": [
    ...             {"id": "work", "label": "Work"}, {"id": "gaming", "label": "Gaming"}]}],
    ...     "configuration": {"product_id": "lap 1", "preselect": [
    ...         {"question": "use", "option": "gaming", "choose": {"graphics": "rtx"}}]}})
    >>> ending_link(quiz, [Answer("use", option_ids=("gaming",))], version=2)
    '/configure/lap%201?from_quiz=q&quiz_version=2&pick=use%3Agaming'
    """
    ending: ConfigurationEnding | None = definition.configuration
    if ending is None:
        return None
    query = [("from_quiz", definition.id), ("quiz_version", str(version)),
             *(("pick", f"{q}:{o}") for q, o in ending_picks(definition, answers))]
    return f"/configure/{quote(ending.product_id, safe='')}?{urlencode(query)}"


def parse_picks(raw: Sequence[str]) -> list[tuple[str, str]]:
    """The link's ``pick`` values as (question, option) pairs; malformed ones are dropped
    (an address is anyone's to type).

    >>> parse_picks(["use:gaming", "nonsense", "a:b:c", "use:gaming"])
    [('use', 'gaming')]
    """
    pairs: list[tuple[str, str]] = []
    for text in raw[:MAX_PICKS]:
        question, sep, option = text.partition(":")
        if sep and question and option and ":" not in option and len(text) <= 201 \
                and (question, option) not in pairs:
            pairs.append((question, option))
    return pairs


def preselections(definition: Any, picks: Iterable[tuple[str, str]]) -> list[Preselected]:
    """The options the answers ``picks`` choose, each with the answer that chose it; the
    first entry of the definition to choose a group wins. Picks the definition does not map
    choose nothing. ``definition`` is a ``QuizDefinition`` (localized: the labels are read
    as they are).

    >>> from prefero.quizzes.definition import QuizDefinition
    >>> quiz = QuizDefinition.model_validate({
    ...     "id": "q", "kind": "guided_selling", "title": "Build", "questions": [
    ...         {"id": "use", "type": "multiple", "text": "For?", "options": [
    ...             {"id": "work", "label": "Work"}, {"id": "gaming", "label": "Gaming"}]}],
    ...     "configuration": {"product_id": "lap", "preselect": [
    ...         {"question": "use", "option": "gaming", "choose": {"graphics": "rtx"}},
    ...         {"question": "use", "option": "work",
    ...          "choose": {"graphics": "basic", "ram": "16"}}]}})
    >>> [(p.group, p.option, p.answer_label)
    ...  for p in preselections(quiz, [("use", "work"), ("use", "gaming")])]
    [('graphics', 'rtx', 'Gaming'), ('ram', '16', 'Work')]
    """
    ending: ConfigurationEnding | None = definition.configuration
    if ending is None:
        return []
    given = set(picks)
    labels = _labels(definition)
    chosen: dict[str, Preselected] = {}
    for entry in ending.preselect:
        if (entry.question, entry.option) not in given:
            continue
        for group, option in entry.choose.items():
            chosen.setdefault(group, Preselected(
                group=group, option=option, question_id=entry.question,
                answer_id=entry.option,
                answer_label=labels.get((entry.question, entry.option), entry.option)))
    return list(chosen.values())


# ---------------------------------------------------------------------------- loader


def configurator_keys(configurators: ConfiguratorSet) -> ConfiguratorKeys:
    """The shop's configurators as ``check_configuration`` takes them: product id -> group
    key -> option keys.

    >>> configurator_keys(ConfiguratorSet())
    {}
    """
    return {pid: {group.key: {option.key for option in group.options}
                  for group in definition.groups}
            for pid, definition in configurators.configurators.items()}


def _dicts(value: Any) -> Iterable[tuple[int, dict[str, Any]]]:
    if isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, dict):
                yield i, item


def check_configuration(document: Mapping[str, Any], add: Add, *,
                        configurators: ConfiguratorKeys | None) -> None:
    """The ``configuration`` block's cross-references, each problem at its exact path:
    every pre-selection names a choice question of the quiz and one of its options, and
    (when ``configurators`` is given: what the shop's configurator file defines) the
    product is configurable and every group and option exists in its configurator.

    >>> found = []
    >>> check_configuration({
    ...     "questions": [{"id": "use", "type": "single", "options": [{"id": "work"}]}],
    ...     "configuration": {"product_id": "lap", "preselect": [
    ...         {"question": "use", "option": "play", "choose": {"gpu": "rtx"}}]}},
    ...     lambda loc, msg: found.append((loc, msg)),
    ...     configurators={"lap": {"graphics": {"rtx"}}})
    >>> [loc[3:] for loc, _ in found]
    [('option',), ('choose', 'gpu')]
    """
    block = document.get("configuration")
    if not isinstance(block, dict):
        return
    questions = {q.get("id"): q for _, q in _dicts(document.get("questions"))}
    product_id = block.get("product_id")
    groups: Mapping[str, Collection[str]] | None = None
    if configurators is not None and isinstance(product_id, str):
        groups = configurators.get(product_id)
        if groups is None:
            known = ", ".join(sorted(configurators)) or "none"
            add(("configuration", "product_id"),
                f"{product_id!r} is not a configurable product; configurable: {known}")
    for i, entry in _dicts(block.get("preselect")):
        at: Loc = ("configuration", "preselect", i)
        qid, oid = entry.get("question"), entry.get("option")
        question = questions.get(qid) if isinstance(qid, str) else None
        if isinstance(qid, str) and question is None:
            add((*at, "question"), f"{qid!r} is not a question of this quiz")
        elif question is not None and question.get("type") not in ("single", "multiple",
                                                                    "image"):
            add((*at, "question"), f"{qid!r} is a {question.get('type')} question: only "
                                   "an answer picked from options can pre-select")
        elif question is not None and isinstance(oid, str) and oid not in {
                o.get("id") for _, o in _dicts(question.get("options"))}:
            add((*at, "option"), f"question {qid!r} has no option {oid!r}")
        choose = entry.get("choose")
        if groups is None or not isinstance(choose, dict):
            continue
        for group, option in choose.items():
            if not isinstance(group, str):
                continue
            options = groups.get(group)
            if options is None:
                add((*at, "choose", group), f"the configurator of {product_id!r} has no "
                                            f"group {group!r}; groups: "
                                            f"{', '.join(sorted(groups))}")
            elif isinstance(option, str) and option not in options:
                add((*at, "choose", group), f"group {group!r} has no option {option!r}; "
                                            f"options: {', '.join(sorted(options))}")
