"""Discovered segments on a shop with planted groups: the groups are found, named from their
planted values in English and Polish, reproducibly; consent and the level keep customers out;
each cluster's rule is a valid condition that selects its cluster."""

from __future__ import annotations

import pytest
from sklearn.metrics import adjusted_rand_score  # type: ignore[import-untyped]
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factories import consent, customer
from planted_segments import GROUPS, PlantedShop, plant
from prefero.audit.models import AuditEntry
from prefero.errors import InvalidInput
from prefero.privacy.service import erase_customer
from prefero.runtime import Runtime
from prefero.segments import discovery
from prefero.segments.conditions import parse_condition
from prefero.segments.discovery import Discovery, cluster, clustering_of, discover
from prefero.segments.discovery_profiles import DeclaredValue, read_population
from prefero.segments.discovery_save import SaveDiscovered, save_discovered
from prefero.segments.models import Segment, SegmentMember


@pytest.fixture
def planted(runtime: Runtime) -> PlantedShop:
    with runtime.session(write=True) as session:
        return plant(session)


def _discover(runtime: Runtime, *, language: str = "en", seed: int = 7,
              k: int | None = None) -> Discovery:
    with runtime.session() as session:
        return discover(session, settings=runtime.settings, schema=runtime.facet_schema,
                        labels={}, language=language, seed=seed, k=k)


def _cluster_of_group(found: Discovery, runtime: Runtime, planted: PlantedShop,
                      group: str) -> int:
    """The number of the cluster holding most of ``group``."""
    with runtime.session() as session:
        clustering = clustering_of(session, settings=runtime.settings, seed=found.seed,
                                   k=found.k)
    counts = {c.number: len(clustering.members(c.number) & planted.groups[group])
              for c in found.clusters}
    return max(counts, key=lambda number: counts[number])


def test_the_planted_groups_are_recovered(runtime: Runtime, planted: PlantedShop) -> None:
    with runtime.session() as session:
        clustering = clustering_of(session, settings=runtime.settings, seed=7, k=None)
    assert clustering.k == 3 and clustering.chosen_by == "silhouette"
    truth = [planted.group_of(c) for c in clustering.embedding.customers]
    assert adjusted_rand_score(truth, clustering.labels) >= 0.9
    # Clear groups do not depend on the seed.
    assert clustering.stability is not None
    assert clustering.stability.seeds == [7, 8, 9, 10, 11]
    assert clustering.stability.min_ari >= 0.9


def test_each_cluster_is_named_from_its_planted_values(runtime: Runtime,
                                                       planted: PlantedShop) -> None:
    found = _discover(runtime)
    names = {group: found.clusters[_cluster_of_group(found, runtime, planted, group) - 1].name
             for group in GROUPS}
    assert set(names["vegan"].split(" + ")) <= {"Diet: vegan", "Eco-friendly", "Use: sport"}
    assert "Diet: vegan" in names["vegan"] or "Eco-friendly" in names["vegan"]
    assert set(names["apple"].split(" + ")) <= {"Apple", "Use: photo",
                                                "Style: minimal"}
    assert set(names["gluten"].split(" + ")) <= {
        "never Allergens: gluten", "Sugar-free", "budget up to PLN\xa0250.00"}
    for name in names.values():
        assert len(name.split(" + ")) >= 2


def test_names_and_reasons_in_polish(runtime: Runtime, planted: PlantedShop) -> None:
    found = _discover(runtime, language="pl")
    vegan = found.clusters[_cluster_of_group(found, runtime, planted, "vegan") - 1]
    assert set(vegan.name.split(" + ")) <= {"Dieta: wegańska", "Przyjazne środowisku",
                                            "Zastosowanie: sport"}
    gluten = found.clusters[_cluster_of_group(found, runtime, planted, "gluten") - 1]
    lines = " ".join(gluten.sets_apart)
    assert "wyklucza Alergeny: gluten" in lines and "wobec" in lines
    assert "250,00\xa0zł" in lines  # the band's edge, in Polish money format
    for text in (vegan.name, *vegan.sets_apart, gluten.name, *gluten.sets_apart):
        assert "true" not in text and " like " not in text


def test_what_sets_a_cluster_apart_states_true_shares(runtime: Runtime,
                                                      planted: PlantedShop) -> None:
    found = _discover(runtime)
    number = _cluster_of_group(found, runtime, planted, "vegan")
    vegan = found.clusters[number - 1]
    with runtime.session() as session:
        clustering = clustering_of(session, settings=runtime.settings, seed=7, k=None)
        population = read_population(session, settings=runtime.settings)
    members = clustering.members(number)
    everyone = clustering.embedding.customers
    for shown in vegan.distinctive:
        value = DeclaredValue(shown.kind, shown.facet, shown.value)
        holders = {cid for cid, values in population.eligible.items() if value in values}
        assert shown.share == pytest.approx(len(holders & members) / len(members), abs=1e-4)
        assert shown.overall == pytest.approx(len(holders & set(everyone)) / len(everyone),
                                              abs=1e-4)
        assert shown.share >= 1.5 * shown.overall
    diet = next(v for v in vegan.distinctive if v.facet == "diet")
    assert any(line.startswith(f"{round(diet.share * 100)}% like Diet: vegan vs ")
               for line in vegan.sets_apart)


def test_same_seed_same_clusters(runtime: Runtime, planted: PlantedShop) -> None:
    with runtime.session() as session:
        population = read_population(session, settings=runtime.settings)
    first, again = cluster(population, seed=11), cluster(population, seed=11)
    assert first.k == again.k
    assert first.labels.tolist() == again.labels.tolist()
    assert first.candidates == again.candidates
    assert _discover(runtime, seed=11) == _discover(runtime, seed=11)


def test_consent_and_level_off_keep_customers_out(runtime: Runtime,
                                                  planted: PlantedShop) -> None:
    with runtime.session() as session:
        clustering = clustering_of(session, settings=runtime.settings, seed=7, k=None)
    taking_part = set(clustering.embedding.customers)
    assert not taking_part & (planted.withdrawn | planted.level_off | planted.single)
    found = _discover(runtime)
    assert found.left_out_consent == len(planted.withdrawn) + len(planted.level_off)
    assert found.left_out_few_values == len(planted.single)
    assert found.participants == sum(len(ids) for ids in planted.groups.values())
    assert found.customers_declared == found.participants + 11


def test_a_withdrawal_applies_at_the_next_discovery(runtime: Runtime,
                                                    planted: PlantedShop) -> None:
    before = _discover(runtime)
    leaving = sorted(planted.groups["apple"])[:4]
    with runtime.session(write=True) as session:
        for cid in leaving:
            consent(session, cid, "personalization", False)
    after = _discover(runtime)
    assert after.revision != before.revision
    assert after.participants == before.participants - 4
    with runtime.session() as session:
        clustering = clustering_of(session, settings=runtime.settings, seed=7, k=None)
    assert not set(leaving) & set(clustering.embedding.customers)


def test_each_rule_is_a_valid_condition_that_selects_its_cluster(
        runtime: Runtime, planted: PlantedShop) -> None:
    found = _discover(runtime)
    for group in GROUPS:
        picked = found.clusters[_cluster_of_group(found, runtime, planted, group) - 1]
        assert picked.rule is not None
        condition = parse_condition(picked.rule.condition)
        assert condition.type == "and"
        assert picked.rule.precision >= 0.9 and picked.rule.recall >= 0.9
        assert picked.rule.selected >= 0.9 * picked.size


def test_a_requested_k_is_used_and_a_k_too_large_is_refused(runtime: Runtime,
                                                            planted: PlantedShop) -> None:
    found = _discover(runtime, k=4)
    assert found.k == 4 and found.k_chosen_by == "request" and len(found.clusters) == 4
    assert sum(c.size for c in found.clusters) == found.participants
    assert [c.size for c in found.clusters] == sorted((c.size for c in found.clusters),
                                                      reverse=True)


def test_too_few_profiles_for_k(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        plant_small(session)
    with pytest.raises(InvalidInput) as refused:
        _discover(runtime, k=5)
    assert refused.value.errors[0].loc == ("k",)
    assert refused.value.errors[0].msg.startswith("must be at most 4: 4 distinct declared")
    found = _discover(runtime)
    assert found.k is not None and found.k <= 4


def test_an_empty_shop_has_nothing_to_cluster(runtime: Runtime) -> None:
    found = _discover(runtime)
    assert found.k is None and found.clusters == [] and found.stability is None
    assert found.participants == 0


def plant_small(session: Session) -> None:
    """Twelve customers in four distinct profiles: three of four values each."""
    values = [("diet", "vegan"), ("eco", "true"), ("use", "sport"), ("use", "photo")]
    for n in range(12):
        likes = [(facet, value, 0.8) for i, (facet, value) in enumerate(values) if i != n % 4]
        customer(session, f"s{n}", likes=likes)


def test_a_saved_cluster_holds_the_planted_group(runtime: Runtime, planted: PlantedShop
                                                 ) -> None:
    found = _discover(runtime)
    number = _cluster_of_group(found, runtime, planted, "vegan")
    with runtime.session(write=True) as session:
        saved = save_discovered(session, settings=runtime.settings,
                                schema=runtime.facet_schema, labels={}, language="en",
                                choice=SaveDiscovered(key="vegan-eco", cluster=number),
                                actor="key:test")
    assert saved.name == found.clusters[number - 1].name
    assert saved.description == "; ".join(found.clusters[number - 1].sets_apart)
    with runtime.session() as session:
        members = set(session.scalars(
            select(SegmentMember.customer_id).join(Segment)
            .where(Segment.key == "vegan-eco")))
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "segment.create")).one()
    # The planted vegans who take part; not the ones whose consent or level keeps them out,
    # although they declared the very same values.
    assert members == planted.groups["vegan"]
    assert saved.members == len(members)
    assert (entry.actor, entry.target) == ("key:test", "vegan-eco")


def test_a_cluster_without_a_rule_or_out_of_range_saves_nothing(
        runtime: Runtime, planted: PlantedShop) -> None:
    with runtime.session(write=True) as session, pytest.raises(InvalidInput) as refused:
        save_discovered(session, settings=runtime.settings, schema=runtime.facet_schema,
                        labels={}, language="en", actor="key:test",
                        choice=SaveDiscovered(key="nine", cluster=9))
    assert [(e.loc, e.msg) for e in refused.value.errors] == [
        (("cluster",), "must be between 1 and 3")]
    with runtime.session() as session:
        assert session.scalar(select(func.count()).select_from(Segment)) == 0
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_an_erased_customer_is_gone_from_the_next_discovery_and_the_cache(
        runtime: Runtime, planted: PlantedShop) -> None:
    _discover(runtime)
    erased = sorted(planted.groups["gluten"])[0]
    with runtime.session(write=True) as session:
        erase_customer(session, customer_id=erased, settings=runtime.settings)
    after = _discover(runtime)
    assert after.participants == 89
    url = runtime.engine.url.render_as_string(hide_password=True)
    held = [result.embedding.customers for key, result in discovery._cache.items()
            if key[0] == url]
    assert len(held) == 1 and erased not in held[0]


def test_anonymous_visitors_who_declared_take_part(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        plant(session)
        visitor = customer(session, "anon-1", likes=[("diet", "vegan", 0.9), ("eco", "true", 0.9),
                                                     ("use", "sport", 0.9)])
        visitor.anonymous = True
    with runtime.session() as session:
        clustering = clustering_of(session, settings=runtime.settings, seed=7, k=None)
    assert "anon-1" in clustering.embedding.customers
    found = _discover(runtime)
    assert found.participants == 91
