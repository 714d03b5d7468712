"""The preference center's "Messages" section: switching one trigger on or off, and the form
for everything else the customer sets (the channels they want, the caps per channel and over
all, quiet hours, the preferred send time, the language).

Like every section's form it posts, answers 303 back to the section (htmx swaps it in
place) and writes the audit log (``prefero.web.routes.preferences._change``). Bad input
shows the form again with a message at each wrong field, in the page's language, and
changes nothing."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response

from prefero.api.deps import DbSession, Rt
from prefero.db.base import utcnow
from prefero.errors import InvalidInput
from prefero.i18n.catalogues import N_
from prefero.messaging.kinds import CHANNELS, TRIGGERS
from prefero.messaging.schedule import minutes
from prefero.messaging.terms import MAX_CAP, MessageTermsIn, save_terms, set_trigger
from prefero.messaging.wording import TRIGGER_NAMES
from prefero.web.form_numbers import whole_number
from prefero.web.i18n import language_of, translator
from prefero.web.routes.preferences import PAGE, FormProblem, Message, _change, _notice

__all__ = ["FIELD_IDS", "router"]

router = APIRouter()

#: The form's fields by the terms' names, as ids on the page (each error's anchor).
FIELD_IDS: dict[str, str] = {
    "daily_cap": "messages-daily-cap", "quiet_start": "messages-quiet-start",
    "quiet_end": "messages-quiet-end", "send_time": "messages-send-time",
    "locale": "messages-locale",
    **{f"cap-{c.value}": f"messages-cap-{c.value}" for c in CHANNELS},
}
_CAP = N_("Enter a whole number from 0 to {most}.")
_TIME = N_("Enter a time of day like 21:00.")
_SEND_TIME = N_("Enter a time of day like 18:00, or leave it empty.")
_SAME = N_("Quiet hours must end at another time than they start.")
_IN_QUIET = N_("This time falls within your quiet hours; choose a time outside them.")
_LANGUAGE = N_("Choose one of the listed languages.")
_LANGUAGES = ("en", "pl")


@router.post(f"{PAGE}/messages/trigger")
def trigger_route(request: Request, session: DbSession, runtime: Rt,
                  trigger: Annotated[str, Form(max_length=40)] = "",
                  on: Annotated[str, Form(max_length=10)] = "") -> Response:
    def act(cid: str) -> dict[str, Any]:
        chosen = next((t for t in TRIGGERS if t.value == trigger), None)
        if chosen is None or on not in ("true", "false"):
            raise FormProblem("messages", {"messages": N_("Choose on or off.")})
        set_trigger(session, customer_id=cid, trigger=chosen, on=on == "true",
                    settings=runtime.settings, now=utcnow())
        name = translator(language_of(request))(TRIGGER_NAMES[chosen])
        return _notice(N_("Messages on: {what}.") if on == "true"
                       else N_("Messages off: {what}."), what=name)

    return _change(request, session, runtime, "messages", act,
                   audit_action="message_terms.write")


def _cap(text: str) -> int | None:
    return whole_number(text, most=MAX_CAP)


def _time(text: str) -> str | None:
    """``"HH:MM"`` as the terms take it (``"9:05"`` → ``"09:05"``); None when not a time."""
    try:
        value = minutes(text)
    except ValueError:
        return None
    return f"{value // 60:02d}:{value % 60:02d}"


def _terms_from(form: dict[str, str]) -> MessageTermsIn:
    """The form's values as the customer's terms; ``FormProblem`` naming every wrong field."""
    errors: dict[str, str | Message] = {}
    caps: dict[str, int] = {}
    for key in ["daily_cap", *(f"cap-{c.value}" for c in CHANNELS)]:
        cap = _cap(form.get(key, ""))
        if cap is None:
            errors[FIELD_IDS[key]] = Message(_CAP, {"most": str(MAX_CAP)})
        else:
            caps[key] = cap
    quiet: dict[str, str] | None = None
    if form.get("quiet") == "on":
        start, end = _time(form.get("quiet_start", "")), _time(form.get("quiet_end", ""))
        for key, value in (("quiet_start", start), ("quiet_end", end)):
            if value is None:
                errors[FIELD_IDS[key]] = _TIME
        quiet = {"start": start or "", "end": end or ""}
    send_text = form.get("send_time", "").strip()
    send_time = _time(send_text) if send_text else None
    if send_text and send_time is None:
        errors[FIELD_IDS["send_time"]] = _SEND_TIME
    if form.get("locale") not in _LANGUAGES:
        errors[FIELD_IDS["locale"]] = _LANGUAGE
    if errors:
        raise FormProblem("messages", errors, _submitted(form))
    values: dict[str, Any] = {
        "channels": {c.value: form.get(f"channel-{c.value}") == "on" for c in CHANNELS},
        "daily_cap": caps["daily_cap"],
        "channel_caps": {c.value: caps[f"cap-{c.value}"] for c in CHANNELS},
        "quiet_hours": quiet, "send_time": send_time, "locale": form["locale"]}
    try:
        return MessageTermsIn.model_validate(values)
    except ValidationError as exc:  # checked above; a refusal here is the form's bug
        raise FormProblem("messages", {"messages-save": N_(
            "This cannot be saved as it is; please check it.")}, _submitted(form)) from exc


def _submitted(form: dict[str, str]) -> dict[str, str]:
    """What the customer typed, by field id, to show again with the messages."""
    shown = {FIELD_IDS[key]: form.get(key, "") for key in FIELD_IDS}
    shown.update({f"messages-channel-{c.value}": form.get(f"channel-{c.value}", "")
                  for c in CHANNELS})
    shown["messages-quiet"] = form.get("quiet", "")
    return shown


_Field = Annotated[str, Form(max_length=40)]


@router.post(f"{PAGE}/messages/terms")
def terms_route(request: Request, session: DbSession, runtime: Rt,
                daily_cap: _Field = "", quiet: _Field = "", quiet_start: _Field = "",
                quiet_end: _Field = "", send_time: _Field = "", locale: _Field = "",
                channel_email: Annotated[str, Form(alias="channel-email", max_length=5)] = "",
                channel_push: Annotated[str, Form(alias="channel-push", max_length=5)] = "",
                channel_inbox: Annotated[str, Form(alias="channel-inbox", max_length=5)] = "",
                channel_webhook: Annotated[str, Form(alias="channel-webhook",
                                                     max_length=5)] = "",
                cap_email: Annotated[str, Form(alias="cap-email", max_length=40)] = "",
                cap_push: Annotated[str, Form(alias="cap-push", max_length=40)] = "",
                cap_inbox: Annotated[str, Form(alias="cap-inbox", max_length=40)] = "",
                cap_webhook: Annotated[str, Form(alias="cap-webhook", max_length=40)] = ""
                ) -> Response:
    form = {"daily_cap": daily_cap, "quiet": quiet, "quiet_start": quiet_start,
            "quiet_end": quiet_end, "send_time": send_time, "locale": locale,
            "channel-email": channel_email, "channel-push": channel_push,
            "channel-inbox": channel_inbox, "channel-webhook": channel_webhook,
            "cap-email": cap_email, "cap-push": cap_push, "cap-inbox": cap_inbox,
            "cap-webhook": cap_webhook}

    def act(cid: str) -> dict[str, Any]:
        terms = _terms_from(form)
        try:
            save_terms(session, customer_id=cid, terms=terms, settings=runtime.settings,
                       now=utcnow(), keep_triggers=True)
        except InvalidInput as exc:
            errors: dict[str, str | Message] = {}
            for error in exc.errors or ():
                if error.loc[:1] == ("send_time",):
                    errors[FIELD_IDS["send_time"]] = _IN_QUIET
                else:
                    errors[FIELD_IDS["quiet_end"]] = _SAME
            raise FormProblem("messages", errors or {FIELD_IDS["quiet_end"]: _SAME},
                              _submitted(form)) from exc
        return _notice(N_("Your message settings are saved."))

    return _change(request, session, runtime, "messages", act,
                   audit_action="message_terms.write")
