"""Saving a discovered cluster as a rule segment: the cluster's proposed rule (or a condition
the shop edited from it) becomes a segment of ``prefero.segments.service``, which keeps its
membership fresh from then on. A cluster itself is never stored: it is recomputed on demand.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy.orm import Session

from prefero.catalog.facets import FacetSchema
from prefero.config import Settings
from prefero.errors import Conflict, FieldError, InvalidInput
from prefero.segments.conditions import Condition, parse_condition
from prefero.segments.discovery import (
    DEFAULT_SEED,
    K_RANGE,
    MAX_SEED,
    DiscoveredCluster,
    clustering_of,
    describe,
)
from prefero.segments.service import SegmentOut, create_segment

__all__ = ["SaveDiscovered", "chosen_cluster", "save_discovered"]


class SaveDiscovered(BaseModel):
    """Which discovered segment to save, and as what: either a cluster of a run (``seed``,
    ``k``, ``cluster``) whose proposed rule is stored, or a ``condition`` (the proposed one,
    perhaps edited)."""

    model_config = ConfigDict(extra="forbid")

    key: Annotated[str, StringConstraints(max_length=200)] = Field(
        description="The new segment's key (a lowercase slug)", examples=["vegan-eco"])
    name: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        default=None, description="Left out: the cluster's name in the request's language")
    description: Annotated[str, StringConstraints(max_length=1000)] | None = Field(
        default=None, description="Left out: what sets the cluster apart")
    seed: int = Field(default=DEFAULT_SEED, ge=0, le=MAX_SEED)
    k: int | None = Field(default=None, ge=K_RANGE.start, le=K_RANGE.stop - 1,
                          description="Left out: chosen by silhouette, as the listing does")
    cluster: int | None = Field(default=None, ge=1, le=K_RANGE.stop - 1,
                                description="The cluster's number in that run (1: largest)")
    revision: Annotated[str, StringConstraints(max_length=64)] | None = Field(
        default=None, description="The listing's revision: when given and the data has "
                                  "changed since, nothing is saved (409)")
    condition: dict[str, Any] | None = Field(
        default=None, description="Instead of a cluster: the condition to store",
        examples=[{"type": "and", "conditions": [
            {"type": "declared", "kind": "like", "facet": "diet", "value": "vegan"}]}])


def chosen_cluster(session: Session, *, settings: Settings, schema: FacetSchema,
                   labels: Mapping[tuple[str, str], str], language: str,
                   choice: SaveDiscovered) -> DiscoveredCluster:
    """The cluster ``choice`` names, worded in ``language``; ``InvalidInput`` (at
    ``cluster``) when the run has no such cluster or no rule describes it, ``Conflict``
    when ``revision`` is given and the data changed since."""
    if choice.cluster is None:
        raise InvalidInput("say which cluster to save",
                           [FieldError(("cluster",), "required unless a condition is given")])
    clustering = clustering_of(session, settings=settings, seed=choice.seed, k=choice.k)
    if choice.revision is not None and choice.revision != clustering.population.revision:
        raise Conflict("customers' declared data or consents changed since that listing: "
                       "list the discovered segments again and choose anew")
    found = describe(clustering, schema=schema, labels=labels, language=language,
                     currency=settings.shop_currency)
    if not 1 <= choice.cluster <= len(found.clusters):
        raise InvalidInput(f"this run has {len(found.clusters)} clusters",
                           [FieldError(("cluster",), f"must be between 1 and "
                                                     f"{len(found.clusters)}")])
    picked = found.clusters[choice.cluster - 1]
    if picked.rule is None:
        raise InvalidInput("no declared value sets this cluster apart, so no rule describes "
                           "it", [FieldError(("cluster",), "has no rule to save")])
    return picked


def _condition(session: Session, *, settings: Settings, schema: FacetSchema,
               labels: Mapping[tuple[str, str], str], language: str, choice: SaveDiscovered
               ) -> tuple[Condition, str, str | None]:
    """The condition to store, with the name and description it defaults to."""
    if choice.condition is not None:
        if choice.cluster is not None:
            raise InvalidInput("give a cluster or a condition, not both",
                               [FieldError(("condition",), "leave out with a cluster")])
        if choice.name is None:
            raise InvalidInput("a segment saved from a condition needs a name",
                               [FieldError(("name",), "required with a condition")])
        return parse_condition(choice.condition, at=("condition",)), choice.name, None
    picked = chosen_cluster(session, settings=settings, schema=schema, labels=labels,
                            language=language, choice=choice)
    assert picked.rule is not None  # chosen_cluster refuses a cluster without one
    return (parse_condition(picked.rule.condition, at=("condition",)), picked.name,
            "; ".join(picked.sets_apart) or None)


def save_discovered(session: Session, *, settings: Settings, schema: FacetSchema,
                    labels: Mapping[tuple[str, str], str], language: str,
                    choice: SaveDiscovered, actor: str | None, client: str | None = None
                    ) -> SegmentOut:
    """Create the rule segment ``choice`` describes; the segments service records it in the
    audit log (``segment.create`` by ``actor`` from ``client``) and stores its members.

    >>> save_discovered(session, settings=settings, schema=schema, labels={}, language="en",
    ...                 choice=SaveDiscovered(key="vegan-eco", cluster=1),
    ...                 actor="key:ab12cd34").key  # doctest: +SKIP
    'vegan-eco'
    """
    condition, name, description = _condition(
        session, settings=settings, schema=schema, labels=labels, language=language,
        choice=choice)
    return create_segment(session, key=choice.key, name=choice.name or name,
                          condition=condition, description=choice.description or description,
                          actor=actor, client=client, settings=settings)
