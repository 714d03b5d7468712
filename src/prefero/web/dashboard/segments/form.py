"""The segment builder's form: a condition as rows of fields (``BuilderForm``), read from a
posted form, turned into a ``Condition`` with every wrong field named in the page's language,
and a stored condition written back into rows to edit.

The rows are "all of" or "any of" the rows; a row is a leaf condition or a group (its own
"all of"/"any of" of leaf rows: one level of nesting), negated when its "is not" box is
ticked. A stored condition the rows cannot hold (a group inside a group inside a group, a
declared size, a comparison the builder does not offer) is edited as JSON, and so is any
condition the person chooses to write by hand; both go through the same parser as the API
(``parse_condition``), so the builder can never store what the API would refuse.

Field names carry the row's place: ``c2_value`` is the third row's value, ``c2g0_value``
the value of the first row in the group that is the third row; element ids are the same with
a hyphen before the field (``c2g0-value``), and so are the keys of the errors.

What is typed is kept as typed, so a refused form comes back as the person left it. Each
leaf row is checked on its own (``parse_condition``), so an error names its row and field
directly; the whole tree is then checked again for the limits of its size.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from prefero.catalog.facets import FacetSchema
from prefero.errors import InvalidInput
from prefero.quizzes.definition import QuizDefinition
from prefero.segments.conditions import (
    MAX_CONDITIONS,
    MAX_DAYS,
    MAX_LIST,
    PROFILE_FIELDS,
    And,
    Behaviour,
    Condition,
    ConsentCondition,
    Declared,
    Not,
    Or,
    ProfileCondition,
    QuizAnswer,
    Rfm,
    TraitCondition,
    parse_condition,
)
from prefero.web.dashboard.segments.words import JSON_MESSAGES, TYPE_NAMES, row_message
from prefero.web.i18n import Translator

__all__ = [
    "FIELDS",
    "GROUP",
    "MAX_ROWS",
    "PROFILE_OPS",
    "TYPES",
    "BuilderForm",
    "QuizChoice",
    "Row",
    "answer_value",
    "build",
    "edit",
    "form_of",
    "new_row",
    "quiz_choice",
    "read_form",
    "to_json",
    "to_rows",
]

#: A row holding rows of its own (one level: its rows are leaves).
GROUP = "group"
#: The leaf conditions a row may be.
TYPES: tuple[str, ...] = tuple(t for t in TYPE_NAMES if t != GROUP)
#: The fields of each type of row, as the form names them.
FIELDS: dict[str, tuple[str, ...]] = {
    "declared": ("kind", "facet", "value"),
    "profile": ("field", "op", "value"),
    "trait": ("trait", "op", "value"),
    "consent": ("purpose", "granted"),
    "quiz_answer": ("quiz", "answer"),
    "behaviour": ("event", "min", "max", "days"),
    "rfm": ("measure", "op", "value", "days"),
}
#: Rows in one form: the children one "all of"/"any of" may have.
MAX_ROWS = MAX_LIST
#: The comparisons the builder offers for a profile field, by the field's kind of value
#: (the personalization level is chosen from its four names, so "one of" is left to JSON).
PROFILE_OPS: dict[str, tuple[str, ...]] = {
    "level": ("eq", "ne", "exists"),
    "text": ("eq", "ne", "in", "exists"),
    "bool": ("eq", "exists"),
    "number": ("eq", "ne", "lt", "lte", "gt", "gte", "in", "exists"),
    "days": ("eq", "ne", "lt", "lte", "gt", "gte", "in"),
}
_DEFAULTS: dict[str, dict[str, str]] = {
    "declared": {"kind": "like", "facet": "", "value": ""},
    "profile": {"field": "level", "op": "eq", "value": "full"},
    "trait": {"trait": "openness", "op": "gte", "value": "0.5"},
    "consent": {"purpose": "marketing_email", "granted": "yes"},
    "quiz_answer": {"quiz": "", "answer": ""},
    "behaviour": {"event": "purchase", "min": "1", "max": "", "days": "30"},
    "rfm": {"measure": "frequency", "op": "gte", "value": "1", "days": "365"},
}
# What typed text may be long: more than any valid value, less than a page can echo back.
_MAX_TYPED = 2000
_MAX_JSON = 100_000
# The leaf's fields under the form's names (a quiz's question and option are one choice).
_FORM_NAME = {"quiz_id": "quiz", "question": "answer", "option": "answer"}


@dataclass
class Row:
    """One condition as typed: its type, whether it is negated, its fields as text; a group
    has its own ``match`` and its leaf ``children`` instead of fields."""

    type: str
    negate: bool = False
    fields: dict[str, str] = field(default_factory=dict)
    match: str = "and"
    children: list[Row] = field(default_factory=list)

    def get(self, name: str) -> str:
        return self.fields.get(name, "")

    @property
    def profile_kind(self) -> str:
        """A profile row's kind of value (``level`` for the personalization level)."""
        chosen = self.get("field")
        return "level" if chosen == "level" else PROFILE_FIELDS.get(chosen, "text")


@dataclass
class BuilderForm:
    """The whole form as typed."""

    key: str = ""
    name: str = ""
    description: str = ""
    match: str = "and"  # "and": all of the rows; "or": any of them
    rows: list[Row] = field(default_factory=list)
    mode: str = "rows"  # "rows": the builder; "json": the condition typed as JSON
    condition_json: str = ""


@dataclass(frozen=True)
class QuizChoice:
    """A quiz the builder offers: its title and, per question with options, the options
    (ids with their texts in the page's language)."""

    id: str
    title: str
    questions: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]

    def answers(self) -> set[tuple[str, str]]:
        return {(q, o) for q, _text, options in self.questions for o, _label in options}


def quiz_choice(definition: QuizDefinition) -> QuizChoice:
    """``definition`` (already in the page's language) as the builder offers it."""
    return QuizChoice(id=definition.id, title=definition.title, questions=tuple(
        (q.id, q.text, tuple((o.id, o.label) for o in q.options))
        for q in definition.questions if q.options))


def answer_value(question: str, option: str) -> str:
    """The value of an answer's ``<option>``: the question and the option, as JSON."""
    return json.dumps([question, option], ensure_ascii=False)


def new_row(type_: str, *, schema: FacetSchema, quizzes: Sequence[QuizChoice]) -> Row:
    """A row of ``type_`` with the fields a person most likely wants first (a group: "any
    of", with two declared preferences to start from)."""
    if type_ == GROUP:
        return Row(GROUP, match="or", children=[
            new_row("declared", schema=schema, quizzes=quizzes) for _ in range(2)])
    fields = dict(_DEFAULTS[type_])
    if type_ == "declared":
        facets = [f.name for f in schema.preferable() if f.type != "category_path"]
        fields["facet"] = facets[0] if facets else ""
    if type_ == "quiz_answer" and quizzes:
        first = quizzes[0]
        fields["quiz"] = first.id
        if first.questions and first.questions[0][2]:
            question = first.questions[0]
            fields["answer"] = answer_value(question[0], question[2][0][0])
    return Row(type=type_, fields=fields)


def read_form(data: Mapping[str, Any]) -> BuilderForm:
    """The form as posted: rows ``c0_type``, ``c0_not``, ``c0_<field>``… in order, up to
    the first missing or unknown type (at most ``MAX_ROWS``); a group's rows the same under
    ``c0g0_``, ``c0g1_``…"""

    def text(name: str, limit: int = _MAX_TYPED) -> str:
        value = data.get(name)
        return value[:limit] if isinstance(value, str) else ""

    def leaf(prefix: str) -> Row | None:
        type_ = text(f"{prefix}_type")
        if type_ not in FIELDS:
            return None
        return Row(type=type_, negate=bool(text(f"{prefix}_not")),
                   fields={name: text(f"{prefix}_{name}") for name in FIELDS[type_]})

    rows = []
    for n in range(MAX_ROWS):
        if text(f"c{n}_type") == GROUP:
            children = []
            for m in range(MAX_ROWS):
                child = leaf(f"c{n}g{m}")
                if child is None:
                    break
                children.append(child)
            rows.append(Row(GROUP, negate=bool(text(f"c{n}_not")), children=children,
                            match="or" if text(f"c{n}_match") == "or" else "and"))
            continue
        found = leaf(f"c{n}")
        if found is None:
            break
        rows.append(found)
    return BuilderForm(key=text("key").strip(), name=text("name"),
                       description=text("description"),
                       match="or" if text("match") == "or" else "and", rows=rows,
                       mode="json" if text("mode") == "json" else "rows",
                       condition_json=text("condition_json", _MAX_JSON))


def edit(form: BuilderForm, action: str, data: Mapping[str, Any], *, schema: FacetSchema,
         quizzes: Sequence[QuizChoice]) -> bool:
    """Press an add or remove button on ``form``: ``add`` (a row of the type chosen in
    ``add_type``), ``add-c2`` (a row in the group that is the third row, of the type in
    ``c2_add_type``), ``remove-2`` (the third row), ``remove-2-0`` (the first row of that
    group). False when ``action`` is none of these; a button for a row that is not there
    changes nothing."""
    if action == "add" or action.startswith("add-c"):
        where = action.removeprefix("add-c") if action != "add" else None
        chosen = data.get("add_type" if where is None else f"c{where}_add_type")
        if where is None:
            if chosen in (*TYPES, GROUP) and len(form.rows) < MAX_ROWS:
                form.rows.append(new_row(str(chosen), schema=schema, quizzes=quizzes))
        elif where.isdigit() and int(where) < len(form.rows):
            group = form.rows[int(where)]
            if group.type == GROUP and chosen in TYPES and len(group.children) < MAX_ROWS:
                group.children.append(new_row(str(chosen), schema=schema, quizzes=quizzes))
        return True
    if action.startswith("remove-"):
        place = action.removeprefix("remove-").split("-")
        if not all(part.isdigit() for part in place) or int(place[0]) >= len(form.rows):
            return True
        if len(place) == 1:
            del form.rows[int(place[0])]
        elif len(place) == 2:
            children = form.rows[int(place[0])].children
            if int(place[1]) < len(children):
                del children[int(place[1])]
        return True
    return False


def _number(text: str) -> int | float | str:
    """A number typed in either language's way ("1 234,5", "1234.5"); else the text, for
    the parser to refuse with the field named."""
    plain = text.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        value = float(plain)
    except ValueError:
        return text.strip()
    if not math.isfinite(value):
        return text.strip()
    return int(value) if value.is_integer() and "." not in plain and "e" not in plain.lower() \
        else value


def _profile_value(row: Row) -> object:
    kind, op, typed = row.profile_kind, row.get("op"), row.get("value")
    if op == "exists":
        return True

    def one(text: str) -> object:
        if kind == "bool":
            return {"yes": True, "no": False}.get(text.strip(), text.strip())
        if kind in ("number", "days"):
            return _number(text)
        return text.strip()

    if op == "in":
        return [one(part) for part in typed.split(",") if part.strip()]
    return one(typed)


def _raw(row: Row, schema: FacetSchema) -> dict[str, Any]:
    """The leaf condition ``row`` stands for, as JSON (the parser checks it)."""
    get = row.get
    if row.type == "declared":
        # Preferences are stored in the facet's compared form ("Vegan" is kept as "vegan").
        value = get("value").strip()
        return {"type": "declared", "kind": get("kind"), "facet": get("facet"),
                "value": schema.compared(get("facet"), value) if value else ""}
    if row.type == "profile":
        return {"type": "profile", "field": get("field"), "op": get("op"),
                "value": _profile_value(row)}
    if row.type == "trait":
        return {"type": "trait", "trait": get("trait"), "op": get("op"),
                "value": _number(get("value"))}
    if row.type == "consent":
        return {"type": "consent", "purpose": get("purpose"),
                "granted": {"yes": True, "no": False}.get(get("granted"), get("granted"))}
    if row.type == "behaviour":
        raw: dict[str, Any] = {"type": "behaviour", "event": get("event"),
                               "min": _number(get("min")), "days": _number(get("days"))}
        if get("max").strip():
            raw["max"] = _number(get("max"))
        return raw
    return {"type": "rfm", "measure": get("measure"), "op": get("op"),
            "value": _number(get("value")), "days": _number(get("days"))}


def _quiz_raw(row: Row, quizzes: Sequence[QuizChoice]) -> dict[str, Any] | str:
    """A quiz row's condition, or the field to name: the quiz must be one of the shop's and
    the answer one of its own (the parser would take any ids, and match nobody)."""
    quiz = next((q for q in quizzes if q.id == row.get("quiz")), None)
    if quiz is None:
        return "quiz"
    try:
        question, option = json.loads(row.get("answer"))
    except (ValueError, TypeError):
        return "answer"
    if (question, option) not in quiz.answers():
        return "answer"
    return {"type": "quiz_answer", "quiz_id": quiz.id, "question": question,
            "option": option}


def _row_error(row: Row, name: str, t: Translator) -> str:
    if row.type == GROUP:
        return t("Add at least one condition to the group.")
    return t(row_message(row.type, name, kind=row.profile_kind),
             max=t.number(MAX_DAYS if name == "days" else 100_000 if row.type == "profile"
                           else 1_000_000))


def _leaf(row: Row, prefix: str, schema: FacetSchema, quizzes: Sequence[QuizChoice],
          t: Translator, errors: dict[str, str]) -> Condition | None:
    """The leaf ``row`` (at ``prefix``) stands for, negated when asked; ``None`` with its
    errors added when it is not valid."""
    raw = _quiz_raw(row, quizzes) if row.type == "quiz_answer" else _raw(row, schema)
    if isinstance(raw, str):
        errors[f"{prefix}-{raw}"] = _row_error(row, raw, t)
        return None
    if row.type == "profile" and row.get("field") in PROFILE_FIELDS and row.get(
            "op") not in PROFILE_OPS[row.profile_kind]:
        errors[f"{prefix}-op"] = _row_error(row, "op", t)
        return None
    try:
        leaf = parse_condition(raw)
    except InvalidInput as exc:
        for error in exc.errors:
            name = str(error.loc[0]) if error.loc else "row"
            name = _FORM_NAME.get(name, name)
            errors.setdefault(f"{prefix}-{name if name in FIELDS[row.type] else 'row'}",
                              _row_error(row, name, t))
        return None
    return Not(type="not", condition=leaf) if row.negate else leaf


def _combined(children: list[Condition], match: str) -> Condition:
    if len(children) == 1:
        return children[0]
    return (And(type="and", conditions=children) if match == "and"
            else Or(type="or", conditions=children))


def _build_rows(form: BuilderForm, schema: FacetSchema, quizzes: Sequence[QuizChoice],
                t: Translator) -> tuple[Condition | None, dict[str, str]]:
    errors: dict[str, str] = {}
    children: list[Condition] = []
    if not form.rows:
        errors["rows"] = t("Add at least one condition.")
    for n, row in enumerate(form.rows):
        if row.type != GROUP:
            found = _leaf(row, f"c{n}", schema, quizzes, t, errors)
            if found is not None:
                children.append(found)
            continue
        if not row.children:
            errors[f"c{n}-row"] = _row_error(row, "row", t)
        kids = [_leaf(child, f"c{n}g{m}", schema, quizzes, t, errors)
                for m, child in enumerate(row.children)]
        if row.children and all(kid is not None for kid in kids):
            group = _combined([kid for kid in kids if kid is not None], row.match)
            children.append(Not(type="not", condition=group) if row.negate else group)
    if errors:
        return None, errors
    combined = _combined(children, form.match)
    try:
        # The rows were checked one by one; the tree's own limits (its size) are checked
        # as the API checks them.
        return parse_condition(combined.model_dump(mode="json")), {}
    except InvalidInput:
        return None, {"rows": t("A segment holds at most {n} conditions, groups included.",
                                n=t.number(MAX_CONDITIONS))}


def _path(loc: Sequence[str | int]) -> str:
    return " › ".join(str(part) for part in loc) or "–"


def _build_json(form: BuilderForm, t: Translator) -> tuple[Condition | None, dict[str, str]]:
    try:
        raw = json.loads(form.condition_json)
    except ValueError as exc:
        line, column = getattr(exc, "lineno", 1), getattr(exc, "colno", 1)
        return None, {"json": t("This is not JSON: look at line {line}, column {column}.",
                                line=t.number(line), column=t.number(column))}
    try:
        return parse_condition(raw), {}
    except InvalidInput as exc:
        found = []
        for error in exc.errors[:10]:
            last = next((str(p) for p in reversed(error.loc) if isinstance(p, str)), "")
            found.append(t("At {path}: {problem}.", path=_path(error.loc),
                           problem=t(JSON_MESSAGES.get(last, JSON_MESSAGES[""]))))
        return None, {"json": " ".join(found)}


def build(form: BuilderForm, *, schema: FacetSchema, quizzes: Sequence[QuizChoice],
          t: Translator) -> tuple[Condition | None, dict[str, str]]:
    """The condition the form describes, or what is wrong with it: messages in the page's
    language by the id of the element they belong beside (``c2-value``: the third row's
    value; ``rows``: the list of rows; ``json``: the JSON text).

    >>> # build(BuilderForm(rows=[Row("consent", fields={"purpose": "tracking",
    >>> #       "granted": "yes"})]), schema=schema, quizzes=[], t=t)
    >>> # -> (ConsentCondition(type='consent', purpose='tracking', granted=True), {})
    """
    if form.mode == "json":
        return _build_json(form, t)
    return _build_rows(form, schema, quizzes, t)


def _plain(value: object) -> str:
    """A number as a form's input shows it: never an exponent ("1e+06")."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = format(Decimal(repr(value)), "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


def _row_of(leaf: Condition, negate: bool) -> Row | None:
    """``leaf`` as a row, or ``None`` when the builder's fields cannot hold it."""
    if isinstance(leaf, Declared):
        if leaf.kind == "size":
            return None
        return Row("declared", negate, {"kind": leaf.kind, "facet": leaf.facet,
                                        "value": leaf.value})
    if isinstance(leaf, ProfileCondition):
        row = Row("profile", negate, {"field": leaf.field, "op": leaf.op, "value": ""})
        if leaf.op not in PROFILE_OPS[row.profile_kind]:
            return None
        if leaf.op == "exists":
            # "Not given" is "given", negated: the builder has one of the two.
            row.negate = negate != (leaf.value is False)
        elif isinstance(leaf.value, list):
            row.fields["value"] = ", ".join(_plain(v) for v in leaf.value)
        else:
            row.fields["value"] = _plain(leaf.value)
        return row
    if isinstance(leaf, TraitCondition):
        return Row("trait", negate, {"trait": leaf.trait, "op": leaf.op,
                                     "value": _plain(leaf.value)})
    if isinstance(leaf, ConsentCondition):
        return Row("consent", negate, {"purpose": leaf.purpose,
                                       "granted": _plain(leaf.granted)})
    if isinstance(leaf, QuizAnswer):
        return Row("quiz_answer", negate, {"quiz": leaf.quiz_id,
                                           "answer": answer_value(leaf.question, leaf.option)})
    if isinstance(leaf, Behaviour):
        return Row("behaviour", negate, {
            "event": leaf.event.value, "min": str(leaf.min),
            "max": "" if leaf.max is None else str(leaf.max), "days": str(leaf.days)})
    if isinstance(leaf, Rfm):
        return Row("rfm", negate, {"measure": leaf.measure, "op": leaf.op,
                                   "value": _plain(leaf.value), "days": str(leaf.days)})
    return None


def _item(child: Condition, *, nested: bool) -> Row | None:
    """A row (a leaf, or a group of leaves unless ``nested``) for ``child``."""
    negate = isinstance(child, Not)
    node = child.condition if isinstance(child, Not) else child
    if isinstance(node, And | Or) and not nested:
        kids = [_item(kid, nested=True) for kid in node.conditions]
        if any(kid is None for kid in kids):
            return None
        return Row(GROUP, negate, match="or" if isinstance(node, Or) else "and",
                   children=[kid for kid in kids if kid is not None])
    return _row_of(node, negate)


def _rows_of(condition: Condition) -> tuple[str, list[Row]] | None:
    children = condition.conditions if isinstance(condition, And | Or) else [condition]
    rows = []
    for child in children:
        row = _item(child, nested=False)
        if row is None:
            return None
        rows.append(row)
    return ("or" if isinstance(condition, Or) else "and"), rows


def form_of(condition: Condition, *, key: str = "", name: str = "",
            description: str | None = None) -> BuilderForm:
    """A stored condition as the builder's rows, or (when rows cannot hold it) as JSON."""
    text = json.dumps(condition.model_dump(mode="json"), ensure_ascii=False, indent=2)
    found = _rows_of(condition)
    if found is None:
        return BuilderForm(key=key, name=name, description=description or "", mode="json",
                           condition_json=text)
    match, rows = found
    return BuilderForm(key=key, name=name, description=description or "", match=match,
                       rows=rows, condition_json=text)


def to_json(form: BuilderForm, condition: Condition) -> BuilderForm:
    """``form`` switched to the JSON editor, holding ``condition``."""
    form.mode = "json"
    form.condition_json = json.dumps(condition.model_dump(mode="json"), ensure_ascii=False,
                                     indent=2)
    return form


def to_rows(form: BuilderForm, condition: Condition) -> bool:
    """``form`` switched back to rows holding ``condition``; false (nothing changed) when
    the rows cannot hold it."""
    found = _rows_of(condition)
    if found is None:
        return False
    form.mode, (form.match, form.rows) = "rows", found
    return True
