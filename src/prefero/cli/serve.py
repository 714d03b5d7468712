"""``prefero serve``: run the API with uvicorn (several worker processes when asked)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from prefero.cli.common import prepare_database
from prefero.config import get_settings

__all__ = ["register", "run_server"]


def run_server(*, host: str, port: int, workers: int = 1, data_dir: Path | None = None) -> None:
    """Serve ``prefero.api.asgi:app``. Settings travel to worker processes via the environment."""
    if data_dir is not None:
        os.environ["PREFERO_DATA_DIR"] = str(data_dir)
    get_settings.cache_clear()
    prepare_database(get_settings())
    uvicorn.run(
        "prefero.api.asgi:app",
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    data_dir: Annotated[Path | None, typer.Option(help="Overrides PREFERO_DATA_DIR.")] = None,
) -> None:
    """Serve the REST API (OpenAPI docs at /docs)."""
    run_server(host=host, port=port, workers=workers, data_dir=data_dir)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
