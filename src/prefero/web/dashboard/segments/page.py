"""What the segment pages show, gathered for the templates: the builder's choices (facets
and their known values, profile fields, purposes, events, traits, quizzes) in the page's
language, counts in words, a condition described, and a refused save in the page's words.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from prefero.console.declared import declared_by_facet
from prefero.errors import Conflict, InvalidInput, NotFound, PreferoError
from prefero.i18n.catalogues import N_
from prefero.quizzes.definition import QuizDefinition
from prefero.quizzes.publish import list_quizzes
from prefero.quizzes.texts import localized
from prefero.runtime import Runtime
from prefero.segments.conditions import MAX_DAYS, Condition
from prefero.segments.describe import describe
from prefero.segments.export import CHANNELS
from prefero.segments.service import (
    MAX_DESCRIPTION,
    MAX_KEY,
    MAX_NAME,
    RESERVED_KEYS,
    SegmentOut,
    get_segment,
    stored_condition,
)
from prefero.staff.roles import allows
from prefero.staff.schemas import StaffOut
from prefero.web.dashboard.segments.form import (
    MAX_ROWS,
    PROFILE_OPS,
    BuilderForm,
    QuizChoice,
    answer_value,
    quiz_choice,
)
from prefero.web.dashboard.segments.words import (
    DECLARED_KINDS,
    EVENT_NAMES,
    MEASURE_NAMES,
    OP_NAMES,
    PROFILE_NAMES,
    TRAIT_NAMES,
    TYPE_NAMES,
    field_label,
)
from prefero.web.dashboard.words import LEVEL_NAMES, PURPOSE_NAMES
from prefero.web.i18n import Translator

__all__ = ["NEW_KEY", "builder_context", "count_words", "described", "quiz_choices",
           "refusal"]

#: The builder's own address under /dashboard/segments/: never a segment's key here.
NEW_KEY = "new"
# Known values offered per facet (most declared first): enough to pick from, cheap to read.
_KNOWN = 30

_KEY_WORDS = N_("Use lowercase letters and digits, with single hyphens or underscores "
                "between them, at most {max} characters: for example vegan-eco.")
_KEY_RESERVED = N_("This key is a word the shop's addresses use: choose another.")
_KEY_TAKEN = N_("Another segment has this key.")
_TOO_MANY = N_("The shop keeps at most 500 segments: delete one first. Nothing was saved.")
_NAME = N_("Give the segment a name of 1 to {max} characters.")
_DESCRIPTION = N_("The description may have at most {max} characters.")
_DELETED = N_("This segment was deleted meanwhile. Nothing was saved.")


def count_words(n: int, t: Translator, *, stored: bool = False) -> str:
    """"1,234 customers match" (a condition) or "1,234 members" (a stored segment)."""
    if stored:
        return t.plural("{n} member", "{n} members", n)
    return t.plural("{n} customer matches", "{n} customers match", n)


def described(condition: Condition, *, t: Translator, runtime: Runtime, session: Session
              ) -> str:
    """``condition`` in the page's language (``segments.describe``)."""
    return describe(condition, language=t.language, schema=runtime.facet_schema,
                    currency=runtime.shop_currency, session=session)


def quiz_choices(session: Session, language: str) -> list[QuizChoice]:
    """The shop's quizzes (latest versions) with their questions and options in
    ``language``."""
    return [quiz_choice(localized(QuizDefinition.model_validate(row.definition), language))
            for row in list_quizzes(session)]


def refusal(exc: PreferoError, *, session: Session, key: str, t: Translator
            ) -> dict[str, str]:
    """Why the service refused a save, beside the field it is about (its own messages are
    for the API, in English)."""
    if isinstance(exc, NotFound):
        return {"form": t(_DELETED)}
    if isinstance(exc, Conflict):
        if key == NEW_KEY:
            return {"key": t(_KEY_RESERVED)}
        try:
            get_segment(session, key)
        except NotFound:
            return {"form": t(_TOO_MANY)}
        return {"key": t(_KEY_TAKEN)}
    found: dict[str, str] = {}
    for error in exc.errors if isinstance(exc, InvalidInput) else []:
        name = str(error.loc[0]) if error.loc else "form"
        if name == "key":
            found["key"] = (t(_KEY_RESERVED) if key in RESERVED_KEYS
                            else t(_KEY_WORDS, max=t.number(MAX_KEY)))
        elif name == "name":
            found["name"] = t(_NAME, max=t.number(MAX_NAME))
        elif name == "description":
            found["description"] = t(_DESCRIPTION, max=t.number(MAX_DESCRIPTION))
    return found or {"form": t("Check this field.")}


def _named(table: dict[str, str], t: Translator) -> list[tuple[str, str]]:
    return [(code, t(name)) for code, name in table.items()]


def _known_values(session: Session, runtime: Runtime, language: str
                  ) -> dict[str, list[tuple[str, str]]]:
    schema = runtime.facet_schema
    return {found.facet: [(v.value, schema.value_in(found.facet, v.value, language))
                          for v in found.values]
            for found in declared_by_facet(session, top=_KNOWN)
            if schema.get(found.facet) is not None}


def builder_context(session: Session, *, runtime: Runtime, t: Translator, form: BuilderForm,
                    segment: SegmentOut | None, staff: StaffOut,
                    errors: dict[str, str] | None = None, count: int | None = None,
                    condition: Condition | None = None, **extra: Any) -> dict[str, Any]:
    """Everything the builder's template reads."""
    schema, language = runtime.facet_schema, t.language
    currency = runtime.shop_currency
    facets = [(f.name, schema.label_in(f.name, language)) for f in schema.preferable()]
    words = (described(condition, t=t, runtime=runtime, session=session)
             if condition is not None else None)
    stored_words = (described(stored_condition(session, segment.key), t=t, runtime=runtime,
                              session=session) if segment is not None else None)
    quizzes = quiz_choices(session, language)
    ops = dict(_named(OP_NAMES, t))
    return {
        "form": form, "errors": errors or {}, "segment": segment,
        "may_edit": allows(staff.role, "marketer"),
        "action_url": f"/dashboard/segments/{segment.key if segment else NEW_KEY}",
        "count_url": "/dashboard/segments/count",
        "count": count_words(count, t) if count is not None else None,
        "words": words, "stored_words": stored_words,
        "types": _named(TYPE_NAMES, t), "type_names": TYPE_NAMES,
        "kinds": _named(DECLARED_KINDS, t),
        "facets": facets, "known_values": _known_values(session, runtime, language),
        # A yes/no facet's value is chosen, never typed ("true" is no word for staff).
        "yes_no_facets": {f.name for f in schema.facets if f.type == "boolean"},
        "profile_fields": _named(PROFILE_NAMES, t), "profile_ops": {
            kind: [(op, ops[op]) for op in allowed] for kind, allowed in PROFILE_OPS.items()},
        "levels": _named(LEVEL_NAMES, t),
        "orders": [(op, t(OP_NAMES[op])) for op in ("gte", "gt", "lte", "lt")],
        "traits": _named(TRAIT_NAMES, t), "purposes": _named(PURPOSE_NAMES, t),
        "events": _named(EVENT_NAMES, t), "measures": _named(MEASURE_NAMES, t),
        "channels": [(c, t(PURPOSE_NAMES[c])) for c in CHANNELS],
        "quizzes": quizzes, "quiz_options": [(q.id, q.title) for q in quizzes],
        "answer_value": answer_value,
        "field_label": lambda type_, name, kind=None: t(field_label(type_, name, kind=kind)),
        "currency": currency, "max_rows": MAX_ROWS, "max_days": MAX_DAYS,
        "max_key": MAX_KEY, "max_name": MAX_NAME, "max_description": MAX_DESCRIPTION,
        **extra,
    }
