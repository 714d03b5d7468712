"""``prefero bench``: measure the pipeline, the HTTP API and ingest on the demo shop, and
single-customer model serving on synthetic item vectors.

Benchmarks are numbers to record (docs/benchmarks.md), not pass/fail tests.
"""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import make_url

from prefero.cli.bench_generate import generate as generate_scale
from prefero.cli.bench_generate import train_stages
from prefero.cli.segments import bench_command as segments_bench
from prefero.config import Settings
from prefero.recommend.artefacts import current_version
from prefero.runtime import Runtime

__all__ = ["register"]

bench_app = typer.Typer(help="Benchmarks on the demo shop (numbers, not tests).",
                        no_args_is_help=True)
console = Console()

DataDir = Annotated[Path, typer.Option(help="Where the benchmark's demo shop lives.")]
Out = Annotated[Path | None, typer.Option(help="Also write the figures as JSON here.")]
WithExperiment = Annotated[bool, typer.Option(
    "--experiment/--no-experiment",
    help="Measure with a two-arm recommendations experiment running (assignment and "
         "exposure logging on every request).")]


def _prepared(data_dir: Path, *, products: int, customers: int,
              database_url: str | None = None) -> Runtime:
    """A runtime over a loaded, trained demo shop (loaded once, reused afterwards); in
    SQLite under ``data_dir`` unless a ``database_url`` is given."""
    from prefero.demo.loader import load_demo
    from prefero.recommend.training import train

    if database_url and make_url(database_url).get_backend_name() == "postgresql":
        # Created when missing (on the server's maintenance database), as `bench ingest`
        # creates its own: a newcomer's first run should not stop at "does not exist".
        from prefero.bench.ingest import scratch_postgres_database

        url = make_url(database_url)
        scratch_postgres_database(
            url.set(database="postgres").render_as_string(hide_password=False),
            str(url.database))
    settings = Settings(data_dir=data_dir, database_url=database_url)
    runtime = Runtime(settings)
    with console.status("loading the demo shop (once)"):
        load_demo(runtime, products=products, customers=customers)
    if current_version(settings.artefact_dir) is None:
        with console.status("training"):
            train(runtime)
    runtime.recommender.refresh()
    return runtime


def _machine() -> dict[str, Any]:
    return {"cpus": os.cpu_count(), "python": platform.python_version(),
            "machine": platform.machine(), "system": platform.platform(terse=True)}


def _show(title: str, figures: dict[str, Any]) -> None:
    table = Table(title=title)
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, value in figures.items():
        table.add_row(key, f"{value:g}" if isinstance(value, float) else str(value))
    console.print(table)


def _write(out: Path | None, results: dict[str, Any]) -> None:
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"machine": _machine(), **results}, indent=2), "utf-8")
        console.print(f"written to {out}")


@bench_app.command("pipeline")
def pipeline(data_dir: DataDir = Path("var/bench"), requests: int = 2000,
             products: int = 3200, customers: int = 6000,
             database_url: Annotated[str | None, typer.Option(
                 help="Measure on the shop already in this database (e.g. from `prefero "
                      "bench generate`), trained into --data-dir once; nothing is loaded."
             )] = None,
             experiment: WithExperiment = False, out: Out = None) -> None:
    """In-process pipeline latency (profile read + pipeline), median and p99."""
    from prefero.bench.experiment import experiment_running
    from prefero.bench.pipeline import bench_pipeline, database_runtime

    if database_url:
        runtime = database_runtime(database_url, data_dir,
                                   status=lambda msg: console.print(f"• {msg}"))
    else:
        runtime = _prepared(data_dir, products=products, customers=customers)
    with experiment_running(runtime, enabled=experiment):
        figures = bench_pipeline(runtime, requests=requests)
    _show("pipeline (in-process)", figures)
    _write(out, {"pipeline": figures})


@bench_app.command("search")
def search_latency(data_dir: DataDir = Path("var/bench"), requests: int = 1000,
                   products: int = 3200, customers: int = 6000,
                   http: Annotated[bool, typer.Option(
                       help="Also load GET /v1/search/suggest of a real server from "
                            "--clients connections (wrk).")] = False,
                   clients: Annotated[int, typer.Option(
                       help="With --http: concurrent connections.")] = 16,
                   seconds: Annotated[float, typer.Option(
                       help="With --http: how long to load it.")] = 20.0,
                   workers: Annotated[int, typer.Option(
                       help="With --http: server worker processes.")] = 2,
                   in_process: Annotated[bool, typer.Option(
                       help="Measure in process (the service time, one at a time).")] = True,
                   out: Out = None) -> None:
    """Latency of the search box's suggestions and of search: in process (median, p90, p99;
    the vocabulary's build time), and with --http under concurrent load."""
    from prefero.bench.search import bench_search, bench_suggest_http, vocabulary_build

    runtime = _prepared(data_dir, products=products, customers=customers)
    figures: dict[str, Any] = {}
    if in_process:
        figures.update(bench_search(runtime, requests=requests))
        figures["vocabulary"] = vocabulary_build(runtime)
        for name, values in figures.items():
            _show(f"{name} (in-process)", values)
    if http:
        figures["suggest_http"] = bench_suggest_http(runtime, clients=clients,
                                                     seconds=seconds, workers=workers)
        _show(f"GET /v1/search/suggest ({workers} workers, {clients} clients)",
              figures["suggest_http"])
    _write(out, {"search": figures})


@bench_app.command("live")
def live(data_dir: DataDir = Path("var/bench"), pairs: int = 200, seed: int = 0,
         products: int = 3200, customers: int = 6000, out: Out = None) -> None:
    """The live shop as shoppers meet it (the offline command is `prefero evaluate`):
    context relevance of product, cart and checkout rows for customers with likes, how
    many of their declared interests home rows cover, whether quizzes stay in scope, and
    whether every reason given passes the independent checker."""
    from prefero.bench.live import context_relevance, interest_coverage, quiz_scope
    from prefero.bench.live_honesty import explanation_honesty
    from prefero.recommend.context import CONTEXT_PLACEMENTS

    runtime = _prepared(data_dir, products=products, customers=customers)
    figures = context_relevance(runtime, pairs=pairs, seed=seed)
    for placement in CONTEXT_PLACEMENTS:
        row = figures[placement]
        _show(f"context relevance, {placement} rows ({pairs} pairs, seed {seed})",
              {k: v for k, v in row.items() if k != "strays"})
        for stray in row["strays"]:
            console.print(f"  off the page: {stray['item']} ({stray['item_category']}) "
                          f"on {stray['page']} ({stray['page_category']})")
    coverage = interest_coverage(runtime, seed=seed)
    figures["interest_coverage"] = coverage
    _show(f"interest coverage, home rows of {coverage['n']} (customers with "
          f">={coverage['floor']} liked values across >={coverage['min_facets']} facets)",
          {k: v for k, v in coverage.items() if k != "misses"})
    for miss in coverage["misses"]:
        console.print(f"  short: {miss['customer']} shows {', '.join(miss['covered']) or '-'} "
                      f"of {', '.join(miss['coverable'])}")
    scope = quiz_scope(runtime, seed=seed)
    figures["quiz_scope"] = scope
    _show(f"quiz scope, every library quiz ({scope['paths']} random paths each, seed {seed})",
          {k: v for k, v in scope.items() if isinstance(v, int | float)})
    for stray in scope["strays"]:
        console.print(f"  out of scope: {stray}")
    for empty in scope["empty_examples"]:
        console.print(f"  ended empty: {empty['quiz']} ({empty['path']}, {empty['taker']})")
    honesty = explanation_honesty(runtime, seed=seed)
    figures["explanation_honesty"] = honesty
    _show(f"explanation honesty, every placement ({honesty['customers']} customers: the "
          f"personas and a sample, seed {seed})",
          {"reasons": honesty["reasons"], "unverified": honesty["unverified"],
           **{f"unverified, {p}": v["unverified"] for p, v in honesty["by_placement"].items()}})
    for claim in honesty["examples"]:
        console.print(f"  unverified: {claim}")
    _write(out, {"live": figures})


@bench_app.command("http")
def http(data_dir: DataDir = Path("var/bench"), workers: int = 2,
         concurrency: Annotated[list[int] | None, typer.Option(
             help="Concurrent clients; repeat for several runs.")] = None,
         seconds: float = 15.0, products: int = 3200, customers: int = 6000,
         pages: Annotated[bool, typer.Option(
             help="Also time search and product pages fetched beside the load.")] = True,
         database_url: Annotated[str | None, typer.Option(
             help="Load the demo shop into this database (e.g. PostgreSQL) instead of "
                  "SQLite under --data-dir; loaded once.")] = None,
         experiment: WithExperiment = False, out: Out = None) -> None:
    """HTTP latency and throughput of GET /v1/recommendations with N worker processes, and
    what a shopper's search and product pages wait meanwhile."""
    from prefero.bench.experiment import experiment_running
    from prefero.bench.http import bench_http

    runtime = _prepared(data_dir, products=products, customers=customers,
                        database_url=database_url)
    levels = tuple(concurrency or (4, 16))
    with experiment_running(runtime, enabled=experiment):
        figures = bench_http(runtime, workers=workers, concurrency=levels, seconds=seconds,
                             pages=pages)
    _show(f"HTTP ({workers} workers; {', '.join(map(str, levels))} concurrent clients)",
          figures)
    _write(out, {"http": figures})


@bench_app.command("ingest")
def ingest(data_dir: DataDir = Path("var/bench"), batches: int = 20, batch_size: int = 1000,
           postgres_url: Annotated[str | None, typer.Option(
               envvar="PREFERO_TEST_POSTGRES_URL",
               help="Also measure on this PostgreSQL database (its tables are used).")] = None,
           http: Annotated[bool, typer.Option(
               help="Also send the batches to POST /v1/events of a real server and count "
                    "that every acknowledged event was stored.")] = False,
           clients: Annotated[int, typer.Option(
               help="With --http: batches in flight at once.")] = 4,
           workers: Annotated[int, typer.Option(
               help="With --http: server worker processes.")] = 2,
           fresh: Annotated[bool, typer.Option(
               help="Start from empty databases (a new SQLite file, and the PostgreSQL "
                    "database prefero_bench_ingest dropped and created again) instead of "
                    "adding to what earlier runs stored: the receipts index grows with "
                    "every run, and ingest slows down as it outgrows memory.")] = False,
           out: Out = None) -> None:
    """Bulk ingest events/s through the ingest service (and with --http through the API),
    on SQLite and PostgreSQL."""
    from prefero.bench.ingest import bench_ingest, bench_ingest_http, scratch_postgres_database

    results: dict[str, Any] = {}
    data_dir.mkdir(parents=True, exist_ok=True)
    sqlite_file = (data_dir / ("ingest-fresh.db" if fresh else "ingest.db")).resolve()
    if fresh:
        for path in (sqlite_file, Path(f"{sqlite_file}-wal"), Path(f"{sqlite_file}-shm")):
            path.unlink(missing_ok=True)
    urls = {"sqlite": f"sqlite:///{sqlite_file}"}
    if postgres_url:
        urls["postgresql"] = (
            scratch_postgres_database(postgres_url, "prefero_bench_ingest", fresh=True)
            if fresh else scratch_postgres_database(postgres_url))
    for name, url in urls.items():
        results[name] = bench_ingest(url, batches=batches, batch_size=batch_size)
        _show(f"ingest on {name}", results[name])
        if http:
            results[f"{name}_http"] = bench_ingest_http(
                url, batches=batches, batch_size=batch_size, clients=clients, workers=workers)
            _show(f"ingest on {name}, POST /v1/events ({workers} workers, {clients} clients)",
                  results[f"{name}_http"])
    _write(out, {"ingest": results})


@bench_app.command("model")
def model(
    items: Annotated[str, typer.Option(
        help="Catalogue sizes, comma-separated.")] = "20000,1000000",
    dim: Annotated[int, typer.Option(help="Item vector dimensions.")] = 64,
    queries: Annotated[int, typer.Option(help="Single-customer searches per size.")] = 2000,
    exclude: Annotated[int, typer.Option(
        help="Excluded items per query (seen items + a hidden category).")] = 50,
    ann_threshold: Annotated[int, typer.Option(
        help="Catalogues above this many items are served from an HNSW graph.")] = 50_000,
    seed: int = 0,
    with_model: Annotated[bool, typer.Option(
        help="Also time a fitted ALS model end to end at 20k items.")] = True,
    output: Annotated[Path | None, typer.Option(
        "--output", "--out", help="Also write the figures as JSON here.")] = None,
) -> None:
    """Single-customer recommendation from item vectors: latency, recall@10, memory."""
    from threadpoolctl import threadpool_limits

    from prefero.bench.models import bench_models
    from prefero.models.serving import IndexConfig

    try:
        sizes = [int(part) for part in items.split(",") if part.strip()]
    except ValueError:
        raise typer.BadParameter(f"--items: not a list of integers: {items!r}") from None
    config = IndexConfig(ann_threshold=ann_threshold)
    # One request per core, as an API worker serves it: a multi-threaded BLAS only adds
    # hand-off latency to a single matrix-vector product.
    with threadpool_limits(limits=1, user_api="blas"):
        results = bench_models(sizes, dim=dim, queries=queries, exclude=exclude,
                               config=config, seed=seed, with_model=with_model)
    for key, figures in results.items():
        if key.startswith("items_") or key == "model":
            _show(key, _flat(figures))
    _write(output, {"model": results})


def _flat(figures: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested figures as ``a.b`` rows for the table."""
    rows: dict[str, Any] = {}
    for key, value in figures.items():
        if isinstance(value, dict):
            rows.update(_flat(value, f"{prefix}{key}."))
        else:
            rows[f"{prefix}{key}"] = value
    return rows


def _show_timeline(rows: list[dict[str, Any]]) -> None:
    """One table row per slice of the run."""
    if not rows:
        return
    table = Table(title="timeline")
    for column in rows[0]:
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(*(f"{value:g}" for value in row.values()))
    console.print(table)


DatabaseUrl = Annotated[str | None, typer.Option(
    help="Run on this database (e.g. postgresql+psycopg://...; the demo shop is loaded into "
         "it once); unset means SQLite in --data-dir.")]


@bench_app.command("soak")
def soak(data_dir: DataDir = Path("var/bench"), database_url: DatabaseUrl = None,
         rate: Annotated[list[float] | None, typer.Option(
             help="Arrivals per second; repeat for several runs one after the other.")] = None,
         duration: Annotated[float, typer.Option(help="Seconds per run.")] = 300.0,
         workers: int = 2,
         max_in_flight: Annotated[int, typer.Option(
             help="Most requests open at once; an arrival beyond it is counted, not sent."
         )] = 64,
         timeout: Annotated[float, typer.Option(help="Per-request limit (s).")] = 1.0,
         mix: Annotated[str, typer.Option(
             help="Percent recommendations,search,events.")] = "45,25,30",
         find_rate: Annotated[bool, typer.Option(
             "--find-rate", help="Search for the sustainable rate from the first --rate up, "
                                 "with --duration-long runs (each on a fresh server).")] = False,
         products: int = 3200, customers: int = 6000, out: Out = None) -> None:
    """Open-loop mixed load on `serve --workers N` for minutes: errors, timeouts, 503s,
    p50/p99, worst /healthz latency, worker memory. Sustainable = 0 errors, 0 timeouts and
    p99 <= 500 ms for 5 minutes."""
    from prefero.bench.soak import SoakPlan, bench_soak
    from prefero.bench.soak import find_rate as search_rate

    try:
        shares = [float(part) / 100.0 for part in mix.split(",")]
        recs, search_share, events_share = shares
    except ValueError:
        raise typer.BadParameter(f"--mix: expected three percentages, got {mix!r}") from None
    runtime = _prepared(data_dir, products=products, customers=customers,
                        database_url=database_url)
    rates = rate or [60.0]
    if find_rate:
        figures = search_rate(runtime, start=rates[0], seconds=duration, workers=workers)
        _show("sustainable rate search", _flat({k: v for k, v in figures.items()
                                                if k != "steps"}))
        for step in figures["steps"]:
            console.print(step)
        _write(out, {"soak_find_rate": figures})
        return
    plans = [SoakPlan(rate=r, seconds=duration, mix=(recs, search_share, events_share),
                      max_in_flight=max_in_flight, timeout=timeout) for r in rates]
    reports = bench_soak(runtime, plans=plans, workers=workers)
    for report in reports:
        _show(f"soak at {report['rate']:g} req/s for {report['seconds']:g} s "
              f"({workers} workers)", _flat({k: v for k, v in report.items()
                                             if k != "timeline"}))
        _show_timeline(report["timeline"])
    _write(out, {"soak": reports, "database": runtime.engine.dialect.name})


@bench_app.command("crash")
def crash(data_dir: Annotated[Path, typer.Option(
              help="Where the SQLite database lives (created and migrated).")
          ] = Path("var/bench-crash"),
          database_url: DatabaseUrl = None, kills: int = 3, workers: int = 1,
          out: Out = None) -> None:
    """kill -9 the server mid-stream of events KILLS times: 0 acknowledged events may be
    lost or stored twice."""
    from prefero.bench.crash import bench_crash

    figures = bench_crash(Settings(data_dir=data_dir, database_url=database_url),
                          kills=kills, workers=workers)
    _show(f"crash check ({kills} x kill -9)", figures)
    _write(out, {"crash": figures})
    if figures["lost"] or figures["duplicated"]:
        raise typer.Exit(1)


@bench_app.command("messages")
def messages(database_url: Annotated[str, typer.Option(
                 help="The database whose outbox the benchmark fills (migrated first).")],
             count: Annotated[int, typer.Option("--messages", min=10, max=100_000,
                                                help="Messages to queue.")] = 500,
             kills: Annotated[int, typer.Option(min=0, max=20)] = 3,
             out: Out = None) -> None:
    """kill -9 the messages worker mid-send KILLS times: 0 messages may be lost, and no
    message may reach a receiver under two keys (docs/messaging.md)."""
    from prefero.bench.messages import bench_messages

    figures = bench_messages(database_url, messages=count, kills=kills, say=console.print)
    _show(f"message delivery crash check ({kills} x kill -9)", figures)
    _write(out, {"messages": figures})
    if figures["lost"] or figures["distinct_delivered_twice_to_an_honouring_receiver"]:
        raise typer.Exit(1)


@bench_app.command("all")
def run_all(data_dir: DataDir = Path("var/bench"), out: Out = Path("var/bench/results.json"),
            postgres_url: Annotated[str | None, typer.Option(
                envvar="PREFERO_TEST_POSTGRES_URL")] = None) -> None:
    """A small version of every benchmark, one after the other, into one JSON file: the
    pipeline and HTTP (with a shopper's pages) on the demo shop, ingest in process and over
    HTTP; with PostgreSQL also a generated shop (10,000 products, 200,000 events: generation,
    training and the pipeline on it) and throughput behind nginx with 1 and 2 processes."""
    import shutil

    from prefero.bench.generate import generate_shop
    from prefero.bench.http import bench_http
    from prefero.bench.ingest import bench_ingest, bench_ingest_http, scratch_postgres_database
    from prefero.bench.pipeline import bench_pipeline, database_runtime
    from prefero.bench.processes import bench_processes

    runtime = _prepared(data_dir, products=3200, customers=6000)
    results: dict[str, Any] = {"pipeline": bench_pipeline(runtime)}
    _show("pipeline (in-process)", results["pipeline"])
    results["http"] = bench_http(runtime, concurrency=(4, 16), seconds=10.0)
    _show("HTTP (2 workers) and a shopper's pages beside it", results["http"])
    # Empty databases each time: ingest slows as the receipts index of earlier runs grows.
    ingest_file = (data_dir / "ingest-all.db").resolve()
    for path in (ingest_file, Path(f"{ingest_file}-wal"), Path(f"{ingest_file}-shm")):
        path.unlink(missing_ok=True)
    urls = {"sqlite": f"sqlite:///{ingest_file}"}
    if postgres_url:
        urls["postgresql"] = scratch_postgres_database(postgres_url, "prefero_bench_all_ingest",
                                                       fresh=True)
    for name, url in urls.items():
        results[f"ingest_{name}"] = bench_ingest(url, batches=20, batch_size=1000)
        _show(f"ingest on {name}", results[f"ingest_{name}"])
        results[f"ingest_{name}_http"] = bench_ingest_http(url, batches=20, batch_size=1000)
        _show(f"ingest on {name}, POST /v1/events", results[f"ingest_{name}_http"])
    if postgres_url:
        scale = scratch_postgres_database(postgres_url, "prefero_bench_all_scale", fresh=True)
        summary = generate_shop(scale, products=10_000, customers=20_000, events=200_000)
        results["generate"] = {**summary.seconds, "events": summary.events,
                               "database_bytes": summary.database_bytes}
        shutil.rmtree(data_dir / "scale", ignore_errors=True)  # artefacts of an older shop
        results["pipeline_generated"] = bench_pipeline(
            database_runtime(scale, data_dir / "scale"), requests=1000)
        _show("pipeline on a generated shop (10,000 products)", results["pipeline_generated"])
        shop = scratch_postgres_database(postgres_url, "prefero_bench_processes_3200_6000")
        results["processes"] = bench_processes(
            _prepared(data_dir / "processes", products=3200, customers=6000,
                      database_url=shop),
            run_dir=data_dir / "processes" / "run", redis_url="redis://127.0.0.1:6379/0",
            counts=(1, 2), seconds=5.0, warmup=2.0, direct=False, say=console.print)
    _write(out, results)


@bench_app.command("processes")
def processes(
    postgres_url: Annotated[str | None, typer.Option(
        envvar="PREFERO_TEST_POSTGRES_URL",
        help="PostgreSQL server; the benchmark loads the demo shop into its own database "
             "there (prefero_bench_processes_<products>_<customers>, once).")] = None,
    data_dir: DataDir = Path("var/bench-processes"),
    counts: Annotated[str, typer.Option(help="API process counts, comma-separated.")] = "1,2,4",
    clients: Annotated[int, typer.Option(help="wrk connections.")] = 16,
    seconds: Annotated[float, typer.Option(help="Seconds per measurement.")] = 15.0,
    redis_url: Annotated[str, typer.Option(help="Redis for the shared rate limits.")
                         ] = "redis://127.0.0.1:6379/0",
    direct: Annotated[bool, typer.Option(
        help="With one process, also measure it without nginx in front.")] = True,
    products: int = 3200, customers: int = 6000, out: Out = None,
) -> None:
    """req/s, median and p99 of GET /v1/recommendations through deploy/'s nginx with 1, 2
    and 4 API processes (PostgreSQL, Redis, wrk; the mix of `bench http`)."""
    from prefero.bench.ingest import scratch_postgres_database
    from prefero.bench.processes import bench_processes

    if not postgres_url:
        raise typer.BadParameter("the deployment needs PostgreSQL: --postgres-url or "
                                 "PREFERO_TEST_POSTGRES_URL", param_hint="--postgres-url")
    try:
        steps = [int(part) for part in counts.split(",") if part.strip()]
    except ValueError:
        raise typer.BadParameter(f"--counts: not a list of integers: {counts!r}") from None
    # One database per shop size: a shop loaded earlier at another size is never reused.
    database = scratch_postgres_database(
        postgres_url, name=f"prefero_bench_processes_{products}_{customers}")
    runtime = _prepared(data_dir, products=products, customers=customers,
                        database_url=database)
    try:
        figures = bench_processes(runtime, run_dir=data_dir / "run", redis_url=redis_url,
                                  counts=steps, clients=clients, seconds=seconds,
                                  direct=direct, say=console.print)
    finally:
        runtime.close()
    _show(f"processes behind nginx ({clients} clients, {seconds:g} s each, "
          f"{figures['cpus']} cores shared with nginx and wrk)", _flat(figures))
    _write(out, {"processes": figures})


bench_app.command("generate")(generate_scale)
bench_app.command("train")(train_stages)
bench_app.command("segments")(segments_bench)


def register(app: typer.Typer) -> None:
    app.add_typer(bench_app, name="bench")
