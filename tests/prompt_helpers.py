"""On-site prompts for tests: a shop with one content slot and one prompt per trigger (and a
second, lower-priority cart prompt), built through the services."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from content_helpers import slot_body, variant_body
from prefero.content.schemas import SlotIn
from prefero.content.slots import create_slot
from prefero.prompts.definitions import create_prompt
from prefero.prompts.schemas import PromptIn
from prefero.runtime import Runtime

#: key → (trigger, threshold, slot, priority), in the order decide tries them per trigger.
PROMPTS: dict[str, tuple[str, int, str, int]] = {
    "exit": ("cart_exit", 1, "p-exit", 0),
    "exit-big": ("cart_exit", 3, "p-exit", 5),
    "dwell": ("dwell", 20, "p-dwell", 0),
    "scroll": ("scroll", 60, "p-scroll", 0),
    "search": ("return_after_search", 30, "p-search", 0),
}


def prompt_body(key: str, trigger: str, *, slot: str, **fields: Any) -> dict[str, Any]:
    return {"key": key, "name": f"Prompt {key}", "trigger": trigger, "slot": slot, **fields}


def add_slot(session: Session, runtime: Runtime, key: str, *variants: dict[str, Any]) -> None:
    body = slot_body(key, *(variants or (variant_body("everyone"),)), fallback="everyone")
    create_slot(session, SlotIn.model_validate(body), schema=runtime.facet_schema)


def prompt_shop(runtime: Runtime) -> None:
    """Every prompt of ``PROMPTS`` with a slot for everyone ("welcome back" for returning
    visitors on the cart slot)."""
    with runtime.session(write=True) as session:
        add_slot(session, runtime, "p-exit",
                 variant_body("back", targeting={"visitor": "returning"}),
                 variant_body("everyone"))
        for slot in ("p-dwell", "p-scroll", "p-search"):
            add_slot(session, runtime, slot)
        for key, (trigger, threshold, slot, priority) in PROMPTS.items():
            create_prompt(session, PromptIn.model_validate(prompt_body(
                key, trigger, slot=slot, threshold=threshold, priority=priority)))
