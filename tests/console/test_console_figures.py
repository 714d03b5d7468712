"""The dashboard's figures on small shops with known answers, and their invariants."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from factories import add_products, consent, customer, product
from prefero.console.declared import declared_by_facet
from prefero.console.overview import (
    catalogue_figures,
    consent_rates,
    customer_figures,
    level_counts,
)
from prefero.customers.models import ConsentRecord, Customer, Preference
from prefero.runtime import Runtime
from prefero.types import PURPOSES


def test_catalogue_counts_active_products_by_availability(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        add_products(session, [
            product("p1", category="A"), product("p2", category="A"),
            product("p3", category="A", availability="out_of_stock"),
            product("p4", category="A", availability="preorder"),
            product("p5", category="A", active=False)])
        figures = catalogue_figures(session)
    assert figures.by_availability == {"in_stock": 2, "out_of_stock": 1, "preorder": 1}
    assert (figures.active, figures.available, figures.inactive) == (4, 3, 1)
    assert figures.available_share == 0.75


def test_an_empty_shop_has_no_shares(runtime: Runtime) -> None:
    with runtime.session() as session:
        assert catalogue_figures(session).available_share is None
        assert customer_figures(session).total == 0
        assert all(rate.rate is None for rate in consent_rates(session,
                                                                settings=runtime.settings))
        assert declared_by_facet(session) == []


def test_customers_known_and_anonymous(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        customer(session, "c1")
        customer(session, "anon-123")
        session.add(Customer(id="visitor-9", anonymous=True))
        session.flush()
        figures = customer_figures(session)
    assert (figures.known, figures.anonymous) == (1, 2)


def test_consent_counts_the_latest_answer_and_the_default_for_the_rest(
        runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        for cid in ("c1", "c2", "c3", "c4"):
            customer(session, cid)
        consent(session, "c1", "tracking", True)
        consent(session, "c2", "tracking", True)
        consent(session, "c2", "tracking", False)  # withdrawn later: refused now
        consent(session, "c3", "personalization", False)
        rates = {r.purpose: r for r in consent_rates(session, settings=runtime.settings)}
    tracking, personalization = rates["tracking"], rates["personalization"]
    assert (tracking.granted, tracking.refused, tracking.unanswered) == (1, 1, 2)
    assert tracking.rate == 0.25  # opt-in: the unanswered do not count
    assert (personalization.granted, personalization.refused,
            personalization.unanswered) == (0, 1, 3)
    assert personalization.rate == 0.75  # on unless withdrawn
    assert list(rates) == list(PURPOSES)


def test_levels_chosen_with_the_shop_default_last(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        customer(session, "c1", level="off")
        customer(session, "c2", level="full")
        customer(session, "c3", level="full")
        customer(session, "c4")
        counts = [(c.level, c.count) for c in level_counts(session)]
    assert counts == [("off", 1), ("declared", 0), ("balanced", 0), ("full", 2), (None, 1)]


def test_declared_values_by_facet_most_declared_first(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        customer(session, "c1", likes=[("diet", "vegan", 1.0), ("brand", "lindt", -0.5)],
                 never=[("allergen", "gluten")])
        customer(session, "c2", likes=[("diet", "vegan", 0.4), ("diet", "keto", 0.0)],
                 must=[("diet", "organic")], never=[("allergen", "gluten")],
                 sizes=[("Fashion", "m")], dismissed=["p1"])
        customer(session, "c3", never=[("allergen", "nuts")])
        found = declared_by_facet(session)
    assert [(f.facet, f.customers) for f in found] == [
        ("allergen", 3), ("diet", 2), ("brand", 1)]
    allergen, diet, brand = found
    assert [(v.value, v.counts["never"]) for v in allergen.values] == [("gluten", 2),
                                                                       ("nuts", 1)]
    # keto's weight 0 says nothing; organic is a "must".
    assert [(v.value, v.counts) for v in diet.values] == [
        ("vegan", {"like": 2, "dislike": 0, "never": 0, "must": 0}),
        ("organic", {"like": 0, "dislike": 0, "never": 0, "must": 1})]
    assert brand.values[0].counts["dislike"] == 1


def test_only_the_top_values_of_a_facet_are_kept(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        for i in range(5):
            customer(session, f"c{i}", never=[("allergen", f"a{j}") for j in range(i + 1)])
        found = declared_by_facet(session, top=2)
    assert [(v.value, v.total) for v in found[0].values] == [("a0", 5), ("a1", 4)]


answers = st.lists(st.tuples(st.integers(0, 5), st.sampled_from(PURPOSES), st.booleans()),
                   max_size=25)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answers=answers)
def test_every_customer_is_counted_once_per_purpose(runtime: Runtime,
                                                    answers: list[tuple[int, str, bool]]
                                                    ) -> None:
    with runtime.session(write=True) as session:
        session.execute(delete(ConsentRecord))
        session.execute(delete(Preference))
        session.execute(delete(Customer))
        for i in range(6):
            customer(session, f"c{i}")
        latest: dict[tuple[int, str], bool] = {}
        for who, purpose, granted in answers:
            consent(session, f"c{who}", purpose, granted)
            latest[(who, purpose)] = granted
        rates = consent_rates(session, settings=runtime.settings)
    for rate in rates:
        assert rate.total == 6
        assert rate.granted == sum(1 for (_, p), g in latest.items() if p == rate.purpose and g)
        assert rate.refused == sum(1 for (_, p), g in latest.items()
                                   if p == rate.purpose and not g)
        assert 0 <= rate.in_force <= rate.total
