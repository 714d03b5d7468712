"""``prefero discover``: segments discovered in customers' declared preferences (also GET
/v1/segments/discovered and POST /v1/segments/discovered/save)."""

from __future__ import annotations

from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from prefero.errors import Conflict, InvalidInput
from prefero.i18n.languages import LANGUAGES
from prefero.segments.discovery import DEFAULT_SEED, K_RANGE, MAX_SEED, Discovery, discover
from prefero.segments.discovery_save import SaveDiscovered, save_discovered

from .common import open_runtime

__all__ = ["discover_app", "register"]

discover_app = typer.Typer(help="Segments discovered by clustering customers' declared "
                                "preferences.", no_args_is_help=True)

Seed = Annotated[int, typer.Option(min=0, max=MAX_SEED, help="k-means' seed: the same seed "
                                   "and data give the same clusters.")]
K = Annotated[int | None, typer.Option(
    "--k", min=K_RANGE.start, max=K_RANGE.stop - 1,
    help="How many clusters; left out: the k with the best silhouette.")]
Language = Annotated[str, typer.Option(help=f"The names' language: {', '.join(LANGUAGES)}.")]


def _percent(share: float) -> str:
    return f"{share:.0%}"


def _print(found: Discovery, console: Console) -> None:
    left = found.left_out_consent + found.left_out_few_values
    console.print(f"{found.participants} of {found.customers_declared} customers with declared "
                  f"preferences took part ({found.left_out_consent} left out by consent or "
                  f"level “off”, {found.left_out_few_values} with fewer than two shared "
                  f"values; {left} in all), {found.values_used} declared values.",
                  highlight=False)
    if found.k is None or found.stability is None:
        console.print("Too few customers with declared preferences to cluster.")
        return
    how = {"silhouette": "the best silhouette of the stable k",
           "stability": "no k was stable: the most stable one",
           "request": "as asked"}[found.k_chosen_by]
    console.print(f"k = {found.k} ({how}; silhouette {found.silhouette:.3f}); stability over "
                  f"seeds {found.stability.seeds}: adjusted Rand index mean "
                  f"{found.stability.mean_ari:.3f}, min {found.stability.min_ari:.3f}.",
                  highlight=False)
    table = Table("#", "name", "size", "what sets it apart", "rule precision / recall")
    for cluster in found.clusters:
        rule = cluster.rule
        table.add_row(str(cluster.number), cluster.name,
                      f"{cluster.size} ({_percent(cluster.share)})",
                      "\n".join(cluster.sets_apart[:3]),
                      f"{_percent(rule.precision)} / {_percent(rule.recall)}" if rule else "")
    console.print(table)


@discover_app.command("segments")
def segments_command(seed: Seed = DEFAULT_SEED, k: K = None, language: Language = "en"
                     ) -> None:
    """List the discovered segments: name, size, what sets each apart, the rule that would
    save it, and the clustering's stability over five seeds."""
    console = Console()
    _check_language(console, language)
    runtime = open_runtime()
    try:
        with runtime.session() as session:
            index, _ = runtime.recommender.snapshot(session)
            found = discover(session, settings=runtime.settings, schema=runtime.facet_schema,
                             labels=index.labels, language=language, seed=seed, k=k)
    except InvalidInput as exc:
        _refused(console, exc)
    finally:
        runtime.close()
    _print(found, console)


@discover_app.command("save")
def save_command(
    cluster: Annotated[int, typer.Argument(min=1, help="The cluster's number in the listing.")],
    key: Annotated[str, typer.Option(help="The new segment's key (a lowercase slug).")],
    name: Annotated[str | None, typer.Option(help="Left out: the cluster's name.")] = None,
    seed: Seed = DEFAULT_SEED, k: K = None, language: Language = "en",
) -> None:
    """Save one discovered cluster as a rule segment (recorded in the audit log)."""
    console = Console()
    _check_language(console, language)
    runtime = open_runtime()
    try:
        with runtime.session(write=True) as session:
            index, _ = runtime.recommender.snapshot(session)
            saved = save_discovered(
                session, settings=runtime.settings, schema=runtime.facet_schema,
                labels=index.labels, language=language,
                choice=SaveDiscovered(key=key, name=name, seed=seed, k=k, cluster=cluster),
                actor="cli")
    except (InvalidInput, Conflict) as exc:
        _refused(console, exc)
    finally:
        runtime.close()
    console.print(f"Saved segment {saved.key}: {saved.name}", highlight=False)


def _check_language(console: Console, language: str) -> None:
    if language not in LANGUAGES:
        console.print(f"[red]Refused:[/red] --language must be one of {', '.join(LANGUAGES)}",
                      highlight=False)
        raise typer.Exit(code=1)


def _refused(console: Console, exc: InvalidInput | Conflict) -> NoReturn:
    console.print(f"[red]Refused:[/red] {exc.detail}", highlight=False)
    for error in exc.errors:
        console.print(f"  {'.'.join(map(str, error.loc))}: {error.msg}", highlight=False)
    raise typer.Exit(code=1) from None


def register(app: typer.Typer) -> None:
    """Adds ``prefero discover`` to the main app."""
    app.add_typer(discover_app, name="discover")
