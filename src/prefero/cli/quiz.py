"""``prefero quiz validate FILE...`` and ``prefero quiz publish FILE...``.

Validation needs only the facet schema, not a database, so it can run in a shop's CI on the
definitions it keeps in version control; ``publish`` validates every file first and stores
nothing unless all of them are valid.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from prefero.catalog.facets import FacetSchema, load_facet_schema
from prefero.cli.common import open_runtime
from prefero.config import get_settings
from prefero.errors import FieldError, InvalidInput
from prefero.i18n.languages import LANGUAGES
from prefero.quizzes.definition import QuizDefinition
from prefero.quizzes.loader import load_definition_file, translation_report
from prefero.quizzes.publish import publish_version

__all__ = ["publish_command", "register", "validate_command"]

Files = Annotated[list[Path], typer.Argument(
    exists=True, dir_okay=False, readable=True,
    help="Quiz definitions, YAML or JSON.")]


def _where(error: FieldError) -> str:
    """``camera.yaml › questions[2] › options[0] › effects[1] › facet``: where to look."""
    parts: list[str] = []
    for part in error.loc:
        if isinstance(part, int) and parts:
            parts[-1] += f"[{part}]"
        else:
            parts.append(str(part))
    return " › ".join(parts)


def _load_all(console: Console, files: list[Path], schema: FacetSchema
              ) -> list[QuizDefinition] | None:
    """Every file's definition, or None after printing every problem of every file."""
    definitions: list[QuizDefinition] = []
    failed = False
    for path in files:
        try:
            definitions.append(load_definition_file(path, schema=schema))
        except InvalidInput as exc:
            failed = True
            console.print(f"[red]✗[/red] {escape(exc.detail)}", highlight=False)
            for error in exc.errors:
                console.print(f"    {escape(_where(error))}: {escape(error.msg)}",
                              highlight=False)
    return None if failed else definitions


def validate_command(files: Files) -> None:
    """Check quiz definitions against the format and the facet schema; exit 1 on any error.
    Texts without a translation into a language the shop serves are listed as warnings
    (shoppers of that language read them in English)."""
    console = Console()
    schema = load_facet_schema(get_settings().facet_schema)
    definitions = _load_all(console, files, schema)
    if definitions is None:
        raise typer.Exit(code=1)
    for path, definition in zip(files, definitions, strict=True):
        console.print(f"[green]✓[/green] {escape(str(path))}: {definition.id} "
                      f"({definition.kind}, {len(definition.questions)} questions)",
                      highlight=False)
        for problem in translation_report(definition, source=str(path), languages=LANGUAGES):
            console.print(f"    [yellow]![/yellow] {escape(_where(problem))}: "
                          f"{escape(problem.msg)}", highlight=False)


def publish_command(files: Files) -> None:
    """Validate, then publish each definition as its quiz's next version (unchanged content
    keeps the latest version)."""
    console = Console()
    runtime = open_runtime()
    try:
        definitions = _load_all(console, files, runtime.facet_schema)
        if definitions is None:
            console.print("[red]Nothing published.[/red]", highlight=False)
            raise typer.Exit(code=1)
        # One transaction: the files go live together or not at all.
        with runtime.session() as session:
            results = [publish_version(session, definition) for definition in definitions]
            lines = [f"{row.quiz_id}: version {row.version} "
                     f"({'published' if created else 'unchanged'})"
                     for row, created in results]
    finally:
        runtime.close()
    for line in lines:
        console.print(line, highlight=False)


def register(app: typer.Typer) -> None:
    """Adds ``prefero quiz ...`` to the main app."""
    quiz = typer.Typer(help="Quiz and guided-selling definitions.", no_args_is_help=True)
    quiz.command("validate")(validate_command)
    quiz.command("publish")(publish_command)
    app.add_typer(quiz, name="quiz")
