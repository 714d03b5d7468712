"""The storefront's home page under a content experiment: the visitor's arm's variant is on
the page, and each page view is one render of that arm (a visitor without tracking consent,
in an experiment that measures anonymously: the tallies). SQLite and PostgreSQL."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from content_helpers import slot_body, variant_body
from experiment_helpers import experiment_body
from prefero.content.schemas import SlotIn
from prefero.content.slots import create_slot
from prefero.experiments.exposures import flush_exposures
from prefero.experiments.models import ExperimentTally
from prefero.experiments.service import create_experiment, start_experiment
from prefero.runtime import Runtime


def test_each_home_page_view_shows_the_arms_variant_and_is_one_render(
        client: TestClient, runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        create_slot(session, SlotIn.model_validate(slot_body(
            "home-hero", variant_body("everyone"), variant_body("spring"),
            variant_body("summer"), fallback="everyone")), schema=runtime.facet_schema)
        create_experiment(session, experiment_body(
            "hero-season", kind="content", target="home-hero", anonymous_measurement=True,
            arms=[{"key": "spring", "name": "Spring", "share": 0.5, "control": True,
                   "config": {"variant": "spring"}},
                  {"key": "summer", "name": "Summer", "share": 0.5,
                   "config": {"variant": "summer"}}]))
        start_experiment(session, "hero-season")
    pages = [client.get("/") for _ in range(3)]
    assert all(page.status_code == 200 for page in pages)
    shown = {arm for arm in ("spring", "summer")
             if f"{arm} in English" in pages[0].text}
    assert len(shown) == 1  # one arm, the same on every view (the visitor's cookie)
    assert all(f"{next(iter(shown))} in English" in page.text for page in pages)
    flush_exposures(runtime)
    with runtime.session() as session:
        tallies = [(t.arm_key, t.metric, t.count) for t in session.scalars(
            select(ExperimentTally))]
    assert tallies == [(next(iter(shown)), "renders", 3)]
