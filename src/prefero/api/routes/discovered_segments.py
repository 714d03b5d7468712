"""Discovered segments: groups of customers who declared alike, listed with a read key and
saved as rule segments with the admin key (the segments service records the save in the
audit log)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from prefero.api.deps import DbSession, Language, Rt, WriteSession, require
from prefero.api.principal import principal_of
from prefero.api.problems import problem_responses
from prefero.errors import FieldError, InvalidInput
from prefero.segments.discovery import DEFAULT_SEED, K_RANGE, MAX_SEED, Discovery, discover
from prefero.segments.discovery_save import SaveDiscovered, save_discovered
from prefero.segments.service import SegmentOut

__all__ = ["router"]

router = APIRouter(prefix="/v1/segments/discovered", tags=["segments"])


@contextmanager
def _at(*prefix: str) -> Iterator[None]:
    """The services name fields from their own root; FastAPI's validation names them from
    "query" or "body". Prefix the former so a client sees one convention on this API."""
    try:
        yield
    except InvalidInput as exc:
        raise InvalidInput(exc.detail, [FieldError((*prefix, *e.loc), e.msg)
                                        for e in exc.errors]) from exc


@router.get("", dependencies=[Depends(require("read"))])
def list_discovered(
    session: DbSession, runtime: Rt, language: Language,
    k: Annotated[int | None, Query(ge=K_RANGE.start, le=K_RANGE.stop - 1,
                                   description="How many clusters; left out: the k with the "
                                               "best silhouette")] = None,
    seed: Annotated[int, Query(ge=0, le=MAX_SEED, description="k-means' seed: the same "
                               "seed and data give the same clusters")] = DEFAULT_SEED,
) -> Discovery:
    """Clusters of customers' declared preferences (k-means on tf-idf weighted declared
    values), each named from its most distinctive values in the request's language, with
    its size, what sets it apart, the rule segment that describes it (and its precision and
    recall) and the clustering's stability over five seeds. Only customers whose consents
    let their declared data be used take part."""
    index, _ = runtime.recommender.snapshot(session)
    with _at("query"):
        return discover(session, settings=runtime.settings, schema=runtime.facet_schema,
                        labels=index.labels, language=language, seed=seed, k=k)


@router.post("/save", status_code=status.HTTP_201_CREATED,
             responses=problem_responses(409), dependencies=[Depends(require("admin"))])
def save_discovered_segment(body: SaveDiscovered, request: Request, session: WriteSession,
                            runtime: Rt, language: Language) -> SegmentOut:
    """Save a discovered cluster as a rule segment: ``{"key": "vegan-eco", "seed": 7,
    "cluster": 1}`` stores the cluster's proposed rule (``k`` as listed, ``revision`` to
    refuse with 409 if the data changed since the listing), or ``{"key": ..., "name": ...,
    "condition": {...}}`` stores an edited condition. Answers the new segment."""
    principal = principal_of(request)
    index, _ = runtime.recommender.snapshot(session)
    with _at("body"):
        return save_discovered(session, settings=runtime.settings,
                               schema=runtime.facet_schema, labels=index.labels,
                               language=language, choice=body,
                               actor=principal.actor if principal is not None else None,
                               client=request.client.host if request.client else None)
