"""``prefero serve``: run the API with uvicorn (several worker processes when asked)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from sqlalchemy.exc import SQLAlchemyError

from prefero.catalog.repricing import foreign_priced
from prefero.cli.common import prepare_database
from prefero.config import Settings, get_settings
from prefero.db.session import create_db_engine, make_session_factory, session_scope
from prefero.errors import UnsafeConfiguration

__all__ = ["register", "run_server"]


def run_server(*, host: str, port: int, workers: int = 1, data_dir: Path | None = None) -> None:
    """Serve ``prefero.api.asgi:app``. Settings travel to worker processes via the environment."""
    if data_dir is not None:
        os.environ["PREFERO_DATA_DIR"] = str(data_dir)
    get_settings.cache_clear()
    settings = get_settings()
    # Checked here too (create_app checks in every worker): refusing before the database is
    # prepared and the workers are forked gives one clear message instead of one per worker.
    settings.refuse_unsafe()
    prepare_database(settings)
    _warn_foreign_prices(settings)
    uvicorn.run(
        "prefero.api.asgi:app",
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
        # uvicorn would believe X-Forwarded-For from 127.0.0.1; PREFERO_TRUSTED_PROXIES
        # decides instead (prefero.api.proxies).
        proxy_headers=False,
    )


def _warn_foreign_prices(settings: Settings) -> None:
    """Products stored in another currency than the shop's (from before the shop set it)
    would be added to and compared with amounts in the shop's: say so, and what fixes it."""
    engine = create_db_engine(settings.effective_database_url, pool_size=1)
    try:
        with session_scope(make_session_factory(engine)) as session:
            found = foreign_priced(session, shop=settings.shop_currency)
    except SQLAlchemyError:
        return  # a database not ready yet: /readyz says so once the server runs
    finally:
        engine.dispose()
    if found:
        listed = ", ".join(f"{count} in {currency}" for currency, count in found.items())
        typer.echo(f"Warning: products priced in another currency than the shop's "
                   f"{settings.shop_currency} ({listed}); run `prefero reprice` to convert "
                   f"them with PREFERO_CURRENCY_RATES.", err=True)


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    data_dir: Annotated[Path | None, typer.Option(help="Overrides PREFERO_DATA_DIR.")] = None,
) -> None:
    """Serve the REST API (OpenAPI docs at /docs).

    Production mode (the default) refuses to start while a key or secret has its built-in
    value; `prefero demo` (PREFERO_MODE=demo) is the way to try Prefero locally."""
    try:
        run_server(host=host, port=port, workers=workers, data_dir=data_dir)
    except UnsafeConfiguration as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(code=2) from None


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
