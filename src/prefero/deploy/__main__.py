"""``python -m prefero.deploy up|down`` (what ``deploy/up`` and ``deploy/down`` run)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from prefero.deploy.envfile import merged_environment, read_env_file
from prefero.deploy.launch import Plan, down, up

__all__ = ["app"]

app = typer.Typer(help="Prefero's API processes behind nginx on this host.",
                  no_args_is_help=True, add_completion=False)

RunDir = Annotated[Path, typer.Option(
    envvar="PREFERO_DEPLOY_RUN_DIR",
    help="Run folder: generated nginx.conf, pids, logs, nginx's temporary files.")]


@app.command("up")
def up_command(
    run_dir: RunDir = Path("var/deploy"),
    processes: Annotated[int, typer.Option(min=1, max=64,
                                           help="API processes (one core each).")] = 4,
    port: Annotated[int, typer.Option(help="nginx's port.")] = 8080,
    host: Annotated[str, typer.Option(help="nginx's address.")] = "127.0.0.1",
    first_api_port: Annotated[int, typer.Option(
        help="Port of the first API process; the others take the ports after it.")] = 8101,
    env_file: Annotated[Path | None, typer.Option(
        envvar="PREFERO_ENV_FILE", exists=True, dir_okay=False,
        help="NAME=value lines (keys, secrets, URLs); the environment wins over it.")] = None,
    nginx: Annotated[str | None, typer.Option(help="The nginx binary.")] = None,
    access_log: Annotated[bool, typer.Option(
        help="Log each request, with the API process that answered, to logs/access.log."
    )] = True,
    migrate: Annotated[bool, typer.Option(
        help="Migrate the database first (leave it to one host when several start).")] = True,
) -> None:
    """Check, migrate, start the API processes and nginx, and return once all answer."""
    environ = dict(os.environ)
    if env_file is not None:
        environ = merged_environment(environ, read_env_file(env_file))
    plan = Plan(run_dir=run_dir, processes=processes, listen_host=host, listen_port=port,
                first_api_port=first_api_port, nginx=nginx, access_log=access_log,
                migrate=migrate)
    try:
        up(plan, environ, say=typer.echo)
    except (RuntimeError, FileNotFoundError, ValueError) as exc:
        typer.echo(f"deploy/up: {exc}", err=True)
        raise typer.Exit(code=2) from None


@app.command("down")
def down_command(run_dir: RunDir = Path("var/deploy")) -> None:
    """Stop nginx, then the API processes started from RUN_DIR."""
    down(run_dir, say=typer.echo)


if __name__ == "__main__":
    app()
