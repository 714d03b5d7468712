"""The simulation harness's plumbing, small and fast (the statistical claims are
``prefero experiments simulate``'s): renders reach the exposure log and purchases the events
table through the services, the real results count the units, shoppers never buy a product
they excluded, a large planted lift shows in the arms' conversion, and a lost share of the
treatment's renders shows as a sample-ratio mismatch; a run through the HTTP API counts the
units the recommendations route exposed. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
from sqlalchemy import func, select

from apikeys import ADMIN_KEY, INGEST_KEY, READ_KEY
from prefero.catalog.models import Product
from prefero.customers.models import Preference
from prefero.events.models import Event
from prefero.experiments.models import Experiment
from prefero.experiments.simulated_shop import ShopKeys, SimulatedShop, fill_shop
from prefero.experiments.simulated_shoppers import plant_shoppers
from prefero.experiments.simulation import Plan, Report, simulate_in, windows
from prefero.experiments.simulation_http import run_over_http
from prefero.runtime import Runtime

NOW = datetime.now(UTC)


def _simulate(runtime: Runtime, plan: Plan) -> tuple[SimulatedShop, Report]:
    shoppers = plant_shoppers(np.random.default_rng(3), count=plan.shoppers)
    created = next(windows(plan, now=NOW))[0]
    shop = fill_shop(runtime, shoppers, created=created, products_per_category=8)
    return shop, simulate_in(shop, plan, now=NOW)


def test_a_run_goes_through_the_services_and_nobody_buys_what_they_excluded(
        runtime: Runtime) -> None:
    plan = Plan(runs=2, srm_runs=0, units_per_arm=200, lift=1.0)
    shop, report = _simulate(runtime, plan)
    assert [o.scenario for o in report.outcomes] == ["aa", "lift", "aa", "lift"]
    for outcome in report.outcomes:
        # The real results counted the units the exposure log holds: every shopper took
        # part (traffic 1) and rendered at least once.
        assert sum(outcome.units) == len(shop.shoppers)
        assert outcome.renders >= sum(outcome.units)
    with runtime.session() as session:
        purchases = session.scalar(select(func.count()).select_from(Event)
                                   .where(Event.type == "purchase"))
        # Every purchase of a run went in through ingest (the warm-up's too), linked to the
        # shopper: the events table holds at least the runs' own.
        assert purchases is not None and purchases >= sum(o.events for o in report.outcomes)
        excluded = session.scalar(
            select(func.count()).select_from(Event)
            .join(Product, Product.id == Event.product_id)
            .join(Preference, (Preference.customer_id == Event.customer_id)
                  & (Preference.kind == "never") & (Preference.facet == "category")
                  & (Preference.value == Product.category)))
        # Judged experiments are deleted, so that long simulations stay within the limit.
        assert session.scalar(select(func.count()).select_from(Experiment)) == 0
    assert excluded == 0
    assert report.figures["excluded_products_bought"] == 0


def test_a_planted_lift_shows_and_a_lost_share_of_renders_is_flagged(
        runtime: Runtime) -> None:
    plan = Plan(runs=2, srm_runs=2, units_per_arm=400, srm_units_per_arm=400, lift=2.0,
                srm_split=0.7)
    _, report = _simulate(runtime, plan)
    lift = [o for o in report.outcomes if o.scenario == "lift"]
    control = sum(o.conversions[0] for o in lift) / sum(o.units[0] for o in lift)
    treatment = sum(o.conversions[1] for o in lift) / sum(o.units[1] for o in lift)
    # Planted: three times the chance of buying in the treatment arm (a chance never
    # exceeds 1, so 2.67 times the conversion over these shoppers).
    assert 2.1 < treatment / control < 3.3
    assert all(o.significant for o in lift)
    srm = [o for o in report.outcomes if o.scenario == "srm"]
    assert all(o.srm_flagged for o in srm)
    # 70/30 logged: the treatment lost 4 in 7 of its units' renders.
    share = sum(o.units[1] for o in srm) / sum(sum(o.units) for o in srm)
    assert 0.24 < share < 0.36
    assert not any(o.srm_flagged for o in report.outcomes if o.scenario != "srm")


def test_a_run_through_the_http_api_logs_renders_where_recommendations_are_served(
        runtime: Runtime) -> None:
    plan = Plan(runs=1, srm_runs=0, units_per_arm=100, lift=1.0)
    shoppers = plant_shoppers(np.random.default_rng(5), count=plan.shoppers)
    shop = fill_shop(runtime, shoppers, created=next(windows(plan, now=NOW))[0],
                     products_per_category=8)
    keys = ShopKeys(admin=ADMIN_KEY, read=READ_KEY, ingest=INGEST_KEY)
    outcome = run_over_http(shop, plan, keys=keys, index=0, scenario="lift")
    assert outcome.via == "http"
    # The units the results count are those the recommendations route exposed.
    assert sum(outcome.units) == len(shoppers)
    assert outcome.renders >= sum(outcome.units)
    assert outcome.events > 0
    assert outcome.excluded_bought == 0
    with runtime.session() as session:
        bought = session.scalar(select(func.count()).select_from(Event)
                                .where(Event.type == "purchase"))
    assert bought == outcome.events
