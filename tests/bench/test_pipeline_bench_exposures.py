"""``prefero bench pipeline --experiment`` measures what the recommendations route does:
each served answer of a unit in the benchmark's experiment is logged as a render. SQLite and
PostgreSQL."""

from __future__ import annotations

from sqlalchemy import func, select

from factories import add_products, consent, customer, product
from prefero.bench.experiment import experiment_running
from prefero.bench.pipeline import bench_pipeline, sample_queries
from prefero.experiments.exposures import flush_exposures
from prefero.experiments.models import ExperimentExposure
from prefero.runtime import Runtime


def test_every_answer_served_to_a_unit_is_logged_as_a_render(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        add_products(session, [product(f"p{i}", category="Food > Bread", price=5.0 + i)
                               for i in range(6)])
        for n in range(5):
            customer(session, f"c{n}")
            consent(session, f"c{n}", "tracking", True)
    # The bench's queries, as it draws them: those naming a customer are the units' renders.
    units = sum(q.customer_id is not None for q in sample_queries(runtime, count=24))
    assert units > 0
    with experiment_running(runtime):
        bench_pipeline(runtime, requests=20, warmup=4)
        flush_exposures(runtime)
        with runtime.session() as session:
            renders = session.scalar(select(func.sum(ExperimentExposure.renders)))
    assert renders == units
