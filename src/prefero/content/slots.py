"""The shop's content slots and their variants: created, listed, replaced and deleted,
checked as they are written (every problem named with its path, nothing changed), and read
by the request path from a per-process copy that a revision counter keeps fresh.

Everything a slot editor needs is here: whole slots (``create_slot``, ``replace_slot``),
variants one by one (``add_variant``, ``replace_variant``, ``delete_variant``), and the
checks (``slot_problems``) on their own, for an editor that shows them before saving.
"""

from __future__ import annotations

import secrets
import threading
import weakref
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from prefero.catalog.facets import FacetSchema
from prefero.catalog.revisions import bump, current
from prefero.content.models import ContentSlot, ContentVariant
from prefero.content.schemas import (
    MAX_VARIANTS,
    SlotBody,
    SlotIn,
    SlotOut,
    Texts,
    VariantIn,
    VariantOut,
)
from prefero.content.targeting import Targeting
from prefero.db.base import utcnow
from prefero.errors import Conflict, FieldError, InvalidInput, NotFound

__all__ = [
    "CONTENT",
    "MAX_SLOTS",
    "RESERVED_KEYS",
    "CompiledSlot",
    "CompiledVariant",
    "add_variant",
    "compiled_slots",
    "create_slot",
    "delete_slot",
    "delete_variant",
    "get_slot",
    "list_slots",
    "replace_slot",
    "replace_variant",
    "slot_problems",
]

#: The revision counter every change of slots or variants bumps.
CONTENT = "content_slots"
MAX_SLOTS = 500
#: Keys a slot cannot have: the API's own paths under /v1/content/.
RESERVED_KEYS = frozenset({"slots"})

Loc = tuple[str | int, ...]


# --------------------------------------------------------------------------- checks


def slot_problems(body: SlotBody, *, schema: FacetSchema) -> list[FieldError]:
    """What is wrong with a slot's definition beyond each field's own shape, with paths
    from the body's root (``["variants", 1, "key"]``); empty when it can be saved.

    >>> # slot_problems(SlotBody(name="Hero", fallback="nope"), schema=schema)[0].loc
    >>> # ('fallback',)
    """
    errors: list[FieldError] = []
    first_at: dict[str, int] = {}
    for at, variant in enumerate(body.variants):
        if variant.key in first_at:
            errors.append(FieldError(("variants", at, "key"),
                                     f"repeats variants[{first_at[variant.key]}] "
                                     f"({variant.key!r})"))
        else:
            first_at[variant.key] = at
        for j, declared in enumerate(variant.targeting.declared):
            if schema.get(declared.facet) is None:
                errors.append(FieldError(("variants", at, "targeting", "declared", j, "facet"),
                                         f"the shop has no facet {declared.facet!r}"))
        hours = variant.targeting.hours
        if hours is not None and hours.start == hours.end % 24:
            errors.append(FieldError(("variants", at, "targeting", "hours"),
                                     "start and end are the same hour: the range is empty "
                                     "(leave hours out for the whole day)"))
    if body.fallback is not None and body.fallback not in first_at:
        errors.append(FieldError(("fallback",), f"no variant of this slot has the key "
                                                f"{body.fallback!r}"))
    if body.strategy != "split":
        if body.control_share:
            errors.append(FieldError(("control_share",), "only a split has a control group; "
                                     "set it to 0 or choose the split strategy"))
    elif body.variants:
        if not any(v.share > 0 for v in body.variants):
            errors.append(FieldError(("variants",), "a split needs at least one variant "
                                     "with a share above 0"))
        if body.control_share and body.fallback is None:
            errors.append(FieldError(("fallback",), "the control group sees the fallback: "
                                     "name one (or set control_share to 0)"))
    return errors


def _valid(body: SlotBody, *, schema: FacetSchema) -> None:
    errors = slot_problems(body, schema=schema)
    if errors:
        raise InvalidInput(f"{len(errors)} problem(s) with the content slot", errors)


# --------------------------------------------------------------------------- reading


def _variant_out(row: ContentVariant) -> VariantOut:
    return VariantOut(key=row.key, position=row.position, texts=row.texts,
                      targeting=Targeting.model_validate(row.targeting), weight=row.weight,
                      share=row.share, updated_at=row.updated_at)


def _slot_out(row: ContentSlot, variants: list[ContentVariant]) -> SlotOut:
    return SlotOut(id=row.id, key=row.key, name=row.name,
                   strategy=row.strategy,
                   control_share=row.control_share, enabled=row.enabled,
                   fallback=row.fallback, created_at=row.created_at,
                   updated_at=row.updated_at,
                   variants=[_variant_out(v) for v in variants])


def _variants(session: Session, slot_id: int) -> list[ContentVariant]:
    return list(session.scalars(select(ContentVariant).where(ContentVariant.slot_id == slot_id)
                                .order_by(ContentVariant.position, ContentVariant.id)))


def _row(session: Session, key: str) -> ContentSlot:
    row = session.scalars(select(ContentSlot).where(ContentSlot.key == key)).first()
    if row is None:
        raise NotFound(f"no content slot {key!r}")
    return row


def list_slots(session: Session) -> list[SlotOut]:
    """Every slot with its variants, by key.

    >>> # [s.key for s in list_slots(session)] -> ['home-hero', 'welcome']
    """
    slots = list(session.scalars(select(ContentSlot).order_by(ContentSlot.key)))
    variants: dict[int, list[ContentVariant]] = {slot.id: [] for slot in slots}
    for variant in session.scalars(select(ContentVariant).order_by(
            ContentVariant.slot_id, ContentVariant.position, ContentVariant.id)):
        variants.setdefault(variant.slot_id, []).append(variant)
    return [_slot_out(slot, variants[slot.id]) for slot in slots]


def get_slot(session: Session, key: str) -> SlotOut:
    """One slot (``NotFound`` when there is none).

    >>> # get_slot(session, "home-hero").strategy -> 'first_match'
    """
    row = _row(session, key)
    return _slot_out(row, _variants(session, row.id))


# --------------------------------------------------------------------------- writing


def _write_variants(session: Session, slot: ContentSlot, variants: list[VariantIn]) -> None:
    session.execute(delete(ContentVariant).where(ContentVariant.slot_id == slot.id))
    session.flush()
    now = utcnow()
    for position, variant in enumerate(variants):
        session.add(ContentVariant(
            slot_id=slot.id, key=variant.key, position=position,
            texts={language: texts.model_dump(mode="json")
                   for language, texts in variant.texts.items()},
            targeting=variant.targeting.model_dump(mode="json", exclude_defaults=True),
            weight=variant.weight, share=variant.share, created_at=now, updated_at=now))


def _apply(row: ContentSlot, body: SlotBody) -> None:
    row.name, row.strategy, row.control_share = body.name, body.strategy, body.control_share
    row.enabled, row.fallback = body.enabled, body.fallback
    row.updated_at = utcnow()


def create_slot(session: Session, slot: SlotIn, *, schema: FacetSchema) -> SlotOut:
    """Store a new slot with its variants (``Conflict`` when the key is taken); its salt is
    made here, at random, and never changes.

    >>> # create_slot(session, SlotIn(key="home-hero", name="Home hero"), schema=schema)
    """
    _valid(slot, schema=schema)
    if slot.key in RESERVED_KEYS:
        raise InvalidInput("the key is reserved", [FieldError(
            ("key",), f"{slot.key!r} is a path of the API (/v1/content/{slot.key}); "
                      "choose another key")])
    if session.scalars(select(ContentSlot.id).where(ContentSlot.key == slot.key)).first():
        raise Conflict(f"a content slot {slot.key!r} exists already",
                       [FieldError(("key",), "is taken")])
    if len(session.scalars(select(ContentSlot.id)).all()) >= MAX_SLOTS:
        raise InvalidInput(f"a shop keeps at most {MAX_SLOTS} content slots", [])
    now = utcnow()
    row = ContentSlot(key=slot.key, salt=secrets.token_hex(16), created_at=now,
                      name=slot.name)
    _apply(row, slot)
    session.add(row)
    session.flush()
    _write_variants(session, row, slot.variants)
    bump(session, CONTENT)
    session.flush()
    return get_slot(session, slot.key)


def replace_slot(session: Session, key: str, body: SlotBody, *, schema: FacetSchema
                 ) -> SlotOut:
    """Replace the definition of slot ``key``, variants included (its salt stays, so a
    visitor keeps their place in a split).

    >>> # replace_slot(session, "home-hero", SlotBody(name="Hero"), schema=schema)
    """
    _valid(body, schema=schema)
    row = _row(session, key)
    _apply(row, body)
    _write_variants(session, row, body.variants)
    bump(session, CONTENT)
    session.flush()
    return get_slot(session, key)


def delete_slot(session: Session, key: str) -> None:
    """Delete slot ``key`` and its variants (``NotFound`` when there is none). The exposure
    log keeps its rows: they name the slot by key and are history."""
    session.delete(_row(session, key))
    bump(session, CONTENT)
    session.flush()


def _body_of(slot: SlotOut) -> SlotBody:
    return SlotBody(name=slot.name, strategy=slot.strategy, control_share=slot.control_share,
                    enabled=slot.enabled, fallback=slot.fallback,
                    variants=[VariantIn.model_validate(v.model_dump(
                        exclude={"position", "updated_at"})) for v in slot.variants])


def _change(session: Session, key: str, body: SlotBody, *, schema: FacetSchema,
            variant_at: int | None) -> SlotOut:
    """Save a slot changed by one variant's edit: problems inside that variant point into
    the variant's own body; others (the fallback gone, no share left) are a ``Conflict``."""
    errors = slot_problems(body, schema=schema)
    own = [FieldError(e.loc[2:], e.msg) for e in errors
           if variant_at is not None and e.loc[:2] == ("variants", variant_at)]
    if own:
        raise InvalidInput(f"{len(own)} problem(s) with the variant", own)
    if errors:
        raise Conflict("the slot would not be valid: " + "; ".join(
            f"{'.'.join(str(part) for part in e.loc)}: {e.msg}" for e in errors), errors)
    return replace_slot(session, key, body, schema=schema)


def add_variant(session: Session, key: str, variant: VariantIn, *, schema: FacetSchema,
                position: int | None = None) -> SlotOut:
    """Add a variant to slot ``key``, last or at ``position`` (0 = first).

    >>> # add_variant(session, "home-hero", VariantIn(key="rainy", texts={...}), schema=schema)
    """
    body = _body_of(get_slot(session, key))
    if any(v.key == variant.key for v in body.variants):
        raise Conflict(f"slot {key!r} has a variant {variant.key!r} already",
                       [FieldError(("key",), "is taken in this slot")])
    if len(body.variants) >= MAX_VARIANTS:
        raise InvalidInput(f"a slot has at most {MAX_VARIANTS} variants", [])
    at = len(body.variants) if position is None else min(position, len(body.variants))
    body.variants.insert(at, variant)
    return _change(session, key, body, schema=schema, variant_at=at)


def replace_variant(session: Session, key: str, variant_key: str, variant: VariantIn, *,
                    schema: FacetSchema) -> SlotOut:
    """Replace variant ``variant_key`` of slot ``key`` (its key cannot change)."""
    body = _body_of(get_slot(session, key))
    at = _variant_index(body, key, variant_key)
    if variant.key != variant_key:
        raise InvalidInput("a variant's key cannot change", [FieldError(
            ("key",), f"must be {variant_key!r}, the variant's key; add a new variant "
                      "and delete this one to rename it")])
    body.variants[at] = variant
    return _change(session, key, body, schema=schema, variant_at=at)


def delete_variant(session: Session, key: str, variant_key: str, *, schema: FacetSchema
                   ) -> SlotOut:
    """Delete variant ``variant_key`` of slot ``key``: a ``Conflict`` when the slot relies
    on it (its fallback, a split's only share)."""
    body = _body_of(get_slot(session, key))
    del body.variants[_variant_index(body, key, variant_key)]
    return _change(session, key, body, schema=schema, variant_at=None)


def _variant_index(body: SlotBody, key: str, variant_key: str) -> int:
    for at, variant in enumerate(body.variants):
        if variant.key == variant_key:
            return at
    raise NotFound(f"slot {key!r} has no variant {variant_key!r}")


# --------------------------------------------------------------------------- request path


@dataclass(frozen=True)
class CompiledVariant:
    key: str
    texts: dict[str, Texts]
    targeting: Targeting
    weight: float
    share: float


@dataclass(frozen=True)
class CompiledSlot:
    key: str
    strategy: str
    salt: str
    control_share: float
    enabled: bool
    variants: tuple[CompiledVariant, ...]
    fallback: CompiledVariant | None


def _compile(slot: ContentSlot, variants: list[ContentVariant]) -> CompiledSlot:
    compiled = tuple(CompiledVariant(
        key=v.key, texts={lang: Texts.model_validate(t) for lang, t in v.texts.items()},
        targeting=Targeting.model_validate(v.targeting), weight=v.weight, share=v.share)
        for v in variants)
    fallback = next((v for v in compiled if v.key == slot.fallback), None)
    return CompiledSlot(key=slot.key, strategy=slot.strategy, salt=slot.salt,
                        control_share=slot.control_share, enabled=slot.enabled,
                        variants=compiled, fallback=fallback)


_lock = threading.Lock()
# Per database, held weakly (see prefero.search.synonyms): revision → every slot compiled.
_kept: weakref.WeakKeyDictionary[Engine, tuple[int, dict[str, CompiledSlot]]] = (
    weakref.WeakKeyDictionary())


def compiled_slots(session: Session, *, revision: int | None = None
                   ) -> dict[str, CompiledSlot]:
    """Every slot as the request path uses it: the slots themselves only after a change of
    the revision counter. ``revision``: the counter when the caller has read it already
    (``prefero.content.service`` reads it with the experiments', in one read), else one
    read here.

    >>> # compiled_slots(session)["home-hero"].strategy -> 'first_match'
    """
    if revision is None:
        revision = current(session, CONTENT)
    bind: Any = session.get_bind()
    engine: Engine = bind if isinstance(bind, Engine) else bind.engine
    with _lock:
        kept = _kept.get(engine)
    if kept is not None and kept[0] == revision:
        return kept[1]
    slots = list(session.scalars(select(ContentSlot)))
    by_slot: dict[int, list[ContentVariant]] = {slot.id: [] for slot in slots}
    for variant in session.scalars(select(ContentVariant).order_by(
            ContentVariant.slot_id, ContentVariant.position, ContentVariant.id)):
        by_slot.setdefault(variant.slot_id, []).append(variant)
    compiled = {slot.key: _compile(slot, by_slot[slot.id]) for slot in slots}
    with _lock:
        _kept[engine] = (revision, compiled)
    return compiled
