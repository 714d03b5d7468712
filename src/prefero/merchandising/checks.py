"""What makes a merchandising rule valid beyond its shape: a facet the shop's schema knows,
values in the form the catalogue compares, fields that belong to the action, a window that
ends after it starts. Every wrong field is named, with its path from the rule's root, so that
an editor can mark each one at once."""

from __future__ import annotations

from prefero.catalog.facets import FacetSchema, parse_bool
from prefero.errors import FieldError
from prefero.merchandising.schemas import Condition, RuleIn

__all__ = ["checked"]

Path = tuple[str | int, ...]


def _value(schema: FacetSchema, facet: str, raw: str) -> str:
    """``raw`` in the form the catalogue snapshot posts it (``ValueError`` when it cannot
    be one): "true"/"false" for a yes/no facet, an "A > B" path for a category, the facet's
    normalization for the rest."""
    spec = schema.by_name[facet]
    if spec.type == "boolean":
        return "true" if parse_bool(raw) else "false"
    if spec.type == "category_path":
        return str(schema.coerce(facet, raw))
    # Not ``coerce``: a multi-valued facet would split "red/blue" into two values, where a
    # rule's list already holds one value per entry.
    return schema.compared(facet, raw)


def _condition(condition: Condition, schema: FacetSchema, at: Path
               ) -> tuple[Condition, list[FieldError]]:
    errors: list[FieldError] = []
    if condition.facet is None and not condition.product_ids:
        errors.append(FieldError(at, "names no products: give a facet and its values, or "
                                     "product_ids"))
        return condition, errors
    if condition.facet is not None and condition.product_ids:
        errors.append(FieldError(at, "give a facet and its values, or product_ids, not both"))
        return condition, errors
    if condition.facet is None:
        if condition.values:
            errors.append(FieldError((*at, "facet"), "values need the facet they belong to"))
        first: dict[str, int] = {}
        for position, product_id in enumerate(condition.product_ids):
            if product_id in first:
                errors.append(FieldError((*at, "product_ids", position),
                                         f"repeats product_ids[{first[product_id]}]"))
            first.setdefault(product_id, position)
        return condition, errors
    spec = schema.get(condition.facet)
    if spec is None:
        known = ", ".join(facet.name for facet in schema.facets if facet.type != "numeric")
        errors.append(FieldError((*at, "facet"), f"unknown facet {condition.facet!r}; the "
                                                 f"shop's facets: {known}"))
        return condition, errors
    if spec.type == "numeric":
        errors.append(FieldError((*at, "facet"), f"{condition.facet!r} is numeric: a rule "
                                                 "matches a facet's values, not a range"))
        return condition, errors
    if not condition.values:
        errors.append(FieldError((*at, "values"), "needs at least one value"))
    values: list[str] = []
    seen: dict[str, int] = {}
    for position, raw in enumerate(condition.values):
        where = (*at, "values", position)
        try:
            value = _value(schema, condition.facet, raw)
        except ValueError as exc:
            errors.append(FieldError(where, str(exc)))
            continue
        if not value:
            errors.append(FieldError(where, "is empty"))
        elif value in seen:
            errors.append(FieldError(where, f"repeats values[{seen[value]}] ({value!r})"))
        else:
            seen[value] = position
            values.append(value)
    return Condition(facet=condition.facet, values=values), errors


def checked(rule: RuleIn, *, schema: FacetSchema, prefix: Path = ()
            ) -> tuple[Condition, list[FieldError]]:
    """The rule's condition as stored (values normalized) and what is wrong with the rule:
    every field, with paths from the rule's root under ``prefix``.

    >>> from prefero.catalog.facets import load_facet_schema
    >>> rule = RuleIn(name="Acme", action="pin", condition=Condition(facet="colour",
    ...               values=["Red"]), strength=2)
    >>> [error.loc for error in checked(rule, schema=load_facet_schema())[1]]
    [('condition', 'facet'), ('strength',), ('position',)]
    """
    errors: list[FieldError] = []
    if not rule.name.strip():
        errors.append(FieldError((*prefix, "name"), "is empty"))
    condition, found = _condition(rule.condition, schema, (*prefix, "condition"))
    errors.extend(found)
    first: dict[str, int] = {}
    for position, placement in enumerate(rule.placements):
        if placement in first:
            errors.append(FieldError((*prefix, "placements", position),
                                     f"repeats placements[{first[placement]}]"))
        first.setdefault(placement, position)
    if (rule.starts_at is not None and rule.ends_at is not None
            and rule.ends_at <= rule.starts_at):
        errors.append(FieldError((*prefix, "ends_at"), "is not after starts_at: the rule "
                                                       "would never be in force"))
    if rule.strength is not None and rule.action not in ("boost", "bury"):
        errors.append(FieldError((*prefix, "strength"), "only boost and bury rules take a "
                                                        "strength"))
    if rule.action == "pin" and rule.position is None:
        errors.append(FieldError((*prefix, "position"), "a pin needs a position (its 1-based "
                                                        "slot in the row)"))
    if rule.action != "pin" and rule.position is not None:
        errors.append(FieldError((*prefix, "position"), "only pin rules take a position"))
    return condition, errors
