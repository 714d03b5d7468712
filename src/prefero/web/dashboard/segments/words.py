"""The segment builder's words: each condition type, field, operator and code by its name in
staff's language (message ids; the page translates them), and what a refused field reads as.

The service's own messages are for the API and the command line, in English; the builder
says in the page's language what the person should type instead.
"""

from __future__ import annotations

from prefero.i18n.catalogues import N_

# The traits' and events' names, as the preference center's data page words them.
from prefero.web.preference_words import EVENT_NAMES, TRAIT_NAMES

__all__ = [
    "DECLARED_KINDS",
    "EVENT_NAMES",
    "FIELD_NAMES",
    "JSON_MESSAGES",
    "MEASURE_NAMES",
    "OP_NAMES",
    "PROFILE_NAMES",
    "ROW_MESSAGES",
    "TRAIT_NAMES",
    "TYPE_NAMES",
    "field_label",
]

#: Each condition type the builder offers, in the order it offers them.
TYPE_NAMES: dict[str, str] = {
    "declared": N_("Declared preference"),
    "profile": N_("Profile field"),
    "trait": N_("Psychographic trait"),
    "consent": N_("Consent to a purpose"),
    "quiz_answer": N_("Quiz answer"),
    "behaviour": N_("Behaviour in a time window"),
    "rfm": N_("Recency, frequency, monetary value"),
    "group": N_("Group of conditions"),
}
DECLARED_KINDS: dict[str, str] = {
    "like": N_("likes"), "dislike": N_("dislikes"), "never": N_("never wants"),
    "must": N_("wants only"),
}
# The same words as the condition's description (segments/describe.py): one translation.
PROFILE_NAMES: dict[str, str] = {
    "level": N_("Personalization level"), "exploration": N_("Something different"),
    "anonymous": N_("Anonymous visitor"), "budget_min": N_("Budget from"),
    "budget_max": N_("Budget up to"), "time_zone": N_("Time zone"),
    "created_days_ago": N_("Days since the profile was created"),
}
MEASURE_NAMES: dict[str, str] = {
    "recency_days": N_("Days since the last purchase"),
    "frequency": N_("Number of purchases"),
    "monetary": N_("Money spent"),
}
OP_NAMES: dict[str, str] = {
    "eq": N_("is"), "ne": N_("is not"), "lt": N_("is below"), "lte": N_("is at most"),
    "gt": N_("is above"), "gte": N_("is at least"), "in": N_("is one of"),
    "exists": N_("is given"),
}

#: Each field's label in a row (the legend names the row's type).
FIELD_NAMES: dict[str, str] = {
    "kind": N_("The customer"), "facet": N_("Facet"), "value": N_("Value"),
    "field": N_("Field"), "op": N_("Comparison"), "trait": N_("Trait"),
    "purpose": N_("Purpose"), "granted": N_("Consents"), "quiz": N_("Quiz"),
    "answer": N_("Answer"), "event": N_("Event"), "min": N_("At least (times)"),
    "max": N_("At most (times, optional)"), "days": N_("In the last (days)"),
    "measure": N_("Measure"),
}
_PROFILE_VALUE = {
    "text": N_("Text (several: separate them with commas)"),
    "number": N_("Amount (several: separate them with commas)"),
    "days": N_("Days (several: separate them with commas)"),
}

#: What a refused field of a row reads as: by (type, field), else by field.
ROW_MESSAGES: dict[tuple[str, str] | str, str] = {
    ("declared", "value"): N_("Enter the value, at most 200 characters."),
    ("profile", "op"): N_("This comparison does not apply to this field."),
    ("profile", "value:text"): N_("Enter a text of at most 200 characters (several: "
                                  "separate them with commas)."),
    ("profile", "value:bool"): N_("Choose yes or no."),
    ("profile", "value:number"): N_("Enter an amount (several: separate them with commas)."),
    ("profile", "value:days"): N_("Enter whole days from 0 to {max}."),
    ("trait", "value"): N_("Enter a number, e.g. 0.5."),
    ("rfm", "value"): N_("Enter a number of at least 0."),
    "min": N_("Enter a whole number from 0 to {max}."),
    "max": N_("Enter a whole number not below the one before, or leave it empty."),
    "days": N_("Enter whole days from 1 to {max}."),
    "answer": N_("Choose one of this quiz’s answers."),
    "quiz": N_("Choose a quiz."),
    "row": N_("Check this condition."),
}
_GENERIC = N_("Choose one of the options.")

#: What a refused JSON condition reads as, by the last field its path names.
JSON_MESSAGES: dict[str, str] = {
    "type": N_("a condition type the builder does not know"),
    "value": N_("a value that does not fit the condition"),
    "op": N_("a comparison that does not apply here"),
    "conditions": N_("a list of 1 to 50 conditions is needed here"),
    "condition": N_("one condition is needed here"),
    "": N_("a value that is missing or not allowed"),
}


def field_label(type_: str, name: str, *, kind: str | None = None) -> str:
    """The label of field ``name`` in a row of ``type_`` (``kind``: a profile field's kind
    of value)."""
    if name == "value" and type_ == "profile" and kind in _PROFILE_VALUE:
        return _PROFILE_VALUE[kind]
    if name == "value" and type_ == "trait":
        return N_("Score")
    return FIELD_NAMES.get(name, N_("Value"))


def row_message(type_: str, name: str, *, kind: str | None = None) -> str:
    """The message id for a refused field ``name`` of a row of ``type_``."""
    if type_ == "profile" and name == "value" and kind is not None:
        return ROW_MESSAGES[("profile", f"value:{kind}")]
    return ROW_MESSAGES.get((type_, name), ROW_MESSAGES.get(name, _GENERIC))
