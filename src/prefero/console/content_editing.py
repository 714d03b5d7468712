"""The content slot changes a slot editor makes beyond ``prefero.content.slots``' own
operations: the slot's settings saved apart from its variants, and a variant moved one
place up or down. Both rewrite the slot through ``slots.replace_slot``, so they are checked
(``slot_problems``) and take effect from the next request exactly as an API write does.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy.orm import Session

from prefero.catalog.facets import FacetSchema
from prefero.content.schemas import SlotBody, SlotOut, SlotPatch, VariantIn
from prefero.content.slots import get_slot, replace_slot
from prefero.errors import NotFound

__all__ = ["body_of", "move_variant", "replace_settings"]


def body_of(slot: SlotOut) -> SlotBody:
    """The slot as a PUT would write it back unchanged.

    >>> # body_of(get_slot(session, "home-hero")).variants[0].key -> 'newsletter'
    """
    return SlotBody(name=slot.name, strategy=slot.strategy, control_share=slot.control_share,
                    enabled=slot.enabled, fallback=slot.fallback,
                    variants=[VariantIn.model_validate(v.model_dump(
                        exclude={"position", "updated_at"})) for v in slot.variants])


def replace_settings(session: Session, key: str, settings: SlotPatch, *, schema: FacetSchema
                     ) -> SlotOut:
    """Replace slot ``key``'s name, strategy, control group, fallback and switch; its
    variants stay as they are. Problems are named from the slot's root (``["fallback"]``).

    >>> # replace_settings(session, "home-hero", SlotPatch(name="Hero"), schema=schema)
    """
    body = SlotBody(**settings.model_dump(), variants=body_of(get_slot(session, key)).variants)
    return replace_slot(session, key, body, schema=schema)


def move_variant(session: Session, key: str, variant_key: str, *, offset: Literal[-1, 1],
                 schema: FacetSchema) -> SlotOut:
    """Move variant ``variant_key`` one place earlier (``-1``) or later (``1``) in the order
    ``first_match`` tries them; at either end it stays where it is.

    >>> # move_variant(session, "home-hero", "rainy", offset=-1, schema=schema)
    """
    slot = get_slot(session, key)
    body = body_of(slot)
    keys = [v.key for v in body.variants]
    if variant_key not in keys:
        raise NotFound(f"slot {key!r} has no variant {variant_key!r}")
    at = keys.index(variant_key)
    to = at + offset
    if not 0 <= to < len(keys):
        return slot
    body.variants[at], body.variants[to] = body.variants[to], body.variants[at]
    return replace_slot(session, key, body, schema=schema)
