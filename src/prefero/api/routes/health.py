"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from prefero.api.deps import DbSession, Rt

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(session: DbSession, runtime: Rt) -> dict[str, object]:
    session.execute(text("SELECT 1"))
    return {"status": "ok", "artefacts": runtime.recommender.artefact_version}
