"""Merchandising rules for tests: a stored-looking ``Rule`` in one call, and rules compiled
over an index."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from prefero.merchandising.compiled import CompiledRules, compile_rules
from prefero.merchandising.schemas import ALL_PLACEMENTS, Condition, Rule
from prefero.merchandising.service import ShopRules
from prefero.recommend.catalog_index import CatalogIndex

CREATED = datetime(2026, 1, 1, tzinfo=UTC)


def rule(rule_id: int, action: str, *, facet: str | None = None,
         values: Sequence[str] = (), products: Sequence[str] = (),
         placements: Sequence[str] = ALL_PLACEMENTS, **fields: Any) -> Rule:
    """A rule as the service stores it (boost and bury get strength 1 unless given)."""
    strength = fields.pop("strength", 1.0 if action in ("boost", "bury") else None)
    return Rule.model_validate({
        "id": rule_id, "name": f"rule {rule_id}", "action": action,
        "condition": Condition(facet=facet, values=list(values), product_ids=list(products)),
        "placements": tuple(placements), "starts_at": None, "ends_at": None,
        "strength": strength, "position": None, "enabled": True, "priority": 0,
        "created_at": CREATED, "updated_at": CREATED, **fields})


def compiled(index: CatalogIndex, rules: Sequence[Rule], revision: int = 1) -> CompiledRules:
    return compile_rules(index, ShopRules(revision=revision, rules=tuple(rules)))
