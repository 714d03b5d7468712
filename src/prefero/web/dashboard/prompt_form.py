"""The prompt form of the dashboard: what staff type, read into the same ``PromptIn`` the
admin API takes, and each problem (the schema's, or the prompt service's) put beside its
field in the page's language.

The checks themselves are the schema's and ``prefero.prompts.definitions``' (the threshold's
range per trigger, the slot that must exist, a key that must be free): this module only
names the field and says, in staff's words, what each one wants.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from babel.numbers import format_percent
from pydantic import ValidationError

from prefero.errors import PreferoError
from prefero.i18n.catalogues import N_
from prefero.prompts.definitions import DEFAULT_THRESHOLDS, THRESHOLD_RANGES
from prefero.prompts.schemas import TRIGGERS, PromptBody, PromptIn, PromptOut, Trigger
from prefero.web.i18n import Translator

__all__ = ["FIELDS", "TRIGGER_HINTS", "TRIGGER_NAMES", "PromptForm", "form_of", "of_service",
           "read_body", "threshold_words", "trigger_hint", "worded"]

#: The form's fields, in the order the page shows them.
FIELDS = ("key", "name", "trigger", "threshold", "slot", "priority", "enabled")

TRIGGER_NAMES: Mapping[Trigger, str] = {
    "cart_exit": N_("Leaving with items in the cart"),
    "dwell": N_("Time on a page"),
    "scroll": N_("Reading down a page"),
    "return_after_search": N_("Returning after a search"),
}
#: What fires each trigger, with its threshold's unit, range and usual value.
TRIGGER_HINTS: Mapping[Trigger, str] = {
    "cart_exit": N_("When the visitor leaves the page (hides the tab or moves the pointer out "
                    "of the window) with at least this many items in the cart: {low} to "
                    "{high}, usually {usual}."),
    "dwell": N_("After this many seconds on one page: {low} to {high}, usually {usual}."),
    "scroll": N_("When this percentage of a page has been read: {low} to {high}, usually "
                 "{usual}."),
    "return_after_search": N_("On the first page of a visit, when the visitor searched on an "
                              "earlier visit at most this many days ago: {low} to {high}, "
                              "usually {usual}."),
}

_TAKEN = N_("Another prompt has this key.")
_CHECK = N_("Check this field.")
_FIELD = {
    "key": N_("Use 1 to 64 lowercase letters, digits, “-” and “_”, starting with a letter or "
              "a digit."),
    "name": N_("Enter a name of at most 200 characters."),
    "trigger": N_("Choose what fires the prompt."),
    "threshold": N_("Enter a whole number, or leave it empty for the trigger's usual value."),
    "slot": N_("Choose one of the shop's content slots."),
    "priority": N_("Enter a whole number from −1000 to 1000."),
}
_THRESHOLD = N_("For this trigger, enter a whole number from {low} to {high}, or leave it "
                "empty for {usual}.")
_UNSTORABLE = N_("Remove the invisible or control characters.")


@dataclass
class PromptForm:
    """The form's fields as typed (an unticked box is not posted: ``enabled`` False)."""

    key: str = ""
    name: str = ""
    trigger: str = ""
    threshold: str = ""
    slot: str = ""
    priority: str = "0"
    enabled: bool = True


def form_of(prompt: PromptOut) -> PromptForm:
    """A stored prompt as the form shows it."""
    return PromptForm(key=prompt.key, name=prompt.name, trigger=prompt.trigger,
                      threshold=str(prompt.threshold), slot=prompt.slot,
                      priority=str(prompt.priority), enabled=prompt.enabled)


def read_body(form: PromptForm, *, with_key: bool
              ) -> tuple[PromptIn | PromptBody | None, dict[str, str]]:
    """The form as the API's input (``PromptIn`` with the key, else ``PromptBody``), or the
    schema's problems as field → pydantic error type.

    >>> body, problems = read_body(PromptForm(name="Leaving", trigger="cart_exit",
    ...                                       slot="cart-help"), with_key=False)
    >>> body.threshold, problems
    (None, {})
    >>> read_body(PromptForm(name="", trigger="dwell", threshold="soon", slot="x"),
    ...           with_key=False)[1]
    {'name': 'string_too_short', 'threshold': 'int_parsing'}
    """
    data: dict[str, object] = {
        "name": form.name, "trigger": form.trigger, "slot": form.slot.strip(),
        "threshold": form.threshold.strip() or None,
        "priority": form.priority.strip() or "0", "enabled": form.enabled}
    if with_key:
        data["key"] = form.key.strip()
    schema = PromptIn if with_key else PromptBody
    try:
        return schema.model_validate(data), {}
    except ValidationError as exc:
        problems: dict[str, str] = {}
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "form"
            problems.setdefault(name, error["type"])
        return None, problems


def of_service(exc: PreferoError) -> dict[str, str]:
    """The service's problems as field → its message (English, for matching only)."""
    problems: dict[str, str] = {}
    for error in exc.errors:
        problems.setdefault(str(error.loc[0]) if error.loc else "form", error.msg)
    return problems


def _trigger(text: str) -> Trigger | None:
    return next((trigger for trigger in TRIGGERS if trigger == text), None)


def worded(problems: Mapping[str, str], t: Translator, *, trigger: str) -> dict[str, str]:
    """Field → its problem in the page's language; ``trigger`` is the one chosen on the
    form (a threshold's range depends on it). A problem at a field the form does not show
    is the whole form's."""
    found: dict[str, str] = {}
    for name, kind in problems.items():
        if name not in FIELDS:
            found.setdefault("form", t(_CHECK))
        elif kind == "is taken":
            found[name] = t(_TAKEN)
        elif kind == "string_unstorable":
            found[name] = t(_UNSTORABLE)
        elif name == "threshold" and (chosen := _trigger(trigger)) is not None:
            low, high = THRESHOLD_RANGES[chosen]
            found[name] = t(_THRESHOLD, low=t.number(low), high=t.number(high),
                            usual=t.number(DEFAULT_THRESHOLDS[chosen]))
        else:
            found[name] = t(_FIELD.get(name, _CHECK))
    return found


def trigger_hint(trigger: Trigger, t: Translator) -> str:
    """What fires ``trigger``, with its threshold's range, in the page's language."""
    low, high = THRESHOLD_RANGES[trigger]
    return t(TRIGGER_HINTS[trigger], low=t.number(low), high=t.number(high),
             usual=t.number(DEFAULT_THRESHOLDS[trigger]))


def threshold_words(trigger: Trigger, threshold: int, t: Translator) -> str:
    """A prompt's threshold as staff read it in the list.

    >>> from prefero.web.i18n import translator
    >>> threshold_words("dwell", 30, translator("en")), threshold_words("scroll", 75,
    ...                                                                 translator("en"))
    ('after 30 seconds on a page', '75% of the page read')
    """
    if trigger == "cart_exit":
        return t.plural("{n} item or more in the cart", "{n} items or more in the cart",
                        threshold)
    if trigger == "dwell":
        return t.plural("after {n} second on a page", "after {n} seconds on a page",
                        threshold)
    if trigger == "scroll":
        return t(N_("{percent} of the page read"),
                 percent=format_percent(threshold / 100, locale=t.language))
    return t.plural("a search at most {n} day ago", "a search at most {n} days ago",
                    threshold)
