"""Read a quiz definition (YAML or JSON) and check it against the facet schema.

Every problem is reported at once, each as a ``FieldError`` whose ``loc`` starts with the
source (a file name, or ``"body"`` for the API) followed by the path into the document::

    ("camera.yaml", "questions", 2, "options", 0, "effects", 1, "facet")

pydantic checks the shape (``prefero.quizzes.definition``). Its model validators can only
point at the model that failed (a duplicate question id is reported at the document's root),
so the cross-references are checked again here on the raw document, with exact paths, and
the vaguer pydantic message is dropped when a precise one covers it. The facet schema checks
(facets exist, are preferable, values are usable) are also made on the raw document, so that
they are reported together with shape errors instead of after them.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from pydantic import ValidationError

from prefero.catalog.facets import CATEGORY_SEPARATOR, FacetSchema
from prefero.customers.preferences import normalize_preference_value
from prefero.errors import FieldError, InvalidInput
from prefero.quizzes.configuration import ConfiguratorKeys, check_configuration
from prefero.quizzes.definition import Effect, QuizDefinition
from prefero.quizzes.texts import missing_translations

__all__ = ["MAX_DOCUMENT_NODES", "load_definition", "load_definition_file", "raise_problems",
           "read_mapping", "translation_report"]

Loc = tuple[str | int, ...]
Add = Callable[[Loc, str], None]

# Far above any real quiz (100 questions x 50 options x 50 effects is the format's own
# ceiling), low enough that YAML aliases cannot expand into an exponential document.
MAX_DOCUMENT_NODES = 300_000
MAX_DEPTH = 40
_CHOICE = ("single", "multiple", "image")
_PREFERENCE_EFFECTS = ("set_weight", "adjust_weight", "constraint")
_VOTE_EFFECTS = ("include", "exclude", "upvote", "downvote")
# The discriminator values of ``Effect``; pydantic puts the chosen one into error locations.
_EFFECT_TAGS = frozenset(
    tag for member in get_args(get_args(Effect)[0])
    for tag in get_args(member.model_fields["type"].annotation)
)
# Messages of definition.py's model validators that the raw checks below repeat precisely.
_REPEATED = ("needs at least two options", "option ids must be unique", "not a range",
             "needs a range", "not options", "takes neither", "range min must be below",
             "range default must lie", "is used twice", "is not an earlier question",
             "has no option")


# ---------------------------------------------------------------------------- parsing


class _Yaml12Loader(yaml.SafeLoader):
    """PyYAML reads YAML 1.1, where ``yes``/``no``/``on``/``off`` are booleans: an option
    with ``id: no`` would become ``False``. Only ``true``/``false`` are booleans here."""


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"))


def _no_duplicate_keys(loader: _Yaml12Loader, node: yaml.MappingNode) -> dict[Any, Any]:
    # A repeated key silently keeps the last value in YAML; in a quiz it is always a mistake.
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            mark = key_node.start_mark
            raise yaml.MarkedYAMLError(problem=f"duplicate key {key!r}", problem_mark=mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


_Yaml12Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicate_keys)


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _json_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def _parse(text: str, *, source: str, format: Literal["json", "yaml"] | None) -> Any:
    """The document as Python data; ``InvalidInput`` with line and column when unreadable."""
    if format is None:
        format = "json" if text.lstrip().startswith("{") else "yaml"
    try:
        if format == "json":
            try:
                return json.loads(text, object_pairs_hook=_json_object,
                                  parse_constant=_json_constant)
            except json.JSONDecodeError as exc:
                raise InvalidInput(f"{source}: not valid JSON", [FieldError(
                    (source,), f"line {exc.lineno}, column {exc.colno}: {exc.msg}")]) from None
            except ValueError as exc:
                raise InvalidInput(f"{source}: not valid JSON",
                                   [FieldError((source,), str(exc))]) from None
        try:
            # A SafeLoader subclass: no arbitrary objects, only YAML 1.2 booleans.
            return yaml.load(text, Loader=_Yaml12Loader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
            reason = " ".join(part for part in (exc.context, exc.problem) if part)
            raise InvalidInput(f"{source}: not valid YAML",
                               [FieldError((source,), f"{where}{reason}")]) from None
        except yaml.YAMLError as exc:
            raise InvalidInput(f"{source}: not valid YAML",
                               [FieldError((source,), str(exc))]) from None
    except RecursionError:
        raise InvalidInput(f"{source}: nested too deeply", [FieldError(
            (source,), f"the document nests deeper than {MAX_DEPTH} levels")]) from None


def _scan(document: Any, add: Add) -> bool:
    """Reject what the stores cannot keep or a walk cannot afford: non-finite numbers, NUL
    characters (PostgreSQL's JSONB refuses both), and documents that nest too deeply or expand
    (through YAML aliases) beyond ``MAX_DOCUMENT_NODES``. False when the document is too big
    to check any further."""
    stack: list[tuple[Any, Loc]] = [(document, ())]
    nodes = 0
    while stack:
        value, loc = stack.pop()
        nodes += 1
        if nodes > MAX_DOCUMENT_NODES or len(loc) > MAX_DEPTH:
            add((), f"the document is too large (more than {MAX_DOCUMENT_NODES} values or "
                    f"{MAX_DEPTH} levels deep)")
            return False
        if isinstance(value, float) and not math.isfinite(value):
            add(loc, "numbers must be finite")
        elif isinstance(value, str) and "\x00" in value:
            add(loc, "text must not contain NUL characters")
        elif isinstance(value, Mapping):
            for key, item in value.items():
                if not isinstance(key, str) or "\x00" in key:
                    add(loc, f"keys must be text without NUL characters, got {key!r}")
                    continue
                stack.append((item, (*loc, key)))
        elif isinstance(value, list):
            stack.extend((item, (*loc, i)) for i, item in enumerate(value))
    return True


def read_mapping(data: bytes | str, *, source: str, format: Literal["json", "yaml"] | None,
                 what: str, shape: str) -> dict[str, Any]:
    """The document in ``data`` (UTF-8, a BOM allowed, or text) as a mapping: the shop's
    data files (quizzes, configurators) share this reader. ``InvalidInput`` at ``(source,)``
    when it is not UTF-8, not JSON or YAML, or not a mapping (``what`` the document should
    be, ``shape`` what that is).

    >>> read_mapping(b"id: q1", source="q.yaml", format=None, what="a quiz", shape="")
    {'id': 'q1'}
    >>> try:
    ...     read_mapping("[1]", source="q.yaml", format=None, what="a quiz",
    ...                  shape="a quiz is a mapping")
    ... except InvalidInput as exc:
    ...     print(exc.errors[0].msg)
    a quiz is a mapping, not list
    """
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InvalidInput(f"{source}: not UTF-8 text", [FieldError(
                (source,), f"byte {exc.start} is not UTF-8")]) from None
    else:
        text = data
    document = _parse(text, source=source, format=format)
    if not isinstance(document, dict):
        raise InvalidInput(f"{source}: not {what}", [FieldError(
            (source,), f"{shape}, not {type(document).__name__}")])
    return document


def raise_problems(problems: Iterable[tuple[Loc, str]], *, source: str, what: str) -> None:
    """``InvalidInput`` listing the problems found in ``what`` (once each, in document
    order: positions numerically, so a long list reads top to bottom); nothing when there
    are none.

    >>> try:
    ...     raise_problems([(("q", 10), "b"), (("q", 2), "a")], source="f.yaml", what="the quiz")
    ... except InvalidInput as exc:
    ...     print(exc, [e.loc for e in exc.errors])
    f.yaml: 2 problems in the quiz [('f.yaml', 'q', 2), ('f.yaml', 'q', 10)]
    """
    ordered = sorted(dict.fromkeys(problems), key=lambda problem: [
        (0, part, "") if isinstance(part, int) else (1, 0, part) for part in problem[0]])
    if ordered:
        errors = [FieldError((source, *loc), msg) for loc, msg in ordered]
        noun = "problem" if len(errors) == 1 else "problems"
        raise InvalidInput(f"{source}: {len(errors)} {noun} in {what}", errors)


# ---------------------------------------------------------------------------- raw checks


def _dicts(value: Any) -> Iterable[tuple[int, dict[str, Any]]]:
    """The mapping items of a list, with their positions; anything else is pydantic's to
    report."""
    if isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, dict):
                yield i, item


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _check_structure(document: dict[str, Any], add: Add) -> None:
    """Question and option ids, question shapes, ranges and ``show_if`` references."""
    all_ids = {q.get("id") for _, q in _dicts(document.get("questions"))}
    earlier: dict[str, dict[str, Any]] = {}
    first_at: dict[str, int] = {}
    for i, question in _dicts(document.get("questions")):
        at: Loc = ("questions", i)
        qid, qtype = question.get("id"), question.get("type")
        options, spec = question.get("options"), question.get("range")
        if isinstance(qid, str) and qid in first_at:
            add((*at, "id"), f"question id {qid!r} is already used by questions[{first_at[qid]}]")
        if qtype in _CHOICE:
            count = len(options) if isinstance(options, list) else 0
            if options is None or (isinstance(options, list) and count < 2):
                add((*at, "options"), f"a {qtype} question needs at least two options, "
                                      f"got {count}")
            option_at: dict[str, int] = {}
            for k, option in _dicts(options):
                oid = option.get("id")
                if isinstance(oid, str) and oid in option_at:
                    add((*at, "options", k, "id"),
                        f"option id {oid!r} is already used by options[{option_at[oid]}]")
                elif isinstance(oid, str):
                    option_at[oid] = k
            if spec is not None:
                add((*at, "range"), f"a {qtype} question takes options, not a range")
        elif qtype == "range":
            if spec is None:
                add((*at, "range"), "a range question needs a range (min and max)")
            if options:
                add((*at, "options"), "a range question takes a range, not options")
        elif qtype == "text":
            # Free text has no effects of its own: its words upvote matching products.
            if options:
                add((*at, "options"), "a text question takes no options, so no effects: its "
                                      "words upvote products that mention them")
            if spec is not None:
                add((*at, "range"), "a text question takes no range")
        if isinstance(spec, dict):
            _check_range(spec, (*at, "range"), add)
        if isinstance(question.get("show_if"), dict):
            _check_condition(question["show_if"], (*at, "show_if"), earlier, all_ids, add, 0)
        if isinstance(qid, str) and qid not in first_at:
            first_at[qid] = i
            earlier[qid] = question


def _check_range(spec: dict[str, Any], at: Loc, add: Add) -> None:
    low, high, default = _number(spec.get("min")), _number(spec.get("max")), \
        _number(spec.get("default"))
    if low is not None and high is not None:
        if low >= high:
            add((*at, "min"), f"min ({low:g}) must be below max ({high:g})")
        elif default is not None and not low <= default <= high:
            add((*at, "default"), f"default ({default:g}) must lie within min ({low:g}) and "
                                  f"max ({high:g})")


def _check_condition(condition: dict[str, Any], at: Loc, earlier: dict[str, dict[str, Any]],
                     all_ids: set[Any], add: Add, depth: int) -> None:
    if depth > 8:
        add(at, "conditions nest at most 8 levels deep")
        return
    for name in ("all", "any"):
        for k, part in _dicts(condition.get(name)):
            _check_condition(part, (*at, name, k), earlier, all_ids, add, depth + 1)
    qid = condition.get("question")
    if not isinstance(qid, str):
        return
    target = earlier.get(qid)
    if target is None:
        reason = ("comes later; a condition can only look at earlier questions"
                  if qid in all_ids else "is not a question of this quiz")
        add((*at, "question"), f"{qid!r} {reason}")
        return
    is_range = target.get("type") == "range"
    any_of = condition.get("any_of")
    if isinstance(any_of, list):
        if is_range:
            add((*at, "any_of"), f"{qid!r} is a range question: compare with min/max")
        else:
            known = {option.get("id") for _, option in _dicts(target.get("options"))}
            for k, oid in enumerate(any_of):
                if isinstance(oid, str) and oid not in known:
                    add((*at, "any_of", k), f"question {qid!r} has no option {oid!r}")
    if not is_range:
        for bound in ("min", "max"):
            if condition.get(bound) is not None:
                add((*at, bound), f"{qid!r} is not a range question: use any_of")


def _check_facets(document: dict[str, Any], schema: FacetSchema, add: Add) -> None:
    """Effects, scope and conditions against the facet schema."""
    scope = document.get("scope")
    if isinstance(scope, dict):
        _check_where(scope, ("scope",), schema, add)
        for k, condition in _dicts(scope.get("also")):
            _check_where(condition, ("scope", "also", k), schema, add)
        if isinstance(scope.get("add_ons"), dict):
            _check_where(scope["add_ons"], ("scope", "add_ons"), schema, add)
    for i, question in _dicts(document.get("questions")):
        for k, option in _dicts(question.get("options")):
            for j, effect in _dicts(option.get("effects")):
                _check_effect(effect, ("questions", i, "options", k, "effects", j), schema,
                              add, on_range=False)
        spec = question.get("range")
        if isinstance(spec, dict):
            for j, effect in _dicts(spec.get("effects")):
                _check_effect(effect, ("questions", i, "range", "effects", j), schema, add,
                              on_range=True)


def _check_effect(effect: dict[str, Any], at: Loc, schema: FacetSchema, add: Add, *,
                  on_range: bool) -> None:
    kind = effect.get("type")
    if kind in _PREFERENCE_EFFECTS:
        facet = _facet(effect, at, schema, add)
        if facet is None:
            return
        if not schema.by_name[facet].preferable:
            add((*at, "facet"), f"customers cannot state preferences on {facet!r}; preferable "
                                f"facets: {', '.join(f.name for f in schema.preferable())}")
            return
        if kind == "constraint":
            values = effect.get("values")
            for k, raw in enumerate(values if isinstance(values, list) else []):
                _check_value(schema, facet, raw, (*at, "values", k), add)
        else:
            _check_value(schema, facet, effect.get("value"), (*at, "value"), add)
    elif kind == "numeric_bound":
        if not on_range:
            add((*at, "type"), "numeric_bound takes a range answer: put it under the "
                               "question's range.effects")
        facet = _facet(effect, at, schema, add)
        if facet is not None and schema.by_name[facet].type != "numeric":
            add((*at, "facet"), f"{facet!r} is not numeric ({schema.by_name[facet].type})")
    elif kind == "budget":
        if effect.get("from_answer") is not None and not on_range:
            add((*at, "from_answer"), "from_answer takes a range answer: put the budget under "
                                      "the question's range.effects, or give min/max")
        if all(effect.get(key) is None for key in ("min", "max", "from_answer")):
            add(at, "a budget effect needs min, max or from_answer")
        low, high = _number(effect.get("min")), _number(effect.get("max"))
        if low is not None and high is not None and low > high:
            add((*at, "min"), f"min ({low:g}) must not exceed max ({high:g})")
    elif kind == "sizes":
        category = effect.get("category")
        if isinstance(category, str) and (reason := _path_problem(category)):
            add((*at, "category"), reason)
    elif kind in _VOTE_EFFECTS and isinstance(effect.get("where"), dict):
        _check_where(effect["where"], (*at, "where"), schema, add)


def _check_where(condition: dict[str, Any], at: Loc, schema: FacetSchema, add: Add) -> None:
    facet = _facet(condition, at, schema, add)
    values = condition.get("values")
    if facet is not None:
        for k, raw in enumerate(values if isinstance(values, list) else []):
            _check_value(schema, facet, raw, (*at, "values", k), add)


def _facet(holder: dict[str, Any], at: Loc, schema: FacetSchema, add: Add) -> str | None:
    name = holder.get("facet")
    if not isinstance(name, str):
        return None
    if schema.get(name) is None:
        add((*at, "facet"), f"no facet {name!r} in the facet schema")
        return None
    return name


def _path_problem(text: str) -> str | None:
    separator = ">" if ">" in text else "/" if "/" in text else ">"
    if not text.strip() or any(not part.strip() for part in text.split(separator)):
        return (f"{text!r} is not a category path: write it as "
                f"'Top{CATEGORY_SEPARATOR}Sub{CATEGORY_SEPARATOR}Leaf'")
    return None


def _check_value(schema: FacetSchema, facet: str, raw: Any, at: Loc, add: Add) -> None:
    if not isinstance(raw, str):
        return
    if schema.by_name[facet].type == "category_path" and (reason := _path_problem(raw)):
        add(at, reason)
        return
    try:
        normalize_preference_value(schema, facet, raw)
    except ValueError as exc:
        add(at, f"not a usable value of {facet!r}: {exc}")


# ---------------------------------------------------------------------------- pydantic


def _pydantic_errors(exc: ValidationError) -> list[tuple[Loc, str, str]]:
    found: list[tuple[Loc, str, str]] = []
    for error in exc.errors(include_url=False):
        raw = tuple(error["loc"])
        # Drop the discriminator value pydantic adds after an effect's index.
        loc: Loc = tuple(
            part for n, part in enumerate(raw)
            if not (n >= 2 and part in _EFFECT_TAGS and raw[n - 2] == "effects"
                    and isinstance(raw[n - 1], int)))
        kind, msg = error["type"], error["msg"]
        ctx = error.get("ctx") or {}
        if kind == "union_tag_invalid":
            loc = (*loc, "type")
            msg = (f"unknown effect type {ctx.get('tag')!r}; expected one of "
                   f"{', '.join(sorted(_EFFECT_TAGS))}")
        elif kind == "union_tag_not_found":
            loc = (*loc, "type")
            msg = f"an effect needs a type: one of {', '.join(sorted(_EFFECT_TAGS))}"
        elif kind == "extra_forbidden":
            msg = f"unknown key {loc[-1]!r}" if loc else msg
        elif kind == "value_error":
            msg = msg.removeprefix("Value error, ")
        found.append((loc, kind, msg))
    return found


def _covered(loc: Loc, msg: str, precise: list[tuple[Loc, str]]) -> bool:
    """Whether a model validator's message is repeated, more precisely, by a raw check."""
    return any(phrase in msg for phrase in _REPEATED) and any(
        other[: len(loc)] == loc for other, _ in precise)


# ---------------------------------------------------------------------------- public


def load_definition(data: bytes | str, *, source: str, schema: FacetSchema,
                    format: Literal["json", "yaml"] | None = None,
                    configurators: ConfiguratorKeys | None = None) -> QuizDefinition:
    """Parse and validate a definition; ``InvalidInput`` lists every problem found.

    ``format`` is detected when left out: a document that starts with ``{`` is JSON.
    ``configurators`` (product id -> group -> option keys, from the shop's configurator
    file) checks a ``configuration`` ending's groups and options; left out, only its
    references into the quiz itself are checked.

    >>> from prefero.catalog.facets import load_facet_schema
    >>> text = '''
    ... id: colours
    ... kind: quiz
    ... title: Your colours
    ... questions:
    ...   - id: colour
    ...     type: single
    ...     text: Which colour?
    ...     options:
    ...       - {id: red, label: Red, effects: [{type: set_weight, facet: color,
    ...                                           value: red, weight: 1}]}
    ...       - {id: blue, label: Blue, effects: [{type: set_weight, facet: colour,
    ...                                            value: blue, weight: 1}]}
    ... '''
    >>> load_definition(text, source="colours.yaml", schema=load_facet_schema())
    Traceback (most recent call last):
    ...
    prefero.errors.InvalidInput: colours.yaml: 1 problem in the quiz definition
    >>> try:
    ...     load_definition(text, source="colours.yaml", schema=load_facet_schema())
    ... except InvalidInput as exc:
    ...     print(exc.errors[0].loc)
    ('colours.yaml', 'questions', 0, 'options', 1, 'effects', 0, 'facet')
    """
    document = read_mapping(
        data, source=source, format=format, what="a quiz definition",
        shape="a quiz definition is a mapping with id, kind, title and questions")

    precise: list[tuple[Loc, str]] = []

    def add(loc: Loc, msg: str) -> None:
        precise.append((loc, msg))

    definition: QuizDefinition | None = None
    found: list[tuple[Loc, str]] = []
    if _scan(document, add):
        _check_structure(document, add)
        _check_facets(document, schema, add)
        check_configuration(document, add, configurators=configurators)
        try:
            definition = QuizDefinition.model_validate(document)
        except ValidationError as exc:
            found = [(loc, msg) for loc, kind, msg in _pydantic_errors(exc)
                     if not (kind == "value_error" and _covered(loc, msg, precise))]
    raise_problems(found + precise, source=source, what="the quiz definition")
    # ``_scan`` reports every document it stops at, so a definition is always made here.
    assert definition is not None
    return definition


def load_definition_file(path: Path, *, schema: FacetSchema,
                         configurators: ConfiguratorKeys | None = None) -> QuizDefinition:
    """``load_definition`` on a file; errors name the path as given. ``.json`` files are
    read as JSON, anything else is detected.

    >>> from prefero.catalog.facets import load_facet_schema
    >>> from importlib import resources
    >>> library = Path(str(resources.files("prefero.quizzes").joinpath("library")))
    >>> load_definition_file(library / "big-five.yaml", schema=load_facet_schema()).kind
    'quiz'
    """
    fmt: Literal["json"] | None = "json" if path.suffix.lower() == ".json" else None
    return load_definition(path.read_bytes(), source=str(path), schema=schema, format=fmt,
                           configurators=configurators)


def translation_report(definition: QuizDefinition, *, source: str,
                       languages: Sequence[str]) -> list[FieldError]:
    """The texts a shopper of each of ``languages`` would read in English, and translations
    no text uses any more: reported, not refused, so that a shop can publish a quiz before
    its translator is done (shoppers then read the English). Locs start with ``source``.

    >>> from prefero.quizzes.definition import Question
    >>> quiz = QuizDefinition(id="q", kind="quiz", title="Sugar", questions=[Question(
    ...     id="s", type="text", text="Why?")], translations={"pl": {"Sugar": "Cukier"}})
    >>> [(e.loc, e.msg) for e in translation_report(quiz, source="q.yaml", languages=["pl"])]
    [(('q.yaml', 'translations', 'pl'), "no pl translation of 'Why?' (questions[0].text)")]
    """
    return [FieldError((source, *problem.loc), problem.msg)
            for problem in missing_translations(definition, languages=languages)]
