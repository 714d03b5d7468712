"""Liveness and readiness."""

from __future__ import annotations

import anyio
from fastapi import APIRouter
from sqlalchemy.exc import SQLAlchemyError

from prefero.api.deps import Rt
from prefero.api.problems import problem_responses
from prefero.errors import NotReady
from prefero.runtime import Runtime

__all__ = ["READY_TIMEOUT_SECONDS", "liveness", "router"]

router = APIRouter(tags=["health"])

# A readiness probe answers within this even when the database hangs or every thread is busy.
READY_TIMEOUT_SECONDS = 1.0


def liveness(runtime: Runtime) -> dict[str, object]:
    """The process is up and its event loop turns: nothing here waits on anything."""
    return {"status": "ok", "artefacts": runtime.recommender.artefact_version}


@router.get("/healthz")
async def healthz(runtime: Rt) -> dict[str, object]:
    """Liveness: answered at once, under any load (no database, no thread pool). The
    overload middleware answers it before everything else; this route documents it."""
    return liveness(runtime)


def _ping(runtime: Runtime) -> None:
    with runtime.engine.connect() as connection:
        connection.exec_driver_sql("SELECT 1")


@router.get("/readyz", responses=problem_responses(503))
async def readyz(runtime: Rt) -> dict[str, object]:
    """Readiness: the database answers a query within a second; 503 problem+json if not."""
    try:
        with anyio.fail_after(READY_TIMEOUT_SECONDS):
            # abandon_on_cancel: a hung database holds a thread, never this answer.
            await anyio.to_thread.run_sync(_ping, runtime, abandon_on_cancel=True)
    except TimeoutError:
        raise NotReady(f"the database did not answer within {READY_TIMEOUT_SECONDS:g} s"
                       ) from None
    except SQLAlchemyError as exc:
        raise NotReady(f"the database cannot be reached ({type(exc).__name__})") from exc
    return {"status": "ready", "artefacts": runtime.recommender.artefact_version}
