"""The experiment set-up form: an experiment as its fields are typed (``ExperimentForm``),
read into an ``ExperimentIn`` with every wrong field named in the page's language, and a
stored experiment written back into fields to edit.

Shares, traffic and diversity are typed as percentages (staff think "50 %", the service
keeps 0.5), with a comma or a point, so that Polish staff type as they write. What is typed
is kept as typed, so that a refused form comes back as the person left it. An arm's row is
numbered as the page shows it; a row left wholly empty is not an arm. The service's checks
(``check_experiment``) point into the body from its root (``("arms", 1, "config",
"variant")``); ``field_of`` says which field of this form a path is, and ``refused`` words
them: the service words its errors for the API, in English.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import format_percent
from pydantic import ValidationError

from prefero.errors import FieldError
from prefero.experiments.schemas import METRICS, ExperimentIn, ExperimentOut
from prefero.i18n.catalogues import N_
from prefero.web.i18n import Translator

__all__ = ["MAX_ARMS", "ArmForm", "ExperimentForm", "field_of", "form_of", "posted",
           "read_form", "refused"]

#: Arms an experiment may have (``ExperimentIn.arms``).
MAX_ARMS = 10
_KEY = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

_MESSAGES = {
    "key": N_("Use 1 to 64 small letters, digits, “-” or “_”, starting with a letter or a "
              "digit."),
    "name": N_("Give it a name of at most 200 characters."),
    "description": N_("Keep the description under 2,000 characters."),
    "kind": N_("Choose what the experiment changes."),
    "target": N_("Choose where the experiment runs."),
    "arms": N_("Give between 2 and {n} arms."),
    "share": N_("Enter a share above 0% and at most 100%."),
    "diversity": N_("Enter a number from 0 to 100, or leave it empty."),
    "variant": N_("The chosen slot has no such variant."),
    "model_version": N_("Choose one of the trained versions."),
    "level": N_("Choose a personalization level."),
    "primary_metric": N_("Choose the metric that decides."),
    "guardrails": N_("The primary metric is measured anyway: do not tick it here too."),
    "pre_period_days": N_("Enter a whole number of days from 0 to 365."),
    "traffic": N_("Enter a share above 0% and at most 100%."),
    "check": N_("Check this field."),
}


def _say(t: Translator, name: str, **values: object) -> str:
    """The message for ``name`` in ``t``'s language (named apart from the table, so that
    the catalogue's extraction reads the table, not the names)."""
    return t(_MESSAGES[name], **values)
_SUM = N_("The shares must add up to 100% (now {total}).")
_ONE_CONTROL = N_("Mark exactly one arm as the control.")
_TWICE = N_("Each arm needs a key of its own.")
_HOLDOUT_ARMS = N_("A holdout has two arms: the held-out group (the control) and everyone "
                   "else.")
_HOLDOUT_TARGET = N_("A holdout covers the whole shop.")
#: Arm fields an error may be shown beside (``arm-<row>-<name>``).
_ARM_FIELDS = ("key", "name", "share", "level", "model_version", "diversity", "variant",
               "send", "merchandising", "exploration")


@dataclass
class ArmForm:
    """One arm's row as typed; the kind's settings beside the common fields."""

    key: str = ""
    name: str = ""
    share: str = ""
    level: str = ""
    model_version: str = ""
    diversity: str = ""
    merchandising: bool = True
    exploration: str = ""
    variant: str = ""
    send: str = "send"

    def empty(self) -> bool:
        return not (self.key.strip() or self.name.strip() or self.share.strip())


@dataclass
class ExperimentForm:
    """The whole form as typed. ``control`` is the row number of the control arm."""

    key: str = ""
    name: str = ""
    description: str = ""
    kind: str = ""
    target: str = ""
    arms: list[ArmForm] = field(default_factory=list)
    control: str = "0"
    primary_metric: str = "conversion"
    guardrails: list[str] = field(default_factory=lambda: ["not_for_me_rate",
                                                           "revenue_per_visitor"])
    anonymous_measurement: bool = False
    pre_period_days: str = "14"
    traffic: str = "100"

    def rows(self, *, at_least: int = 3) -> list[ArmForm]:
        """The arms' rows the page shows: those typed, and empty ones up to ``at_least``
        and one more to add an arm (at most ``MAX_ARMS``)."""
        shown = list(self.arms)
        while len(shown) < MAX_ARMS and (len(shown) < at_least or not shown[-1].empty()):
            shown.append(ArmForm())
        return shown


def posted(data: Mapping[str, Any], getlist: Any) -> ExperimentForm:
    """The form as posted: ``data`` the fields' first values, ``getlist(name)`` all of one
    (a checkbox left unticked is not posted at all).

    >>> posted({"key": " a "}, lambda name: []).key
    ' a '
    """
    def text(name: str) -> str:
        value = data.get(name, "")
        return value if isinstance(value, str) else ""

    arms = [ArmForm(key=text(f"arm-{i}-key"), name=text(f"arm-{i}-name"),
                    share=text(f"arm-{i}-share"), level=text(f"arm-{i}-level"),
                    model_version=text(f"arm-{i}-model_version"),
                    diversity=text(f"arm-{i}-diversity"),
                    merchandising=text(f"arm-{i}-merchandising") == "on",
                    exploration=text(f"arm-{i}-exploration"),
                    variant=text(f"arm-{i}-variant"), send=text(f"arm-{i}-send") or "send")
            for i in range(MAX_ARMS)]
    while arms and arms[-1].empty():
        arms.pop()
    return ExperimentForm(
        key=text("key"), name=text("name"), description=text("description"),
        kind=text("kind"), target=text("target"), arms=arms, control=text("control"),
        primary_metric=text("primary_metric"),
        guardrails=[g for g in getlist("guardrails") if isinstance(g, str)],
        anonymous_measurement=text("anonymous_measurement") == "on",
        pre_period_days=text("pre_period_days"), traffic=text("traffic"))


def _percent(text: str) -> Decimal | None:
    """A percentage as typed (``"33,5"``, ``"33.5 %"``); None when it is not a number."""
    cleaned = text.strip().removesuffix("%").strip().replace(",", ".").replace(" ", "")
    if not cleaned or len(cleaned) > 20:
        return None
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _written(value: float, t: Translator) -> str:
    """A stored fraction as the percentage the form shows, in the page's language."""
    return t.number(round(Decimal(str(value)) * 100, 4).normalize())


def form_of(experiment: ExperimentOut, t: Translator) -> ExperimentForm:
    """The stored ``experiment`` as the form's fields, to edit it."""
    arms: list[ArmForm] = []
    for arm in experiment.arms:
        config = arm.config
        diversity = config.get("diversity")
        exploration = config.get("exploration")
        arms.append(ArmForm(
            key=arm.key, name=arm.name, share=_written(arm.share, t),
            level=str(config.get("default_level") or ""),
            model_version=str(config.get("model_version") or ""),
            diversity=_written(diversity, t) if isinstance(diversity, int | float) else "",
            merchandising=config.get("merchandising", True) is not False,
            exploration="" if exploration is None else ("on" if exploration else "off"),
            variant=str(config.get("variant") or ""),
            send="hold" if config.get("send") is False else "send"))
    control = next((str(i) for i, arm in enumerate(experiment.arms) if arm.control), "0")
    return ExperimentForm(
        key=experiment.key, name=experiment.name, description=experiment.description,
        kind=experiment.kind, target=experiment.target or "", arms=arms, control=control,
        primary_metric=experiment.primary_metric, guardrails=list(experiment.guardrails),
        anonymous_measurement=experiment.anonymous_measurement,
        pre_period_days=str(experiment.pre_period_days), traffic=_written(experiment.traffic, t))


def _config(kind: str, arm: ArmForm, row: int, errors: dict[str, str],
            t: Translator) -> dict[str, object]:
    if kind == "recommendations":
        config: dict[str, object] = {"merchandising": arm.merchandising}
        if arm.level:
            config["default_level"] = arm.level
        if arm.model_version:
            config["model_version"] = arm.model_version
        if arm.diversity.strip():
            diversity = _percent(arm.diversity)
            if diversity is None or not 0 <= diversity <= 100:
                errors[f"arm-{row}-diversity"] = _say(t, "diversity")
            else:
                config["diversity"] = float(diversity / 100)
        if arm.exploration in ("on", "off"):
            config["exploration"] = arm.exploration == "on"
        return config
    if kind == "content":
        return {"variant": arm.variant} if arm.variant else {}
    if kind == "messages":
        return {"send": arm.send != "hold"}
    return {}


def _arms(form: ExperimentForm, errors: dict[str, str], t: Translator
          ) -> tuple[list[dict[str, Any]], list[int]]:
    """The arms' bodies and, for each, its row on the page."""
    bodies: list[dict[str, Any]] = []
    rows: list[int] = []
    shares: list[Decimal] = []
    for row, arm in enumerate(form.arms):
        if arm.empty():
            continue
        share = _percent(arm.share)
        if share is None or not 0 < share <= 100:
            errors[f"arm-{row}-share"] = _say(t, "share")
            share = None
        else:
            shares.append(share)
        bodies.append({"key": arm.key.strip(), "name": arm.name.strip(),
                       "share": float(share / 100) if share is not None else 0.5,
                       "control": form.control == str(row),
                       "config": _config(form.kind, arm, row, errors, t)})
        rows.append(row)
    if not 2 <= len(bodies) <= MAX_ARMS:
        errors["arms"] = _say(t, "arms", n=t.number(MAX_ARMS))
    elif len(shares) == len(bodies) and sum(shares) != 100:
        errors["arms"] = t(_SUM, total=format_percent(sum(shares) / 100, "#,##0.##%",
                                                        locale=t.language))
    elif sum(1 for body in bodies if body["control"]) != 1:
        errors["arms"] = t(_ONE_CONTROL)
    return bodies, rows


def _days(text: str) -> int | None:
    cleaned = text.strip()
    if not cleaned.isascii() or not cleaned.isdigit() or len(cleaned) > 3:
        return None
    days = int(cleaned)
    return days if days <= 365 else None


def read_form(form: ExperimentForm, t: Translator
              ) -> tuple[ExperimentIn | None, dict[str, str], list[int]]:
    """The experiment ``form`` describes, or None and each wrong field (by its id on the
    page) with a message in ``t``'s language; and each arm's row on the page, to place the
    service's later findings.

    >>> # read_form(ExperimentForm(key="Bad key", ...), t) -> (None, {"key": "Use 1 to 64 …"}, …)
    """
    errors: dict[str, str] = {}
    arms, rows = _arms(form, errors, t)
    traffic = _percent(form.traffic)
    if traffic is None or not 0 < traffic <= 100:
        errors["traffic"] = _say(t, "traffic")
        traffic = Decimal(100)
    days = _days(form.pre_period_days)
    if days is None:
        errors["pre_period_days"] = _say(t, "pre_period_days")
    if form.kind == "holdout" and len(arms) != 2 and "arms" not in errors:
        errors["arms"] = t(_HOLDOUT_ARMS)
    body = {"key": form.key.strip(), "name": form.name.strip(),
            "description": form.description.strip(), "kind": form.kind,
            "target": form.target or None, "arms": arms,
            "primary_metric": form.primary_metric,
            "guardrails": [g for g in METRICS if g in form.guardrails],
            "anonymous_measurement": form.anonymous_measurement,
            "pre_period_days": days if days is not None else 14,
            "traffic": float(traffic / 100)}
    try:
        parsed = ExperimentIn.model_validate(body)
    except ValidationError as exc:
        for error in exc.errors():
            name = field_of(tuple(error["loc"]), rows)
            errors.setdefault(name, _message(name, t))
        return None, errors, rows
    if form.primary_metric in parsed.guardrails:
        errors["guardrails"] = _say(t, "guardrails")
    return (None if errors else parsed), errors, rows


def field_of(loc: Sequence[str | int], rows: Sequence[int]) -> str:
    """The form's field a body's path points at; ``rows`` maps an arm's place in the body
    to its row on the page.

    >>> field_of(("arms", 1, "config", "variant"), [0, 2]), field_of(("arms",), [0, 1])
    ('arm-2-variant', 'arms')
    >>> field_of(("arms", 0, "config", "default_level"), [0]), field_of(("guardrails", 1), [])
    ('arm-0-level', 'guardrails')
    """
    if not loc:
        return "form"
    head = str(loc[0])
    if head == "arms":
        if len(loc) < 3 or not isinstance(loc[1], int) or loc[1] >= len(rows):
            return "arms"
        name = str(loc[-1]) if loc[2] == "config" and len(loc) > 3 else str(loc[2])
        name = {"default_level": "level", "control": "key"}.get(name, name)
        return f"arm-{rows[loc[1]]}-{name}" if name in _ARM_FIELDS else "arms"
    return head if head in _MESSAGES else "form"


def _message(name: str, t: Translator) -> str:
    short = name.rsplit("-", 1)[-1]
    if short == "arms":
        return _say(t, "arms", n=t.number(MAX_ARMS))
    return _say(t, short if short in _MESSAGES else "check")


def refused(problems: Sequence[FieldError], rows: Sequence[int], t: Translator
            ) -> dict[str, str]:
    """What the service refused (the checks against the shop's data, and those the form
    does not repeat), each field in the page's words."""
    errors: dict[str, str] = {}
    for problem in problems:
        name = field_of(problem.loc, rows)
        if name == "arms" and "control" in problem.msg:
            message = t(_ONE_CONTROL)
        elif name == "arms" and "holdout" in problem.msg:
            message = t(_HOLDOUT_ARMS)
        elif name == "target" and "holdout" in problem.msg:
            message = t(_HOLDOUT_TARGET)
        elif name.endswith("-key") and "twice" in problem.msg:
            message = t(_TWICE)
        else:
            message = _message(name, t)
        errors.setdefault(name, message)
    return errors
