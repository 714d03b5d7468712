"""Invariants of discovered segments over arbitrary declared populations (no database): the
clusters partition exactly the customers who take part, numbered by size; the same seed
gives the same answer; every distinctive value, name and rule says what the data says."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prefero.catalog.facets import load_facet_schema
from prefero.segments.conditions import parse_condition
from prefero.segments.discovery import LIFT, MIN_SHARE, MIN_VALUES, cluster, describe
from prefero.segments.discovery_profiles import DeclaredValue, Population
from prefero.segments.discovery_rules import best_rule

SCHEMA = load_facet_schema()
VALUES = [DeclaredValue("like", "diet", "vegan"), DeclaredValue("like", "eco", "true"),
          DeclaredValue("like", "use", "sport"), DeclaredValue("like", "use", "photo"),
          DeclaredValue("dislike", "brand", "nike"), DeclaredValue("never", "allergens", "nuts"),
          DeclaredValue("must", "diet", "vegetarian"),
          DeclaredValue("budget", "budget_max", "250"),
          DeclaredValue("budget", "budget_max", "5000+")]

populations = st.dictionaries(
    st.from_regex(r"c[0-9]{3}", fullmatch=True),
    st.frozensets(st.sampled_from(VALUES), min_size=1, max_size=5),
    min_size=0, max_size=60,
).map(lambda eligible: Population(eligible=eligible, withheld=0, revision="r"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(population=populations, seed=st.integers(0, 1000))
def test_clusters_partition_the_participants_by_size(population: Population,
                                                     seed: int) -> None:
    result = cluster(population, seed=seed)
    customers = result.embedding.customers
    assert list(customers) == sorted(customers)
    assert set(customers) <= set(population.eligible)
    assert len(customers) + result.embedding.too_few == len(population.eligible)
    for cid in customers:
        assert len(population.eligible[cid]) >= MIN_VALUES
    if result.k is None:
        return
    sizes = [int((result.labels == n).sum()) for n in range(result.k)]
    assert sum(sizes) == len(customers) and min(sizes) >= 1
    assert sizes == sorted(sizes, reverse=True)
    again = cluster(population, seed=seed)
    assert again.labels.tolist() == result.labels.tolist() and again.k == result.k
    assert result.stability is not None
    assert -1.0 <= result.stability.min_ari <= result.stability.mean_ari <= 1.0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(population=populations, seed=st.integers(0, 1000), language=st.sampled_from(["en", "pl"]))
def test_descriptions_state_what_the_data_says(population: Population, seed: int,
                                               language: str) -> None:
    result = cluster(population, seed=seed)
    found = describe(result, schema=SCHEMA, labels={}, language=language, currency="PLN")
    assert found.participants == len(result.embedding.customers)
    if result.k is None:
        assert found.clusters == [] and found.stability is None
        return
    assert sum(c.size for c in found.clusters) == found.participants
    everyone = result.embedding.customers
    for shown in found.clusters:
        members = result.members(shown.number)
        assert len(members) == shown.size
        for value in shown.distinctive:
            stated = DeclaredValue(value.kind, value.facet, value.value)
            share = sum(stated in population.eligible[c] for c in members) / len(members)
            overall = sum(stated in population.eligible[c] for c in everyone) / len(everyone)
            assert value.share == pytest.approx(share, abs=1e-4)
            assert value.overall == pytest.approx(overall, abs=1e-4)
            assert share >= MIN_SHARE and share >= LIFT * overall - 1e-9
        for text in (shown.name, *shown.sets_apart, *(v.text for v in shown.distinctive)):
            assert "true" not in text and "5000+" not in text and "e+" not in text
        if shown.rule is not None:
            parse_condition(shown.rule.condition)
            assert 0.0 <= shown.rule.precision <= 1.0 and 0.0 < shown.rule.recall <= 1.0


@given(members=st.frozensets(st.sampled_from("abcdefgh"), min_size=1),
       holders=st.lists(st.frozensets(st.sampled_from("abcdefghij")), min_size=1,
                        max_size=4))
def test_the_rule_chosen_is_scored_truthfully(members: frozenset[str],
                                              holders: list[frozenset[str]]) -> None:
    values = VALUES[:len(holders)]
    fit = best_rule(values, members=members, holders=dict(zip(values, holders, strict=True)))
    assert fit is not None
    sets = [holders[values.index(v)] for v in fit.values]
    selected = frozenset.intersection(*sets) if fit.join == "and" else frozenset.union(*sets)
    assert fit.selected == len(selected)
    assert fit.recall == pytest.approx(len(selected & members) / len(members))
    if selected:
        assert fit.precision == pytest.approx(len(selected & members) / len(selected))
    # No single value describes the cluster better than the rule chosen.
    for value, held in zip(values, holders, strict=True):
        single = best_rule([value], members=members, holders={value: held})
        assert single is not None and single.f1 <= fit.f1 + 1e-9
