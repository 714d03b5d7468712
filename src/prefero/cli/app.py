"""Entry point: ``prefero COMMAND``. Each command group lives in its own module."""

from __future__ import annotations

import typer

from prefero.cli import (
    bench,
    catalog,
    db,
    demo,
    discovery,
    evaluate,
    experiments,
    maintain,
    merchandising,
    messages,
    quiz,
    segments,
    serve,
    staff,
    train,
)

__all__ = ["app", "main"]

app = typer.Typer(
    name="prefero",
    help="Prefero: personalization in which the customer holds the helm.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
for module in (db, serve, train, maintain, catalog, demo, bench, quiz, evaluate, discovery,
               merchandising, staff, segments, messages, experiments):
    module.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
