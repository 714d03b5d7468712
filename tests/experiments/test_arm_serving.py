"""What a recommendation arm changes, on a small catalogue with known answers and no
database: diversification, the shop's ranking rules (its hides stay), the default level (a
customer's own level wins; consents still cap it), the exploration slot; the older of two
experiments keeps a setting; the holdout's units get the level off. Every reason stays true
and no declared exclusion leaks in any arm (Hypothesis)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from merchandising_rules import compiled, rule
from prefero.catalog.facets import load_facet_schema
from prefero.experiments.running import (
    CompiledArm,
    CompiledExperiment,
    RunningExperiments,
)
from prefero.experiments.schemas import RecommendationArm
from prefero.experiments.serving import ArmPlan, plan_arms, plan_holdout
from prefero.merchandising.schemas import Rule
from prefero.recommend.artefacts import Artefacts
from prefero.recommend.catalog_index import CatalogIndex, ProductRow, index_products
from prefero.recommend.config import PipelineConfig
from prefero.recommend.constraints import violations
from prefero.recommend.honesty import unverified
from prefero.recommend.models import ModelView, build_model_view
from prefero.recommend.pipeline import run_pipeline
from prefero.recommend.profile import CustomerProfile
from prefero.recommend.query import RecommendationQuery, RecommendationResult
from prefero.types import Level, Placement, Purpose

SCHEMA = load_facet_schema()
NOW = datetime(2026, 12, 6, 12, tzinfo=UTC).timestamp()
BRANDS = {"Groceries > Bakery": "acme", "Groceries > Snacks": "bolt",
          "Fashion > Socks": "cora", "Electronics > Cables": "dyna"}
# Five products per category; popularity falls with the position in this list, so the
# most popular products crowd one aisle and only diversification spreads the row.
CATALOGUE = [(f"{brand[0]}{i}", category, brand)
             for category, brand in BRANDS.items() for i in range(1, 6)]
CONSENTS: dict[Purpose, bool] = {"tracking": True, "personalization": True,
                                 "context": True, "marketing_email": False,
                                 "marketing_push": False}
RULES = [rule(1, "pin", products=["d5"], position=1), rule(2, "hide", products=["a2"]),
         rule(3, "boost", facet="brand", values=["cora"], strength=2.0)]


def _index() -> CatalogIndex:
    rows = [ProductRow(pid, pid.upper(), Decimal(10 + n), None, True, "in_stock", category,
                       brand, {"category": category, "brand": brand}, None)
            for n, (pid, category, brand) in enumerate(CATALOGUE)]
    return index_products(sorted(rows, key=lambda r: r.id), schema=SCHEMA)


def _model(index: CatalogIndex) -> ModelView:
    n = index.size
    order = [row[0] for row in CATALOGUE]
    popularity = np.array([1.0 - order.index(p) / n for p in index.ids], dtype=np.float32)
    none = np.full((n, 1), -1, dtype=np.int32)
    return build_model_view(index, Artefacts(
        version="v", item_ids=list(index.ids), popularity=popularity,
        trending=np.zeros(n, dtype=np.float32), co_purchase_idx=none,
        co_purchase_score=np.zeros((n, 1), dtype=np.float32), co_view_idx=none,
        co_view_score=np.zeros((n, 1), dtype=np.float32), manifest={}))


INDEX = _index()
MODEL = _model(INDEX)
SHOP = compiled(INDEX, RULES)


def profile(level: Level = "balanced", *, chosen: bool = False, **wishes: object
            ) -> CustomerProfile:
    return CustomerProfile(customer_id="u1", level=level, consents=dict(CONSENTS),
                           level_chosen=chosen, **wishes)  # type: ignore[arg-type]


def experiment(id: int, *arms: RecommendationArm | None, kind: str = "recommendations",
               target: str | None = None, tracking_only: bool = True) -> CompiledExperiment:
    """An experiment whose arms share its units equally; the first is the control."""
    return CompiledExperiment(
        id=id, key=f"e{id}", kind=kind, target=target, salt=f"salt-{id}",  # type: ignore[arg-type]
        traffic=1.0, anonymous_measurement=not tracking_only,
        arms=tuple(CompiledArm(key=f"arm-{i}", share=1.0 / len(arms), control=i == 0,
                               config=config) for i, config in enumerate(arms)))


def only(config: RecommendationArm, id: int = 1, **fields: object) -> CompiledExperiment:
    """An experiment that places every unit in its one arm."""
    return experiment(id, config, **fields)  # type: ignore[arg-type]


def running(*experiments: CompiledExperiment) -> RunningExperiments:
    return RunningExperiments(revision=1, experiments=experiments)


def serve(plan: ArmPlan, *, rules: list[Rule] = RULES) -> RecommendationResult:
    """The pipeline as the engine runs it for ``plan``; every reason checked."""
    result = run_pipeline(index=INDEX, model=MODEL, profile=plan.profile, query=plan.query,
                          config=plan.config, now=NOW, merchandising=compiled(INDEX, rules),
                          ranking_rules=plan.merchandising)
    assert unverified(result, query=plan.query, index=INDEX, model=MODEL,
                      profile=plan.profile, now=NOW,
                      rules=rules if plan.merchandising else ()) == []
    return result


def plan(*experiments: CompiledExperiment, who: CustomerProfile | None = None,
         placement: Placement = "home", n: int = 8,
         servable: Callable[[str], bool] | None = None, **query: object) -> ArmPlan:
    return plan_arms(running(*experiments), profile=who or profile(),
                     query=RecommendationQuery(customer_id="u1", placement=placement, n=n,
                                               **query),  # type: ignore[arg-type]
                     config=PipelineConfig(), servable=servable)


def ids(result: RecommendationResult) -> list[str]:
    return [item.product_id for item in result.items]


def categories(result: RecommendationResult) -> set[str]:
    return {item.category for item in result.items}


def test_nothing_running_changes_nothing() -> None:
    plain = plan()
    assert plain.assignments == () and plain.merchandising and plain.model_version is None
    assert serve(plain) == serve(plan(only(RecommendationArm(), target="product")))


def test_diversity_spreads_the_row_and_zero_keeps_it_to_relevance() -> None:
    who = profile("off")
    relevance = serve(plan(only(RecommendationArm(diversity=0.0)), who=who, n=6))
    diverse = serve(plan(only(RecommendationArm(diversity=1.0)), who=who, n=6))
    shop = serve(plan(who=who, n=6))
    assert plan(only(RecommendationArm(diversity=1.0))).config.diversify.mmr_lambda == 0.0
    assert ids(relevance) != ids(diverse)
    assert len(categories(diverse)) == 4 > len(categories(relevance))
    # The arm's configuration is the one the answer names.
    assert diverse.config_digest != shop.config_digest


def test_without_merchandising_no_pin_or_boost_applies_but_hides_still_do() -> None:
    shop = serve(plan())
    off = serve(plan(only(RecommendationArm(merchandising=False))))
    assert ids(shop)[0] == "d5"
    assert any(r.code == "featured" for item in shop.items for r in item.reasons)
    assert "d5" not in ids(off)[:1]
    assert not any(r.code == "featured" for item in off.items for r in item.reasons)
    assert "a2" not in ids(shop) and "a2" not in ids(off)


def test_a_default_level_applies_only_to_customers_who_chose_none() -> None:
    likes = (("brand", "bolt", 1.0),)
    arm = only(RecommendationArm(default_level="off"))
    unchosen = serve(plan(arm, who=profile("balanced", likes=likes)))
    assert (unchosen.level, unchosen.effective_level) == ("off", "off")
    assert not any(r.code == "declared_like" for item in unchosen.items for r in item.reasons)
    chosen = plan(arm, who=profile("balanced", chosen=True, likes=likes))
    assert serve(chosen) == serve(plan(who=profile("balanced", chosen=True, likes=likes)))
    assert any(r.code == "declared_like" for item in serve(chosen).items
               for r in item.reasons)
    # Consents still cap a level an arm sets.
    no_tracking = replace(profile("declared"), consents={**CONSENTS, "tracking": False})
    full = plan(only(RecommendationArm(default_level="full"), tracking_only=False),
                who=no_tracking)
    assert (full.profile.level, full.profile.effective_level) == ("full", "declared")


def test_an_arm_sets_the_exploration_slot_unless_the_query_or_the_customer_did() -> None:
    def explored(result: RecommendationResult) -> bool:
        return any(r.code == "exploration" for item in result.items for r in item.reasons)

    # A short row leaves aisles unshown: room for the slot.
    assert explored(serve(plan(n=4)))
    assert not explored(serve(plan(only(RecommendationArm(exploration=False)), n=4)))
    assert explored(serve(plan(only(RecommendationArm(exploration=False)), n=4,
                               exploration=True)))
    turned_off = profile(exploration=False)
    assert not explored(serve(plan(only(RecommendationArm(exploration=True)), n=4,
                                   who=turned_off)))


def test_the_older_experiment_keeps_a_setting_and_the_unit_skips_the_younger() -> None:
    older = only(RecommendationArm(diversity=0.2), id=1)
    younger = experiment(2, RecommendationArm(), RecommendationArm(diversity=0.9))
    other = only(RecommendationArm(merchandising=False), id=3)
    placed = plan(older, younger, other)
    assert [a.experiment.key for a in placed.assignments] == ["e1", "e3"]
    assert placed.config.diversify.mmr_lambda == 0.8
    assert not placed.merchandising
    # The younger's control changes nothing, yet it is the younger's setting too: skipped.
    control_of_younger = experiment(2, RecommendationArm(), RecommendationArm(diversity=0.9))
    assert [a.experiment.key for a in plan(older, control_of_younger).assignments] == ["e1"]


def test_an_experiment_applies_to_its_own_placement_only() -> None:
    arm = only(RecommendationArm(diversity=1.0), target="product")
    assert plan(arm).assignments == ()
    assert len(plan(arm, placement="product", product_id="a1").assignments) == 1


def test_held_out_units_get_the_level_off_and_no_other_experiment() -> None:
    holdout = experiment(1, None, kind="holdout")  # one arm: everyone held out
    test = only(RecommendationArm(diversity=1.0), id=2)
    who = profile("full", chosen=True, likes=(("brand", "bolt", 1.0),),
                  never=(("brand", "cora"),))
    placed = plan(holdout, test, who=who)
    assert placed.held_out and placed.profile.effective_level == "off"
    assert [(a.experiment.key, a.arm.control) for a in placed.assignments] == [("e1", True)]
    result = serve(placed)
    assert all(not item.product_id.startswith("c") for item in result.items)
    assert not any(r.code == "declared_like" for item in result.items for r in item.reasons)


def test_where_no_arm_applies_the_holdout_alone_still_holds() -> None:
    holdout = experiment(1, None, kind="holdout")  # one arm: everyone held out
    test = only(RecommendationArm(diversity=1.0, merchandising=False), id=2)
    who = profile("full", chosen=True, never=(("brand", "cora"),))
    query = RecommendationQuery(customer_id="u1", n=8)
    held = plan_holdout(running(holdout, test), profile=who, query=query,
                        config=PipelineConfig())
    assert held.held_out and held.profile.effective_level == "off"
    assert held.profile.never == who.never  # exclusions hold at every level
    # Nothing of the other experiment applies, and nothing is there to expose.
    assert (held.config, held.merchandising, held.assignments) == (PipelineConfig(), True, ())
    free = plan_holdout(running(test), profile=who, query=query, config=PipelineConfig())
    assert free == ArmPlan(profile=who, query=query, config=PipelineConfig())


def test_an_arm_whose_version_cannot_be_served_leaves_the_unit_out_of_its_experiment(
        ) -> None:
    versioned = only(RecommendationArm(model_version="old", diversity=0.2), id=1)
    younger = only(RecommendationArm(diversity=0.9), id=2)
    served = plan(versioned, younger, servable=lambda version: True)
    assert [a.experiment.key for a in served.assignments] == ["e1"]
    assert served.model_version == "old" and served.config.diversify.mmr_lambda == 0.8
    asked: list[str] = []

    def missing(version: str) -> bool:
        asked.append(version)
        return False

    left_out = plan(versioned, younger, servable=missing)
    assert asked == ["old"]
    # Neither its version nor its diversity: the unit is as if outside the older experiment.
    assert [a.experiment.key for a in left_out.assignments] == ["e2"]
    assert left_out.model_version is None
    assert abs(left_out.config.diversify.mmr_lambda - 0.1) < 1e-9


def test_without_tracking_consent_a_unit_takes_part_only_anonymously() -> None:
    who = replace(profile(), consents={**CONSENTS, "tracking": False})
    assert plan(only(RecommendationArm(diversity=1.0)), who=who).assignments == ()
    anonymous = plan(only(RecommendationArm(diversity=1.0), tracking_only=False), who=who)
    assert [a.measured for a in anonymous.assignments] == ["anonymous"]


arms = st.builds(RecommendationArm,
                 default_level=st.sampled_from([None, "off", "declared", "balanced", "full"]),
                 diversity=st.one_of(st.none(), st.floats(0.0, 1.0)),
                 merchandising=st.booleans(),
                 exploration=st.one_of(st.none(), st.booleans()))
rules_of_the_customer = st.lists(st.one_of(
    st.tuples(st.just("brand"), st.sampled_from(sorted(set(BRANDS.values())))),
    st.tuples(st.just("category"), st.sampled_from(["Groceries", "Fashion > Socks"]))),
    max_size=3)


@settings(max_examples=150, deadline=None)
@given(configs=st.lists(arms, min_size=1, max_size=3), never=rules_of_the_customer,
       dismissed=st.lists(st.sampled_from([row[0] for row in CATALOGUE]), max_size=4),
       held=st.booleans(), level=st.sampled_from(["off", "declared", "balanced", "full"]),
       chosen=st.booleans(), unit=st.integers(0, 50),
       placement=st.sampled_from(["home", "product", "cart"]))
def test_no_declared_exclusion_leaks_in_any_arm(
        configs: list[RecommendationArm], never: list[tuple[str, str]], dismissed: list[str],
        held: bool, level: Level, chosen: bool, unit: int, placement: Placement) -> None:
    experiments = [experiment(1, None, None, kind="holdout")] if held else []
    experiments += [only(config, id=i + 2) for i, config in enumerate(configs)]
    who = replace(profile(level, chosen=chosen, never=tuple(never),
                          dismissed=frozenset(dismissed), likes=(("brand", "acme", 1.0),)),
                  customer_id=f"u{unit}")
    query = RecommendationQuery(customer_id=f"u{unit}", placement=placement, n=6,
                                product_id="b1" if placement == "product" else None,
                                cart=("d1",) if placement == "cart" else ())
    placed = plan_arms(running(*experiments), profile=who, query=query,
                       config=PipelineConfig())
    result = serve(placed)
    for item in result.items:
        assert violations(INDEX, INDEX.position[item.product_id], who) == []
