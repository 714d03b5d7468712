"""Content slots for tests: compiled slots built in memory (no database), and slot bodies
as the API takes them."""

from __future__ import annotations

from typing import Any

from prefero.content.schemas import Texts
from prefero.content.slots import CompiledSlot, CompiledVariant
from prefero.content.targeting import Targeting


def variant(key: str, *, targeting: dict[str, Any] | None = None, weight: float = 1.0,
            share: float = 0.0) -> CompiledVariant:
    return CompiledVariant(
        key=key, texts={"en": Texts(title=f"{key} title"),
                        "pl": Texts(title=f"{key} tytuł")},
        targeting=Targeting.model_validate(targeting or {}), weight=weight, share=share)


def slot(*variants: CompiledVariant, strategy: str = "first_match", fallback: str | None = None,
         control_share: float = 0.0, salt: str = "salt-1", key: str = "hero") -> CompiledSlot:
    return CompiledSlot(key=key, strategy=strategy, salt=salt, control_share=control_share,
                        enabled=True, variants=variants,
                        fallback=next((v for v in variants if v.key == fallback), None))


def variant_body(key: str, *, targeting: dict[str, Any] | None = None,
                 **fields: Any) -> dict[str, Any]:
    return {"key": key, "texts": {"en": {"title": f"{key} in English", "body": "Hello"},
                                  "pl": {"title": f"{key} po polsku", "body": "Cześć"}},
            "targeting": targeting or {}, **fields}


def slot_body(key: str = "home-hero", *variants: dict[str, Any], **fields: Any
              ) -> dict[str, Any]:
    return {"key": key, "name": "Home page hero", "variants": list(variants), **fields}
