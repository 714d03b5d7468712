"""The content editor's problems in staff's words, each beside its field: the schema's
(pydantic's) and the service's (``slots.slot_problems``, a taken key) are named by path,
and ``forms.field_of`` turns the path into the field. The service's own messages are for the
API and the command line, in English; here each field has its own sentence in the page's
language."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from pydantic import ValidationError

from prefero.errors import PreferoError
from prefero.i18n.catalogues import N_
from prefero.web.dashboard.content.forms import field_of
from prefero.web.i18n import Translator

__all__ = ["Problem", "of_service", "of_validation", "worded"]


@dataclass(frozen=True)
class Problem:
    """One problem: its path from the slot's or the variant's root, and what it is (a
    pydantic error type, or the service's message)."""

    loc: tuple[str | int, ...]
    kind: str


def of_validation(exc: ValidationError, *, prefix: int = 0) -> list[Problem]:
    """The schema's problems; ``prefix`` leading parts of each path are dropped."""
    return [Problem(tuple(error["loc"][prefix:]), error["type"]) for error in exc.errors()]


def of_service(exc: PreferoError, *, within: Sequence[str | int] = ()) -> list[Problem]:
    """The service's problems; those under ``within`` (a variant's place in its slot) are
    made relative to it."""
    found = []
    for error in exc.errors:
        loc = tuple(error.loc)
        if within and loc[:len(within)] == tuple(within):
            loc = loc[len(within):]
        found.append(Problem(loc, error.msg))
    return found


# Service messages by what they say (prefero.content.slots), most specific first; the page's
# tests check each.
_SERVICE = (
    ("repeats ", N_("Another variant of this slot has this key.")),
    ("is taken in this slot", N_("This slot has a variant with this key already.")),
    ("is taken", N_("Another slot has this key.")),
    ("the shop has no facet", N_("The shop has no such facet.")),
    ("start and end are the same hour",
     N_("The first and the last hour are the same: leave both empty for the whole day.")),
    ("no variant of this slot has the key", N_("Choose one of this slot's variants.")),
    ("the control group sees the fallback",
     N_("The control group sees the fallback: choose one, or set the control group to 0%.")),
    ("only a split has a control group",
     N_("Only a split test has a control group: set it to 0% or choose the split test.")),
    ("a split needs at least one variant",
     N_("A split test needs at least one variant with a share above 0%.")),
    ("is a path of the API", N_("This key is reserved; choose another.")),
)

_UNSTORABLE = N_("Remove the invisible or control characters.")
_CHECK = N_("Check this field.")
_FIELD = {
    "key": N_("Use 1 to 64 lowercase letters, digits, “-” and “_”, starting with a letter or "
              "a digit."),
    "name": N_("Enter a name of at most 200 characters."),
    "strategy": N_("Choose one of the strategies."),
    "control_share": N_("Enter a percentage of at least 0 and below 100."),
    "fallback": N_("Choose one of this slot's variants."),
    "enabled": _CHECK,
    "texts": N_("Write a title in English or in Polish (or in both)."),
    "title": N_("Enter a title of at most 200 characters."),
    "body": N_("Write at most 2,000 characters."),
    "image": N_("Enter an address that begins with https:// or http://, or a path on the "
                "shop's site that begins with /."),
    "link": N_("Enter an address that begins with https:// or http://, or a path on the "
               "shop's site that begins with /."),
    "image_alt": N_("Write at most 300 characters."),
    "link_text": N_("Write at most 100 characters."),
    "segments": N_("Choose segments from the list (at most 50)."),
    "facet": N_("Choose a facet."),
    "value": N_("Enter a value on one line, of at most 200 characters."),
    "trait": N_("Choose a trait."),
    "op": N_("Choose a comparison."),
    "score": N_("Enter a number from −1000 to 1000."),
    "choice": N_("Choose from the list."),
    "words": N_("One per line: at most 50 lines of at most 200 characters."),
    "hours": N_("Choose both the first hour and the hour it ends at."),
    "weight": N_("Enter a number above 0 and at most 1000."),
    "share": N_("Enter a percentage from 0 to 100."),
}


def _general(field: str) -> str:
    last = field.rsplit(".", 1)[-1]
    if field.startswith("traits."):
        return _FIELD["score" if last == "value" else last]
    if field.startswith("source."):
        return _FIELD["choice" if last == "kind" else "words"]
    if field.startswith("hours."):
        return _FIELD["hours"]
    if field in ("mindset", "visitor", "device", "time_of_day", "weather"):
        return _FIELD["choice"]
    return _FIELD.get(last, _CHECK)


def _message(problem: Problem, field: str) -> str:
    for start, message in _SERVICE:
        if start in problem.kind:
            return message
    if problem.kind == "string_unstorable":
        return _UNSTORABLE
    return _general(field)


def worded(problems: Iterable[Problem], t: Translator, *, fields: Iterable[str] = (),
           aliases: Mapping[str, str] | None = None) -> dict[str, str]:
    """Field name → its problem in the page's language (the first, when several point at
    one field). ``aliases`` moves a problem to the field that answers it (a split without
    shares: the strategy, or the variant's share); a path to a field the form does not show
    (``fields``, when given) is shown as the whole form's problem.

    >>> # worded([Problem(("texts", "en", "title"), "string_too_short")], t)
    >>> # -> {'en.title': 'Enter a title of at most 200 characters.'}
    """
    shown = set(fields)
    found: dict[str, str] = {}
    for problem in problems:
        field = field_of(problem.loc)
        message = t(_message(problem, field))
        field = (aliases or {}).get(field, field)
        if shown and field not in shown:
            field = "form"
        found.setdefault(field, message)
    return found
