"""A simulation run through the HTTP API instead of the services: the experiment is created,
started, stopped, judged and deleted through ``/v1/admin/experiments``, every visit of a
unit is a ``GET /v1/recommendations`` on the home page (the route logs the arm's render),
and the purchases go in through ``POST /v1/events``, in process (Starlette's TestClient on
the app ``create_app`` makes).

The API stamps renders and events with the machine's clock, so these runs take place in real
time, after every simulated window (their pre-period is the last simulated runs'). Shoppers
outside the experiment's traffic buy as in the other runs, without a request: the shop as it
is logs nothing for them. A shopper buys one of the products served to them, of a category
they allow (the recommendations never offer an excluded one; the run counts it if they do).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from fastapi.testclient import TestClient

from prefero.api.app import create_app
from prefero.experiments.exposures import flush_exposures
from prefero.experiments.results import ExperimentResults
from prefero.experiments.simulated_shop import ShopKeys, SimulatedShop
from prefero.experiments.simulated_shoppers import choose_products
from prefero.experiments.simulation import (
    EVENT_BATCH,
    EXTRA_VISITS,
    Plan,
    RunOutcome,
    Scenario,
    experiment_body,
    outcome_of,
    salt_of,
    set_salt,
)
from prefero.experiments.simulation_judge import judgement_of

__all__ = ["run_over_http"]


def _ok(response: Any, *, expected: int = 200) -> Any:
    if response.status_code != expected:
        raise RuntimeError(f"{response.request.method} {response.request.url.path} answered "
                           f"{response.status_code}: {response.text[:300]}")
    return response.json() if response.content else None


def run_over_http(shop: SimulatedShop, plan: Plan, *, keys: ShopKeys, index: int,
                  scenario: Scenario) -> RunOutcome:
    """One run through the API (see the module's docstring).

    >>> # run_over_http(shop, Plan(), keys=keys, index=400, scenario="lift")
    """
    began = time.perf_counter()
    rng = np.random.default_rng([plan.seed, index])
    key = f"simulation-{index:04d}"
    body = experiment_body(plan, key=key, scenario=scenario).model_dump(mode="json")
    app = create_app(runtime=shop.runtime)
    admin = {"X-API-Key": keys.admin}
    with TestClient(app) as client:
        _ok(client.post("/v1/admin/experiments", json=body, headers=admin), expected=201)
        set_salt(shop.runtime, key, salt_of(plan, index))
        _ok(client.post(f"/v1/admin/experiments/{key}/start", headers=admin))
        with shop.runtime.session() as session:
            running = shop.runtime.experiments.running(session)
        experiment = next(e for e in running.experiments if e.key == key)
        lift = 1.0 + plan.lift if scenario == "lift" else 1.0
        events: list[dict[str, Any]] = []
        renders = 0
        category = {p: c for c, products in shop.catalogue.items() for p in products}
        for shopper in shop.shoppers:
            arm = experiment.arm_for(shopper.id)
            chance = shopper.propensity * (lift if arm is not None and not arm.control
                                           else 1.0)
            served: list[str] = []
            if arm is not None:
                for _ in range(1 + int(rng.poisson(EXTRA_VISITS))):
                    answer = _ok(client.get("/v1/recommendations", params={
                        "customer_id": shopper.id, "placement": "home", "n": 10},
                        headers={"X-API-Key": keys.read}))
                    served = [item["product_id"] for item in answer["items"]]
                    renders += 1
            if rng.random() >= chance:
                continue
            allowed = [p for p in served if category.get(p) != shopper.excluded]
            picks = ([allowed[int(rng.integers(0, len(allowed)))]] if allowed else
                     choose_products(rng, shopper, catalogue=shop.catalogue, count=1))
            order = f"{key}-{shopper.id}"
            events += [{"event_id": f"{order}-{n}", "type": "purchase",
                        "customer_id": shopper.id, "product_id": product, "quantity": 1,
                        "price": str(shop.prices[product]), "order_id": order}
                       for n, product in enumerate(picks)]
        # The renders the route logged are in memory until a batch is due: write them.
        flush_exposures(shop.runtime)
        for start in range(0, len(events), EVENT_BATCH):
            _ok(client.post("/v1/events", json={"events": events[start:start + EVENT_BATCH]},
                            headers={"X-API-Key": keys.ingest}))
        _ok(client.post(f"/v1/admin/experiments/{key}/stop", headers=admin))
        results = ExperimentResults.model_validate(_ok(client.get(
            f"/v1/admin/experiments/{key}/results", params={"alpha": plan.alpha},
            headers=admin)))
        _ok(client.delete(f"/v1/admin/experiments/{key}", headers=admin), expected=204)
    excluding = {s.id: s.excluded for s in shop.shoppers}
    excluded = sum(category[e["product_id"]] == excluding[e["customer_id"]] for e in events)
    return outcome_of(judgement_of(results), index=index, scenario=scenario, via="http",
                      renders=renders, events=len(events), excluded=excluded,
                      seconds=time.perf_counter() - began, alpha=plan.alpha)

