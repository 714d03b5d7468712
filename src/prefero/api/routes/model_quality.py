"""The quality report of the trained models over HTTP (``prefero.recommend.quality``): what
`prefero train` measured, which models it serves and with what weights.

Thin on purpose: ``prefero.recommend.quality_reads`` finds the report.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from prefero.api.deps import DbSession, Rt, require
from prefero.api.params import NO_CONTROL_CHARACTERS
from prefero.api.problems import problem_responses
from prefero.recommend.quality import ModelQuality
from prefero.recommend.quality_reads import current_quality, version_quality

__all__ = ["router"]

# A read key: figures about the shop's models, nobody's data, as a reporting tool reads them.
router = APIRouter(tags=["models"], dependencies=[Depends(require("read"))],
                   responses=problem_responses(404))


@router.get("/v1/admin/models/quality", response_model=ModelQuality,
            summary="Quality report of the models served now")
def get_current_quality(session: DbSession, runtime: Rt) -> ModelQuality:
    """What `prefero train` measured for the artefact version served now: each candidate
    model's validation HR@10 and NDCG@10 on the shop's own customers, its fitting and
    scoring time, the weight it is served with (or why it is not served), the served
    combination against its latency budget, the form model's calibration on real forms,
    and the data and time training took. 404 when nothing was trained yet or the version
    was trained before reports existed."""
    return current_quality(session, settings=runtime.settings)


@router.get("/v1/admin/models/quality/{version}", response_model=ModelQuality,
            summary="Quality report of one kept artefact version")
def get_version_quality(
    session: DbSession, runtime: Rt,
    version: Annotated[str, Path(max_length=40, pattern=NO_CONTROL_CHARACTERS, description=(
        "An artefact version still kept (the newest few), as `prefero train` names it"))],
) -> ModelQuality:
    """The report of an earlier (or the current) artefact version; 404 for a version no
    longer kept or never trained, and for one trained before reports existed."""
    return version_quality(session, settings=runtime.settings, version=version)
