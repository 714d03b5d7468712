"""Fresh preferences: the decay rule, windows per facet and per category, rules that never
decay, and confirming (which changes nothing but the time), all on a controllable clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, update

from prefero.config import Settings
from prefero.customers.confirmation import ValueRef, confirm_values
from prefero.customers.freshness import decay_factor, freshness, window_days
from prefero.customers.models import Customer, Preference
from prefero.customers.preferences import (
    add_constraint,
    add_like,
    profile_of,
    put_preferences,
    set_sizes,
)
from prefero.customers.schemas import Constraint, Like, PreferencesIn, SizeSet
from prefero.errors import InvalidInput, NotFound
from prefero.runtime import Runtime

NOW = datetime(2027, 6, 1, 12, tzinfo=UTC)
SETTINGS = Settings(freshness_days=100, freshness_facet_days={"style": 300},
                    freshness_size_days=200, freshness_size_category_days={"kids": 50})


def row(kind: str, facet: str, value: str, *, days_ago: float,
        weight: float | None = None) -> Preference:
    at = NOW - timedelta(days=days_ago)
    return Preference(kind=kind, facet=facet, value=value, weight=weight, updated_at=at,
                      confirmed_at=at)


# --------------------------------------------------------------------------- the rule


@pytest.mark.parametrize(("days_ago", "windows", "factor"), [
    (0, 0, 1.0), (99.9, 0, 1.0), (100, 1, 0.5), (199, 1, 0.5), (200, 2, 0.25),
    (350, 3, 0.125),
])
def test_a_like_keeps_full_weight_in_its_first_window_and_halves_per_window_after(
        days_ago: float, windows: int, factor: float) -> None:
    state = freshness(row("like", "brand", "acme", days_ago=days_ago, weight=0.8), now=NOW,
                      settings=SETTINGS)
    assert (state.windows, state.factor, state.stale) == (windows, factor, windows >= 1)


@given(st.floats(min_value=0, max_value=5000), st.floats(min_value=0, max_value=5000))
def test_an_older_like_never_weighs_more(younger: float, extra: float) -> None:
    def factor(days: float) -> float:
        return decay_factor(kind="like", facet="brand", confirmed_at=NOW - timedelta(days=days),
                            now=NOW, settings=SETTINGS)

    assert 0 < factor(younger + extra) <= factor(younger) <= 1


@given(st.sampled_from(["never", "must"]), st.sampled_from(["allergens", "diet", "style"]),
       st.floats(min_value=0, max_value=20_000))
def test_rules_never_decay_however_old(kind: str, facet: str, days: float) -> None:
    rule = row(kind, facet, "gluten", days_ago=days)
    assert freshness(rule, now=NOW, settings=SETTINGS).factor == 1.0
    assert decay_factor(kind=kind, facet=facet, confirmed_at=rule.confirmed_at, now=NOW,
                        settings=SETTINGS) == 1.0


def test_old_rules_and_sizes_are_still_asked_about() -> None:
    assert freshness(row("never", "allergens", "gluten", days_ago=150), now=NOW,
                     settings=SETTINGS).stale
    size = freshness(row("size", "Fashion > Shoes", "42", days_ago=250), now=NOW,
                     settings=SETTINGS)
    assert size.stale and size.factor == 1.0


def test_windows_differ_per_facet_and_children_s_sizes_go_stale_first() -> None:
    assert window_days(kind="like", facet="brand", settings=SETTINGS) == 100
    assert window_days(kind="like", facet="style", settings=SETTINGS) == 300
    assert window_days(kind="never", facet="style", settings=SETTINGS) == 300
    assert window_days(kind="size", facet="Fashion > Shoes", settings=SETTINGS) == 200
    assert window_days(kind="size", facet="Fashion > KIDS > Shoes", settings=SETTINGS) == 50
    # 120 days: the grown-up's shoes are fresh, the child's are not; a style like is fresh.
    assert not freshness(row("size", "Fashion > Shoes", "42", days_ago=120), now=NOW,
                         settings=SETTINGS).stale
    assert freshness(row("size", "Fashion > Kids > Shoes", "30", days_ago=120), now=NOW,
                     settings=SETTINGS).stale
    assert freshness(row("like", "style", "boho", days_ago=120, weight=1), now=NOW,
                     settings=SETTINGS).factor == 1.0


def test_the_default_settings_shorten_children_s_sizes() -> None:
    default = Settings()
    kids = window_days(kind="size", facet="Fashion > Kids", settings=default)
    grown_up = window_days(kind="size", facet="Fashion > Shoes", settings=default)
    assert kids is not None and grown_up is not None and kids < grown_up
    assert window_days(kind="size", facet="Baby > Bodysuits", settings=default) == 60


def test_dismissals_never_go_stale_and_a_future_stamp_counts_as_now() -> None:
    assert not freshness(row("dismiss", "product", "p1", days_ago=10_000), now=NOW,
                         settings=SETTINGS).stale
    ahead = freshness(row("like", "brand", "acme", days_ago=-30, weight=1), now=NOW,
                      settings=SETTINGS)
    assert (ahead.age_days, ahead.factor) == (0.0, 1.0)


@pytest.mark.parametrize("bad", [{"freshness_days": 0}, {"freshness_days": 4000},
                                 {"freshness_facet_days": {"style": -1}},
                                 {"freshness_size_category_days": {"": 30}}])
def test_windows_are_validated(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="freshness_"):
        Settings(**bad)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- stored values


def _age(runtime: Runtime, customer_id: str, days: float) -> None:
    """Make every stored value of the customer as old as ``days`` (by the test's clock)."""
    with runtime.session(write=True) as session:
        session.execute(update(Preference).where(Preference.customer_id == customer_id)
                        .values(confirmed_at=NOW - timedelta(days=days)))


def _stored(runtime: Runtime, customer_id: str) -> dict[tuple[str, str, str], Preference]:
    with runtime.session() as session:
        rows = session.scalars(select(Preference).where(Preference.customer_id == customer_id))
        found = {(r.kind, r.facet, r.value): r for r in rows}
        session.expunge_all()
        return found


def _profile_stale(runtime: Runtime, customer_id: str) -> list[tuple[str, str, str, int]]:
    with runtime.session() as session:
        customer = session.get_one(Customer, customer_id)
        out = profile_of(session, customer, runtime.settings, now=NOW)
    return [(v.kind, v.facet, v.value, v.months) for v in out.stale]


def _seed(runtime: Runtime, customer_id: str = "c1") -> None:
    with runtime.session() as session:
        put_preferences(session, customer_id=customer_id, schema=runtime.facet_schema,
                        settings=runtime.settings, prefs=PreferencesIn(
                            likes=[Like(facet="brand", value="acme", weight=0.8)],
                            constraints=[Constraint(facet="allergens", op="never",
                                                    values=["gluten"])],
                            sizes=[SizeSet(category="Fashion > Kids", values=["110"])]))


def test_stale_values_are_listed_with_their_age(runtime: Runtime) -> None:
    _seed(runtime)
    _age(runtime, "c1", 400)  # default windows: 365 days; children's sizes 120
    assert sorted(_profile_stale(runtime, "c1")) == [
        ("like", "brand", "acme", 13), ("never", "allergens", "gluten", 13),
        ("size", "Fashion > Kids", "110", 13)]
    _age(runtime, "c1", 200)
    assert _profile_stale(runtime, "c1") == [("size", "Fashion > Kids", "110", 6)]


def test_confirming_changes_only_the_time_and_moves_the_profile_revision(
        runtime: Runtime) -> None:
    _seed(runtime)
    _age(runtime, "c1", 400)
    before = _stored(runtime, "c1")
    with runtime.session() as session:
        revision = session.scalar(select(Customer.profile_revision).where(Customer.id == "c1"))
        out = confirm_values(session, customer_id="c1", now=NOW, values=[
            ValueRef(kind="like", facet="brand", value="acme")])
        assert [r.value for r in out.confirmed] == ["acme"]
    after = _stored(runtime, "c1")
    acme = ("like", "brand", "acme")
    assert after[acme].confirmed_at == NOW
    assert (after[acme].weight, after[acme].source, after[acme].updated_at) == (
        before[acme].weight, before[acme].source, before[acme].updated_at)
    gluten = ("never", "allergens", "gluten")
    assert after[gluten].confirmed_at == before[gluten].confirmed_at  # not named: not touched
    with runtime.session() as session:
        # The cached profiles (keyed by this stamp) must see the like's weight come back.
        assert session.scalar(select(Customer.profile_revision)
                              .where(Customer.id == "c1")) != revision
    assert [v[2] for v in _profile_stale(runtime, "c1")] == ["gluten", "110"]


def test_confirming_everything(runtime: Runtime) -> None:
    _seed(runtime)
    _age(runtime, "c1", 400)
    with runtime.session() as session:
        out = confirm_values(session, customer_id="c1", now=NOW, values=None)
    assert len(out.confirmed) == 3
    assert _profile_stale(runtime, "c1") == []


def test_an_unknown_value_refuses_the_whole_confirmation(runtime: Runtime) -> None:
    _seed(runtime)
    _age(runtime, "c1", 400)
    with pytest.raises(InvalidInput) as caught, runtime.session() as session:
        confirm_values(session, customer_id="c1", now=NOW, values=[
            ValueRef(kind="like", facet="brand", value="acme"),
            ValueRef(kind="must", facet="allergens", value="gluten")])
    assert [e.loc for e in caught.value.errors] == [("values", 1)]
    assert len(_profile_stale(runtime, "c1")) == 3  # the known one was not confirmed either
    with pytest.raises(NotFound), runtime.session() as session:
        confirm_values(session, customer_id="nobody", now=NOW, values=None)


def test_declaring_a_value_again_one_at_a_time_confirms_it(runtime: Runtime) -> None:
    _seed(runtime)
    _age(runtime, "c1", 400)
    with runtime.session() as session:
        add_like(session, customer_id="c1", schema=runtime.facet_schema,
                 like=Like(facet="brand", value="ACME", weight=0.8))
        add_constraint(session, customer_id="c1", schema=runtime.facet_schema,
                       constraint=Constraint(facet="allergens", op="never", values=["gluten"]))
        set_sizes(session, customer_id="c1", schema=runtime.facet_schema,
                  sizes=SizeSet(category="Fashion > Kids", values=["110"]))
    rows = _stored(runtime, "c1")
    # The services stamp with the real clock, which is past the aged stamps.
    assert all(r.confirmed_at is not None and r.confirmed_at > NOW - timedelta(days=399)
               for r in rows.values())


def test_a_whole_profile_resent_unchanged_confirms_nothing_but_a_change_does(
        runtime: Runtime) -> None:
    _seed(runtime)
    _age(runtime, "c1", 400)
    with runtime.session() as session:
        put_preferences(session, customer_id="c1", schema=runtime.facet_schema,
                        settings=runtime.settings, prefs=PreferencesIn(
                            likes=[Like(facet="brand", value="acme", weight=0.3)],
                            constraints=[Constraint(facet="allergens", op="never",
                                                    values=["gluten"])],
                            sizes=[SizeSet(category="Fashion > Kids", values=["110"])]))
    assert [v[2] for v in _profile_stale(runtime, "c1")] == ["gluten", "110"]
