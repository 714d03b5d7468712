"""The shop's prompt definitions: created, listed, replaced and deleted, checked as they are
written (every problem named with its path, nothing changed), and read by the request path
from a per-process copy that a revision counter keeps fresh.

A prompt names a content slot (``prefero.content.slots``): the slot's variants are what the
prompt says and whom each variant is for; the prompt adds the trigger that fires it.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from prefero.catalog.revisions import bump, current
from prefero.content.models import ContentSlot
from prefero.db.base import utcnow
from prefero.errors import Conflict, FieldError, InvalidInput, NotFound
from prefero.prompts.models import Prompt
from prefero.prompts.schemas import PromptBody, PromptIn, PromptOut, Trigger

__all__ = [
    "DEFAULT_THRESHOLDS",
    "MAX_PROMPTS",
    "PROMPTS",
    "THRESHOLD_RANGES",
    "CompiledPrompt",
    "compiled_prompts",
    "create_prompt",
    "delete_prompt",
    "get_prompt",
    "list_prompts",
    "prompt_problems",
    "replace_prompt",
]

#: The revision counter every change of prompts bumps.
PROMPTS = "prompts"
MAX_PROMPTS = 200

#: Each trigger's threshold: its unit's range, and the value a prompt gets when none is given.
THRESHOLD_RANGES: dict[Trigger, tuple[int, int]] = {
    "cart_exit": (1, 40), "dwell": (5, 3600), "scroll": (10, 100),
    "return_after_search": (1, 365)}
DEFAULT_THRESHOLDS: dict[Trigger, int] = {
    "cart_exit": 1, "dwell": 30, "scroll": 75, "return_after_search": 30}


def prompt_problems(session: Session, body: PromptBody) -> list[FieldError]:
    """What is wrong with a prompt beyond each field's own shape, with paths from the body's
    root; empty when it can be saved.

    >>> # prompt_problems(session, PromptBody(name="x", trigger="dwell", threshold=2,
    >>> #                                     slot="nope"))[0].loc -> ('threshold',)
    """
    errors: list[FieldError] = []
    if body.threshold is not None:
        low, high = THRESHOLD_RANGES[body.trigger]
        if not low <= body.threshold <= high:
            errors.append(FieldError(("threshold",), f"for {body.trigger} a number from {low} "
                                                     f"to {high}"))
    if session.scalars(select(ContentSlot.id).where(ContentSlot.key == body.slot)).first() \
            is None:
        errors.append(FieldError(("slot",), f"the shop has no content slot {body.slot!r}"))
    return errors


def _valid(session: Session, body: PromptBody) -> None:
    errors = prompt_problems(session, body)
    if errors:
        raise InvalidInput(f"{len(errors)} problem(s) with the prompt", errors)


def _out(row: Prompt) -> PromptOut:
    trigger: Trigger = row.trigger  # type: ignore[assignment]  # the check constraint's
    return PromptOut(id=row.id, key=row.key, name=row.name, trigger=trigger,
                     threshold=row.threshold, slot=row.slot_key, priority=row.priority,
                     enabled=row.enabled, created_at=row.created_at, updated_at=row.updated_at)


def _row(session: Session, key: str) -> Prompt:
    row = session.scalars(select(Prompt).where(Prompt.key == key)).first()
    if row is None:
        raise NotFound(f"no prompt {key!r}")
    return row


def list_prompts(session: Session) -> list[PromptOut]:
    """Every prompt, by key.

    >>> # [p.key for p in list_prompts(session)] -> ['cart-exit', 'dwell-help']
    """
    return [_out(row) for row in session.scalars(select(Prompt).order_by(Prompt.key))]


def get_prompt(session: Session, key: str) -> PromptOut:
    """One prompt (``NotFound`` when there is none)."""
    return _out(_row(session, key))


def _apply(row: Prompt, body: PromptBody) -> None:
    row.name, row.trigger, row.slot_key = body.name, body.trigger, body.slot
    row.threshold = (body.threshold if body.threshold is not None
                     else DEFAULT_THRESHOLDS[body.trigger])
    row.priority, row.enabled = body.priority, body.enabled
    row.updated_at = utcnow()


def create_prompt(session: Session, prompt: PromptIn) -> PromptOut:
    """Store a new prompt (``Conflict`` when the key is taken).

    >>> # create_prompt(session, PromptIn(key="cart-exit", name="Leaving", trigger="cart_exit",
    >>> #                                 slot="cart-exit")).threshold -> 1
    """
    _valid(session, prompt)
    if session.scalars(select(Prompt.id).where(Prompt.key == prompt.key)).first():
        raise Conflict(f"a prompt {prompt.key!r} exists already",
                       [FieldError(("key",), "is taken")])
    if len(session.scalars(select(Prompt.id)).all()) >= MAX_PROMPTS:
        raise InvalidInput(f"a shop keeps at most {MAX_PROMPTS} prompts", [])
    row = Prompt(key=prompt.key, created_at=utcnow())
    _apply(row, prompt)
    session.add(row)
    bump(session, PROMPTS)
    session.flush()
    return _out(row)


def replace_prompt(session: Session, key: str, body: PromptBody) -> PromptOut:
    """Replace prompt ``key``'s definition (customers' dismissals of it stay)."""
    _valid(session, body)
    row = _row(session, key)
    _apply(row, body)
    bump(session, PROMPTS)
    session.flush()
    return _out(row)


def delete_prompt(session: Session, key: str) -> None:
    """Delete prompt ``key`` (``NotFound`` when there is none); the log of prompts shown keeps
    its rows, which name it by key and are the customers' history."""
    session.delete(_row(session, key))
    bump(session, PROMPTS)
    session.flush()


# --------------------------------------------------------------------------- request path


@dataclass(frozen=True)
class CompiledPrompt:
    key: str
    trigger: Trigger
    threshold: int
    slot: str
    priority: int


_lock = threading.Lock()
# Per database, held weakly (see prefero.content.slots): revision → enabled prompts in order.
_kept: weakref.WeakKeyDictionary[Engine, tuple[int, tuple[CompiledPrompt, ...]]] = (
    weakref.WeakKeyDictionary())


def compiled_prompts(session: Session) -> tuple[CompiledPrompt, ...]:
    """The enabled prompts as the request path uses them, by priority then key: the table is
    read again only after a change of the revision counter.

    >>> # [p.trigger for p in compiled_prompts(session)] -> ['cart_exit', 'dwell']
    """
    revision = current(session, PROMPTS)
    bind: Any = session.get_bind()
    engine: Engine = bind if isinstance(bind, Engine) else bind.engine
    with _lock:
        kept = _kept.get(engine)
    if kept is not None and kept[0] == revision:
        return kept[1]
    compiled = tuple(
        CompiledPrompt(key=row.key, trigger=row.trigger,  # type: ignore[arg-type]
                       threshold=row.threshold, slot=row.slot_key, priority=row.priority)
        for row in session.scalars(select(Prompt).where(Prompt.enabled.is_(True))
                                   .order_by(Prompt.priority, Prompt.key)))
    with _lock:
        _kept[engine] = (revision, compiled)
    return compiled
